//! Showback end to end: cost reports add up to the cent; the submodules cover imports,
//! collectors, rate cards, budgets, the summary, charts, the export and tenant isolation.

mod cli;
pub(crate) mod collectors;
mod import;
mod isolation;
mod rates;
mod summary;

use std::collections::BTreeMap;
use stratus_core::testing::StoreAccess as _;

use api_types::{CostReport, ErrorBody, Role};
use harness::{TestApp, both_databases};
use stratus_core::demo;
use stratus_core::money::format_cents;
use stratus_core::showback::records::format_exact;
use stratus_core::store::UsageRecord;

/// The import CSV of `records`.
pub fn csv_of(records: &[UsageRecord]) -> String {
    let mut csv = String::from("date,org,service,resource,quantity,unit,cost,currency\n");
    for r in records {
        let (q, c) = (format_exact(r.quantity_micros), format_exact(r.cost_micros));
        csv.push_str(&format!("{},{},{},{},{q},{},{c},{}\n", r.day, r.org, r.service, r.resource, r.unit, r.currency));
    }
    csv
}

/// `POST /api/provider/showback/import?{query}` with `body` as `content_type`.
pub async fn import(app: &TestApp, token: &str, query: &str, content_type: &str, body: String) -> reqwest::Response {
    let url = app.url(&format!("/api/provider/showback/import?{query}"));
    app.client.post(url).bearer_auth(token).header("content-type", content_type).body(body).send().await.unwrap()
}

/// Sums of `records` over `from..=to` keyed by `key`, formatted to the cent.
pub fn expected_sums(
    records: &[UsageRecord],
    from: &str,
    to: &str,
    key: impl Fn(&UsageRecord) -> String,
) -> (BTreeMap<String, String>, String) {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    let mut total = 0;
    for r in records.iter().filter(|r| r.day.as_str() >= from && r.day.as_str() <= to) {
        *sums.entry(key(r)).or_default() += r.cost_micros;
        total += r.cost_micros;
    }
    (sums.into_iter().map(|(k, v)| (k, format_cents(v))).collect(), format_cents(total))
}

/// A report's groups as key → cost.
pub fn groups(report: &CostReport) -> BTreeMap<String, String> {
    report.groups.iter().map(|g| (g.key.clone(), g.cost.clone())).collect()
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

async fn cost_groups_equal_independent_sums(app: &TestApp) {
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    let records = demo::records("acme", 1.0, today());
    let first = app.store.upsert_usage(&records).await.unwrap();
    assert_eq!((first.imported as usize, first.replaced, first.unchanged), (records.len(), 0, 0));
    // Importing the same records again changes nothing.
    let again = app.store.upsert_usage(&records).await.unwrap();
    assert_eq!((again.imported, again.replaced, again.unchanged as usize), (0, 0, records.len()));
    assert_eq!(app.store.usage_rollup_mismatches().await.unwrap(), Vec::<String>::new());

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

async fn ranges_across_month_edges_add_up(app: &TestApp) {
    let provider = app.token(Role::Provider, None).await;
    demo::seed(&app.store, today()).await.unwrap();
    let records: Vec<UsageRecord> =
        demo::DEMO_ORGS.iter().flat_map(|(org, _, size)| demo::records(org, *size, today())).collect();
    // Whole months, short and long edges, one day, a range inside one month, the whole history.
    for (from, to) in [
        ("2026-01-01", "2026-03-31"),
        ("2026-01-30", "2026-03-22"),
        ("2026-02-02", "2026-02-27"),
        ("2026-04-10", "2026-04-12"),
        ("2026-05-31", "2026-06-01"),
        ("2025-10-01", "2026-11-22"),
    ] {
        for (group_by, key) in [
            ("org", (|r: &UsageRecord| r.org.clone()) as fn(&UsageRecord) -> String),
            ("service", |r| r.service.clone()),
            ("month", |r| r.day[..7].to_owned()),
        ] {
            let path = format!("/api/provider/showback/costs?from={from}&to={to}&group_by={group_by}");
            let report: CostReport = app.get(&path, &provider).await.json().await.unwrap();
            let (expected, total) = expected_sums(&records, from, to, key);
            assert_eq!(groups(&report), expected, "{from}..{to} by {group_by}");
            assert_eq!(report.total, total, "{from}..{to}");
        }
        let path = format!("/api/org/globex/showback/costs?from={from}&to={to}&group_by=resource");
        let report: CostReport = app.get(&path, &provider).await.json().await.unwrap();
        let globex: Vec<UsageRecord> = records.iter().filter(|r| r.org == "globex").cloned().collect();
        assert_eq!(groups(&report), expected_sums(&globex, from, to, |r| r.resource.clone()).0, "{from}..{to}");
    }
}
both_databases!(month_edges, super::ranges_across_month_edges_add_up);
