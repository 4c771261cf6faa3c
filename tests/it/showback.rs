//! Cost reports add up to the cent.

use std::collections::BTreeMap;

use api_types::{CostReport, ErrorBody, Role};
use harness::{TestApp, both_databases};
use stratus::demo;
use stratus::domain::money::format_cents;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

async fn cost_groups_equal_independent_sums(app: &TestApp) {
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    let records = demo::records("acme", 1.0, today());
    app.store.upsert_usage(&records).await.unwrap();
    // Importing the same records again changes nothing.
    app.store.upsert_usage(&records).await.unwrap();

    for (group_by, key_of) in [
        ("month", (|d: &str, _: &str| d[..7].to_owned()) as fn(&str, &str) -> String),
        ("service", |_, s| s.to_owned()),
        ("day", |d, _| d.to_owned()),
    ] {
        let path = format!("/api/org/acme/showback/costs?from=2026-01-15&to=2026-06-30&group_by={group_by}");
        let report: CostReport = app.get(&path, &token).await.json().await.unwrap();
        let mut expected: BTreeMap<String, i64> = BTreeMap::new();
        let mut total = 0;
        for r in records.iter().filter(|r| r.day.as_str() >= "2026-01-15" && r.day.as_str() <= "2026-06-30") {
            *expected.entry(key_of(&r.day, &r.service)).or_default() += r.cost_micros;
            total += r.cost_micros;
        }
        let got: BTreeMap<String, String> = report.groups.into_iter().map(|g| (g.key, g.cost)).collect();
        let expected: BTreeMap<String, String> = expected.into_iter().map(|(k, v)| (k, format_cents(v))).collect();
        assert_eq!(got, expected, "group_by={group_by}");
        assert_eq!(report.total, format_cents(total));
        assert_eq!(
            (report.currency.as_str(), report.from.as_str(), report.to.as_str()),
            ("EUR", "2026-01-15", "2026-06-30")
        );
    }
}
both_databases!(cost_reports, super::cost_groups_equal_independent_sums);

async fn provider_reports_cover_every_org(app: &TestApp) {
    let provider = app.token(Role::Provider, None).await;
    let seeded = demo::seed(&app.store, today()).await.unwrap();
    assert!(seeded > 8_000);
    let report: CostReport =
        app.get("/api/provider/showback/costs?from=2026-10-01&to=2026-10-31", &provider).await.json().await.unwrap();
    let keys: Vec<_> = report.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["acme", "globex"]);
    let tenant = app.token(Role::TenantAdmin, Some("acme")).await;
    let acme: CostReport =
        app.get("/api/org/acme/showback/costs?from=2026-10-01&to=2026-10-31", &tenant).await.json().await.unwrap();
    assert_eq!(report.groups[0].cost, acme.total);
    assert_eq!(app.get("/api/provider/showback/costs", &tenant).await.status(), 403);
}
both_databases!(provider_costs, super::provider_reports_cover_every_org);

#[tokio::test]
async fn bad_cost_queries_name_the_field() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    for (query, field) in [
        ("from=2026-02-30", "from"),
        ("to=yesterday", "to"),
        ("from=2026-03-01&to=2026-02-01", "from"),
        ("group_by=colour", "group_by"),
        ("group_by=org", "group_by"),
    ] {
        let response = app.get(&format!("/api/org/acme/showback/costs?{query}"), &token).await;
        assert_eq!(response.status(), 422, "{query}");
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error.details[0].field.as_deref(), Some(field), "{query}");
    }
    let empty: CostReport = app.get("/api/org/acme/showback/costs", &token).await.json().await.unwrap();
    assert_eq!((empty.total.as_str(), empty.groups.len()), ("0.00", 0));
    app.shutdown().await;
}
