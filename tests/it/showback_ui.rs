//! The showback dashboards in real headless Chromium, on the demo data: the tenant's cards show
//! the summary's amounts, its charts are drawn in the page, the cost table follows the group-by
//! switch and the range presets, CSV export and the budget editor work; the provider's page
//! lists every tenant with the API's totals and opens a tenant's dashboard; a tenant without
//! records sees an empty state. Screenshots land in target/screenshots/showback-*.png.

use std::time::{Duration, Instant};

use api_types::{CostReport, Role, ShowbackSummary};
use chrono::{Datelike as _, Months};
use fantoccini::Locator;
use harness::TestApp;
use harness::browser::{Browser, grouped, start_app_with_ui as start_app};

async fn get<T: serde::de::DeserializeOwned>(app: &TestApp, path: &str, token: &str) -> T {
    let response = app.get(path, token).await;
    assert!(response.status().is_success(), "GET {path}: {}", response.status());
    response.json().await.unwrap()
}

async fn html(browser: &Browser, css: &str) -> String {
    browser.find(css).await.html(false).await.unwrap()
}

/// Waits until the text of `css` satisfies `ok`, failing with `what` (and the last text) after 20 s.
async fn wait_text(browser: &Browser, css: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(element) = browser.client.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if ok(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: {css} still says {last:?}");
}

async fn scroll_into_view(browser: &Browser, css: &str) {
    let script = "document.querySelector(arguments[0]).scrollIntoView({ block: 'start' })";
    browser.client.execute(script, vec![css.into()]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboards_draw_the_apis_numbers() {
    let app = start_app().await;
    let today = chrono::Utc::now().date_naive();
    // Seeds the orgs, thirteen months of usage, the rate card and acme's budget.
    stratus_core::demo::seed(&app.store, today).await.unwrap();
    let tenant = app.token(Role::TenantAdmin, Some("acme")).await;
    let summary: ShowbackSummary = get(&app, "/api/org/acme/showback/summary", &tenant).await;
    let services: CostReport = get(&app, "/api/org/acme/showback/costs?group_by=service", &tenant).await;
    let resources: CostReport = get(&app, "/api/org/acme/showback/costs?group_by=resource", &tenant).await;
    let three_months = today.with_day(1).unwrap().checked_sub_months(Months::new(2)).unwrap();
    let mut by_month: CostReport =
        get(&app, &format!("/api/org/acme/showback/costs?group_by=month&from={three_months}&to={today}"), &tenant)
            .await;
    by_month.groups.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(by_month.groups.len(), 3, "the demo data covers the last three months");
    let budget = summary.budget.as_ref().expect("the demo gives acme a budget");

    let browser = Browser::start().await;
    browser.client.goto(&app.url(&format!("/#/showback&token={tenant}"))).await.unwrap();
    browser.wait_for("#page-showback[data-state='ready']", "the tenant dashboard").await;
    assert!(browser.client.find(Locator::Css("#nav-provider-showback")).await.is_err(), "no provider entry");

    let mtd = browser.find("#card-mtd .card-amount").await.text().await.unwrap();
    assert!(mtd.contains(&grouped(&summary.month_to_date)), "card {mtd:?}, API {}", summary.month_to_date);
    let projected = browser.find("#card-projected .card-amount").await.text().await.unwrap();
    assert!(projected.contains(&grouped(&summary.projected)), "card {projected:?}, API {}", summary.projected);
    let last = browser.find("#card-last-month .card-amount").await.text().await.unwrap();
    assert!(last.contains(&grouped(&summary.last_month)), "card {last:?}, API {}", summary.last_month);
    let budget_card = browser.find("#card-budget").await.text().await.unwrap();
    assert!(budget_card.contains(&grouped(&budget.amount)), "budget card {budget_card:?}");
    assert!(budget_card.contains(&format!("{}% spent", budget.spent_percent)), "budget card {budget_card:?}");

    browser.wait_for("#chart-trend svg", "the month trend").await;
    let trend = html(&browser, "#chart-trend").await;
    for text in ["projected", "spent", "budget", "day of month"] {
        assert!(trend.contains(text), "the trend chart shows {text}");
    }
    browser.wait_for("#chart-services svg", "the services chart").await;
    let stacked = html(&browser, "#chart-services").await;
    for group in &services.groups {
        assert!(stacked.contains(&group.key), "the services chart names {}", group.key);
    }
    assert!(stacked.contains(&today.format("%Y-%m").to_string()), "the services chart has this month");
    browser.wait_for("#chart-top svg", "the top resources chart").await;
    let top = html(&browser, "#chart-top").await;
    let costliest = resources.groups.iter().max_by_key(|g| (g.cost.parse::<f64>().unwrap() * 100.0) as i64).unwrap();
    assert!(top.contains(&costliest.key), "the top chart names {}", costliest.key);
    browser.screenshot("showback-tenant").await;

    // Three months, grouped by month: one row per month, in order, with the API's amounts.
    browser.find("#preset-last-3-months").await.click().await.unwrap();
    browser.find("#groupby").await.select_by_value("month").await.unwrap();
    let rows_css = ".cost-table[data-group-by='month'] #cost-table tbody tr";
    wait_text(&browser, ".cost-table[data-group-by='month'] #cost-table", "the table by month", |t| {
        by_month.groups.iter().all(|g| t.contains(&g.key))
    })
    .await;
    let rows = browser.client.find_all(Locator::Css(rows_css)).await.unwrap();
    assert_eq!(rows.len(), by_month.groups.len(), "one row per month");
    for (row, group) in rows.iter().zip(&by_month.groups) {
        let text = row.text().await.unwrap();
        assert!(text.contains(&group.key) && text.contains(&grouped(&group.cost)), "row {text:?} for {group:?}");
    }
    let total = browser.find("#cost-table tfoot").await.text().await.unwrap();
    assert!(total.contains(&grouped(&by_month.total)), "total row {total:?}, API {}", by_month.total);
    assert_eq!(
        browser.find("#range-from").await.prop("value").await.unwrap().as_deref(),
        Some(&*three_months.to_string())
    );

    browser.find("#export-csv").await.click().await.unwrap();
    browser.wait_for("#export-csv[data-state='done']", "the CSV export").await;
    scroll_into_view(&browser, ".cost-explorer").await;
    browser.screenshot("showback-tenant-costs").await;

    // The budget editor: the server's field error, then a new amount on the card.
    scroll_into_view(&browser, "#page-showback").await;
    browser.find("#edit-budget").await.click().await.unwrap();
    browser.wait_for("#budget-dialog #budget-amount", "the budget editor").await;
    browser.type_into("#budget-amount", "0").await;
    browser.find("#budget-save").await.click().await.unwrap();
    wait_text(&browser, "#budget-dialog .field-error", "the amount's error", |t| t.contains("more than 0")).await;
    browser.screenshot("showback-budget").await;
    browser.type_into("#budget-amount", "98765.4").await;
    browser.find("#budget-save").await.click().await.unwrap();
    wait_text(&browser, "#card-budget .card-amount", "the new budget", |t| t.contains("98,765.40")).await;
    assert!(browser.client.find(Locator::Css("#budget-dialog")).await.is_err(), "the editor closed");

    // The provider: every tenant with the API's totals, the top chart, and a drill-down.
    let provider = app.token(Role::Provider, None).await;
    let tenants: CostReport = get(&app, "/api/provider/showback/costs?group_by=org", &provider).await;
    let keys: Vec<&str> = tenants.groups.iter().map(|g| g.key.as_str()).collect();
    assert!(keys.contains(&"acme") && keys.contains(&"globex"), "the demo tenants: {keys:?}");
    // A new document, not just a new fragment: the app reads the token when it loads.
    browser.client.goto("about:blank").await.unwrap();
    browser.client.goto(&app.url(&format!("/#/provider/showback&token={provider}"))).await.unwrap();
    browser.wait_for("#page-provider-showback[data-state='ready']", "the provider dashboard").await;
    browser.wait_for("#nav-provider-showback.active", "the provider's nav entry").await;
    for group in &tenants.groups {
        let css = format!("#tenant-table tr[data-org='{}'] .tenant-cost", group.key);
        let cost = browser.find(&css).await.text().await.unwrap();
        assert!(cost.contains(&grouped(&group.cost)), "{}: table {cost:?}, API {}", group.key, group.cost);
    }
    let total = browser.find("#tenant-table tfoot").await.text().await.unwrap();
    assert!(total.contains(&grouped(&tenants.total)), "total row {total:?}, API {}", tenants.total);
    browser.wait_for("#chart-top-tenants svg", "the top tenants chart").await;
    let top = html(&browser, "#chart-top-tenants").await;
    assert!(top.contains("acme") && top.contains("globex"), "the top chart names both tenants");
    browser.wait_for("#chart-tenant-services svg", "the per-tenant services chart").await;
    browser.screenshot("showback-provider").await;

    browser.find("#tenant-table tr[data-org='globex'] .tenant-link").await.click().await.unwrap();
    browser.wait_for("#page-showback[data-state='ready']", "globex's dashboard").await;
    let heading = browser.find("#page-showback .page-subtitle").await.text().await.unwrap();
    assert!(heading.contains("globex"), "the dashboard is globex's: {heading:?}");
    let switcher = browser.find("#org-switcher").await.prop("value").await.unwrap();
    assert_eq!(switcher.as_deref(), Some("globex"));

    // A tenant without records: the cards show zeros and the page says where costs come from.
    let newcomer = app.token(Role::TenantAdmin, Some("initech")).await;
    browser.client.goto("about:blank").await.unwrap();
    browser.client.goto(&app.url(&format!("/#/showback&token={newcomer}"))).await.unwrap();
    browser.wait_for("#page-showback[data-state='empty']", "the empty dashboard").await;
    let hint = browser.find("#page-showback .empty-state").await.text().await.unwrap();
    assert!(hint.contains("Collectors"), "the empty state explains collectors: {hint:?}");
    browser.screenshot("showback-empty").await;

    browser.close().await;
    app.shutdown().await;
}
