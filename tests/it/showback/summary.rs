//! The summary (projection, budget status), budgets, charts and the CSV export.

use api_types::{Budget, BudgetState, ErrorBody, ImportResult, ProjectionMethod, Role, ShowbackSummary};
use chrono::{Datelike as _, NaiveDate};
use harness::{TestApp, both_databases};
use stratus_core::money::{MICROS, format_cents};
use stratus_core::showback::month::Month;
use stratus_core::store::UsageRecord;
use stratus_core::testing::StoreAccess as _;

fn record(day: NaiveDate, service: &str, resource: &str, eur: i64) -> UsageRecord {
    UsageRecord {
        source: "seed".into(),
        org: "acme".into(),
        day: day.format("%Y-%m-%d").to_string(),
        service: service.into(),
        resource: resource.into(),
        quantity_micros: eur * MICROS,
        unit: "unit".into(),
        cost_micros: eur * MICROS,
        currency: "EUR".into(),
    }
}

/// 10 EUR a day of compute from the 1st to today, and 300 EUR of storage last month.
async fn seed(app: &TestApp, today: NaiveDate) -> Vec<UsageRecord> {
    let month = Month::of(today);
    let mut records: Vec<_> =
        month.first_day().iter_days().take_while(|d| *d <= today).map(|d| record(d, "compute", "web-01", 10)).collect();
    records.push(record(month.prev().first_day(), "storage", "backups", 300));
    app.store.upsert_usage(&records).await.unwrap();
    records
}

async fn put_budget(app: &TestApp, token: &str, amount: i64) -> reqwest::Response {
    let body = serde_json::json!({"amount": amount.to_string(), "currency": "EUR", "thresholds": [100, 50, 80]});
    app.client.put(app.url("/api/org/acme/showback/budget")).bearer_auth(token).json(&body).send().await.unwrap()
}

async fn summary_projects_and_rates_the_budget(app: &TestApp) {
    let tenant = app.token(Role::TenantAdmin, Some("acme")).await;
    let today = chrono::Utc::now().date_naive();
    seed(app, today).await;
    let (d, days) = (i64::from(today.day()), i64::from(Month::of(today).days()));
    let last_days = i64::from(Month::of(today).prev().days());

    let s: ShowbackSummary = app.get("/api/org/acme/showback/summary", &tenant).await.json().await.unwrap();
    assert_eq!(
        (s.month_to_date.clone(), s.last_month.as_str(), s.currency.as_str()),
        (format_cents(10 * d * MICROS), "300.00", "EUR")
    );
    assert_eq!((i64::from(s.days_elapsed), i64::from(s.days_in_month)), (d, days));
    if d >= 3 {
        assert_eq!(
            (s.projection_method, s.projected.clone()),
            (ProjectionMethod::RunRate, format_cents(10 * days * MICROS))
        );
    } else {
        let rest = (300 * MICROS * (days - d) + last_days / 2) / last_days;
        assert_eq!(
            (s.projection_method, s.projected.clone()),
            (ProjectionMethod::LastMonthDailyAverage, format_cents(10 * d * MICROS + rest))
        );
    }
    assert_eq!(s.budget, None);

    assert_eq!(app.get("/api/org/acme/showback/budget", &tenant).await.status(), 404);
    // Spending at exactly half the budget crosses the 50 % threshold.
    let set = put_budget(app, &tenant, 20 * d).await;
    assert_eq!(set.status(), 200);
    let budget: Budget = app.get("/api/org/acme/showback/budget", &tenant).await.json().await.unwrap();
    assert_eq!((budget.amount, budget.thresholds), (format_cents(20 * d * MICROS), vec![50, 80, 100]));
    let status = |s: ShowbackSummary| s.budget.map(|b| (b.status, b.threshold_crossed, b.spent_percent)).unwrap();
    let get =
        || async { app.get("/api/org/acme/showback/summary", &tenant).await.json::<ShowbackSummary>().await.unwrap() };
    assert_eq!(status(get().await), (BudgetState::Warning, Some(50), 50));
    put_budget(app, &tenant, 5 * d).await;
    assert_eq!(status(get().await), (BudgetState::Exceeded, Some(100), 200));
    put_budget(app, &tenant, 100 * d).await;
    assert_eq!(status(get().await), (BudgetState::Ok, None, 10));

    let bad = serde_json::json!({"amount": "-5", "currency": "euro", "thresholds": [0]});
    let response =
        app.client.put(app.url("/api/org/acme/showback/budget")).bearer_auth(&tenant).json(&bad).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body: ErrorBody = response.json().await.unwrap();
    let fields: Vec<_> = body.error.details.iter().filter_map(|d| d.field.clone()).collect();
    assert_eq!(fields, ["amount", "currency", "thresholds"]);

    let prev = Month::of(today).prev();
    let past: ShowbackSummary =
        app.get(&format!("/api/org/acme/showback/summary?month={prev}"), &tenant).await.json().await.unwrap();
    assert_eq!(
        (past.projection_method, past.projected.as_str(), i64::from(past.days_elapsed)),
        (ProjectionMethod::Actual, "300.00", last_days)
    );
    let next = Month::of(today).next();
    assert_eq!(app.get(&format!("/api/org/acme/showback/summary?month={next}"), &tenant).await.status(), 422);
    assert_eq!(app.get("/api/org/acme/showback/summary?month=2026-13", &tenant).await.status(), 422);
}
both_databases!(summary_and_budget, super::summary_projects_and_rates_the_budget);

