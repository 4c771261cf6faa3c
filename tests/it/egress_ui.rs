//! The provider's "Outbound access" page in headless Chromium: the org's egress policy loads,
//! a bad entry is marked with its line, a good policy is saved and is what the API then holds;
//! a tenant has no such page. Screenshot: target/screenshots/provider-egress.png.

use api_types::{EgressPolicy, Role};
use fantoccini::Locator;
use harness::browser::{Browser, start_app_with_ui as start_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_edits_an_orgs_egress_policy_line_by_line() {
    let app = start_app().await;
    let tenant = app.token(Role::TenantAdmin, Some("acme")).await;
    let provider = app.token(Role::Provider, None).await;
    let browser = Browser::start().await;

    browser.client.goto(&app.url(&format!("/#/provider/egress&token={provider}"))).await.unwrap();
    browser.wait_for("#page-provider-egress[data-state='ready'] #egress-form", "the egress form").await;
    browser.wait_for("#nav-provider-egress.active", "the provider's nav entry").await;
    let heading = browser.find("#page-provider-egress .page-heading").await.text().await.unwrap();
    assert!(heading.contains("organization acme"), "{heading}");
    assert_eq!(browser.find("#egress-allow").await.prop("value").await.unwrap().as_deref(), Some(""));

    // The second line is not an entry: the server says so, and the form names the line.
    browser.type_into("#egress-allow", "api.github.com\nhttps://hooks.example.com\n10.20.0.0/16").await;
    browser.find("#egress-save").await.click().await.unwrap();
    let error = browser.wait_for("#egress-form .field-error", "the entry's error").await.text().await.unwrap();
    assert!(error.starts_with("line 2: 'https://hooks.example.com' is not a host name"), "{error}");
    let stored: EgressPolicy = app.get("/api/provider/orgs/acme/egress", &provider).await.json().await.unwrap();
    assert_eq!(stored, EgressPolicy::default(), "nothing was stored");

    browser.type_into("#egress-allow", "api.github.com\n# chat\n*.slack.com\n\n10.20.0.0/16").await;
    browser.type_into("#egress-deny", "10.20.5.0/24").await;
    browser.find("#egress-save").await.click().await.unwrap();
    browser.wait_for("#egress-saved:not([hidden])", "the saved note").await;
    assert!(browser.client.find_all(Locator::Css("#egress-form .field-error")).await.unwrap().is_empty());
    let stored: EgressPolicy = app.get("/api/provider/orgs/acme/egress", &provider).await.json().await.unwrap();
    assert_eq!(stored.allow, ["api.github.com", "*.slack.com", "10.20.0.0/16"]);
    assert_eq!(stored.deny, ["10.20.5.0/24"]);
    let shown = browser.find("#egress-allow").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(shown, "api.github.com\n*.slack.com\n10.20.0.0/16", "the form shows what is stored");
    browser.screenshot("provider-egress").await;

    // A tenant sees no provider pages, and the API refuses it.
    // (A new hash alone does not reload the app, which keeps its session: load it anew.)
    browser.client.goto(&app.url(&format!("/#/functions&token={tenant}"))).await.unwrap();
    browser.client.refresh().await.unwrap();
    browser.wait_for("#page-functions", "the tenant's functions").await;
    browser.wait_for("#nav-functions", "the tenant's nav").await;
    assert!(browser.client.find(Locator::Css("#nav-provider-egress")).await.is_err());
    assert_eq!(app.get("/api/provider/orgs/acme/egress", &tenant).await.status(), 403);
    browser.close().await;
    app.shutdown().await;
}
