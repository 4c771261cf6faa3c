//! The UI in real headless Chromium: the shell renders with data from the API, every page loads,
//! and a bad token shows an error. Screenshots land in target/screenshots/.

use api_types::{CostReport, Role};
use fantoccini::Locator;
use harness::browser::{Browser, grouped, start_app_with_ui as start_app, start_app_with_ui_and};

async fn page_state(browser: &Browser, page: &str) -> String {
    let root = browser.wait_for(&format!("#page-{page}[data-state]:not([data-state='loading'])"), page).await;
    root.attr("data-state").await.unwrap().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shell_shows_the_org_and_every_page_loads_real_data() {
    let app = start_app().await;
    stratus_core::demo::seed(&app.store, chrono::Utc::now().date_naive()).await.unwrap();
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    let report: CostReport =
        app.get("/api/org/acme/showback/costs?group_by=service", &token).await.json().await.unwrap();

    let browser = Browser::start().await;
    browser.client.goto(&app.url(&format!("/#token={token}"))).await.unwrap();
    browser.wait_for("#app-header", "the header").await;
    let org = browser.wait_for("#org-indicator", "the org indicator").await.text().await.unwrap();
    assert!(org.contains("acme"), "org indicator says {org:?}");
    let role = browser.client.find(Locator::Css("#role-indicator")).await.unwrap().text().await.unwrap();
    assert!(role.contains("tenant-admin"), "role indicator says {role:?}");
    let url = browser.client.current_url().await.unwrap();
    assert!(!url.as_str().contains(&token), "the token is removed from the address bar: {url}");

    browser.client.find(Locator::Css("#nav-functions")).await.unwrap().click().await.unwrap();
    assert_eq!(page_state(&browser, "functions").await, "empty");
    browser.screenshot("shell-functions").await;

    browser.client.find(Locator::Css("#nav-autoscale")).await.unwrap().click().await.unwrap();
    assert_eq!(page_state(&browser, "autoscale").await, "empty");
    browser.screenshot("shell-autoscale").await;

    browser.client.find(Locator::Css("#nav-showback")).await.unwrap().click().await.unwrap();
    assert_eq!(page_state(&browser, "showback").await, "ready");
    let total = browser.wait_for("#showback-total", "the month-to-date total").await.text().await.unwrap();
    assert!(total.contains(&grouped(&report.total)), "page total {total:?}, API total {}", report.total);
    browser.wait_for("#showback-chart svg", "the cost chart").await;
    let chart = browser.client.find(Locator::Css("#showback-chart")).await.unwrap().html(false).await.unwrap();
    for group in &report.groups {
        assert!(chart.contains(&group.key), "the chart names {}", group.key);
    }
    let shot = browser.screenshot("shell-showback").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "a real screenshot");
    browser.close().await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_shows_an_error_to_the_person() {
    let app = start_app().await;
    let browser = Browser::start().await;
    browser.client.goto(&app.url("/#token=stratus_not-a-real-token")).await.unwrap();
    let alert = browser.wait_for(".alert-danger", "an error alert").await.text().await.unwrap();
    assert!(alert.to_lowercase().contains("invalid") || alert.contains("unauthorized"), "alert says {alert:?}");
    browser.screenshot("shell-error").await;
    browser.close().await;
    app.shutdown().await;
}

/// Each area of the UI is a wasm module of its own: one that cannot be fetched is an error on its
/// page (not a crash of the app), the other areas still work, and opening the page again once
/// the file is back loads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_area_that_cannot_be_fetched_is_an_error_on_its_page_and_is_fetched_again_later() {
    let built = harness::workspace_root().join("target").join("web");
    let web = tempfile::tempdir().unwrap();
    let mut held_back = Vec::new();
    for entry in std::fs::read_dir(&built).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("split_showback_area.") {
            held_back.push(name);
        } else {
            std::fs::copy(entry.path(), web.path().join(&name)).unwrap();
        }
    }
    assert!(!held_back.is_empty(), "the build has a showback module: {}", built.display());
    let web_dir = web.path().to_path_buf();
    let app = start_app_with_ui_and(move |mut config| {
        config.web_dir = Some(web_dir);
        config
    })
    .await;
    let token = app.token(Role::TenantAdmin, Some("acme")).await;

    let browser = Browser::start().await;
    browser.client.goto(&app.url(&format!("/#/showback&token={token}"))).await.unwrap();
    let alert = browser.wait_for(".alert-danger", "an error alert").await.text().await.unwrap();
    assert!(alert.contains("could not be loaded"), "alert says {alert:?}");
    browser.find("#area-reload").await;
    browser.screenshot("area-unavailable").await;

    browser.find("#nav-functions").await.click().await.unwrap();
    assert_eq!(page_state(&browser, "functions").await, "empty");

    for name in &held_back {
        std::fs::copy(built.join(name), web.path().join(name)).unwrap();
    }
    browser.find("#nav-showback").await.click().await.unwrap();
    assert_eq!(page_state(&browser, "showback").await, "empty");
    browser.close().await;
    app.shutdown().await;
}