async fn chart(app: &TestApp, token: &str, path: String) -> String {
    let response = app.get(&path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "image/svg+xml", "{path}");
    response.text().await.unwrap()
}

async fn charts_show_their_labels_and_series(app: &TestApp) {
    let tenant = app.token(Role::TenantAdmin, Some("acme")).await;
    let today = chrono::Utc::now().date_naive();
    seed(app, today).await;
    put_budget(app, &tenant, 1_000).await;
    let (this, prev) = (Month::of(today), Month::of(today).prev());
    let bars = chart(app, &tenant, "/api/org/acme/showback/chart/services-by-month.svg?months=3".into()).await;
    for label in ["Cost by service", "compute", "storage", &this.to_string(), &prev.to_string(), "EUR"] {
        assert!(bars.contains(label), "services-by-month lacks {label}");
    }
    let trend = chart(app, &tenant, format!("/api/org/acme/showback/chart/month-trend.svg?month={this}")).await;
    for label in ["Month to date", "spent", "projected", "budget", "day of month"] {
        assert!(trend.contains(label), "month-trend lacks {label}");
    }
    let past = chart(app, &tenant, format!("/api/org/acme/showback/chart/month-trend.svg?month={prev}")).await;
    assert!(!past.contains("projected"), "a finished month has no projection");
    let from = prev.first_day().format("%Y-%m-%d");
    let top =
        chart(app, &tenant, format!("/api/org/acme/showback/chart/top-resources.svg?from={from}&n=5&width=480")).await;
    for label in ["Top resources", "web-01", "backups", "300.00 EUR"] {
        assert!(top.contains(label), "top-resources lacks {label}");
    }
    assert!(top.contains("width=\"480\""));
    for missing in ["pie.svg", "month-trend", "month-trend.png"] {
        assert_eq!(
            app.get(&format!("/api/org/acme/showback/chart/{missing}"), &tenant).await.status(),
            404,
            "{missing}"
        );
    }
    assert_eq!(app.get("/api/org/acme/showback/chart/services-by-month.svg?months=99", &tenant).await.status(), 422);
    let provider = app.token(Role::Provider, None).await;
    // Two tenants: the charts crate draws no row label when a top-N chart has a single row.
    app.token(Role::TenantAdmin, Some("globex")).await;
    app.store.upsert_usage(&[UsageRecord { org: "globex".into(), ..record(today, "compute", "vm", 3) }]).await.unwrap();
    let tenants = app.get("/api/provider/showback/chart/top-tenants.svg", &provider).await.text().await.unwrap();
    assert!(tenants.contains("acme") && tenants.contains("globex") && tenants.contains("Top tenants"), "{tenants}");
}
both_databases!(charts, super::charts_show_their_labels_and_series);

async fn the_export_reimports_unchanged(app: &TestApp) {
    let tenant = app.token(Role::TenantAdmin, Some("acme")).await;
    let provider = app.token(Role::Provider, None).await;
    let today = chrono::Utc::now().date_naive();
    let records = seed(app, today).await;
    let from = Month::of(today).prev().first_day().format("%Y-%m-%d");
    let response = app.get(&format!("/api/org/acme/showback/export.csv?from={from}"), &tenant).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"showback-acme-"), "{disposition}");
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with("date,org,service,resource,quantity,unit,cost,currency\n"));
    assert_eq!(csv.lines().count(), records.len() + 1);
    let result: ImportResult =
        super::import(app, &provider, "source=seed", "text/csv", csv).await.json().await.unwrap();
    assert_eq!((result.imported, result.replaced, result.unchanged as usize), (0, 0, records.len()));
}
both_databases!(export, super::the_export_reimports_unchanged);

/// The overview answers exactly what the summary and one cost query per month answer.
async fn the_overview_is_the_summary_and_the_months_in_one_answer(app: &TestApp) {
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    let today = chrono::Utc::now().date_naive();
    seed(app, today).await;
    let overview: api_types::ShowbackOverview =
        app.get("/api/org/acme/showback/overview?months=3", &token).await.json().await.unwrap();
    let summary: ShowbackSummary = app.get("/api/org/acme/showback/summary", &token).await.json().await.unwrap();
    assert_eq!(overview.summary, summary);
    let months: Vec<&str> = overview.months.iter().map(|m| m.month.as_str()).collect();
    let expected: Vec<String> = Month::of(today).last_n(3).iter().map(Month::to_string).collect();
    assert_eq!(months, expected, "oldest first, the current month last");
    for month in &overview.months {
        let (from, to) = (&month.report.from, &month.report.to);
        let path = format!("/api/org/acme/showback/costs?from={from}&to={to}&group_by=service");
        let alone: api_types::CostReport = app.get(&path, &token).await.json().await.unwrap();
        assert_eq!(month.report, alone, "{}", month.month);
    }
    let last = &overview.months[2].report;
    assert_eq!(last.to, today.format("%Y-%m-%d").to_string(), "the current month runs to today");
    assert_eq!(overview.months[1].report.groups[0].key, "storage");
    let bad = app.get("/api/org/acme/showback/overview?months=25", &token).await;
    assert_eq!(bad.status(), 422);
    assert_eq!(app.get("/api/org/globex/showback/overview", &token).await.status(), 404, "another tenant's org");
}
both_databases!(overview, super::the_overview_is_the_summary_and_the_months_in_one_answer);
