//! Rate cards, and internal metering priced by them with effective dates and overrides.

use api_types::{CollectorRun, ErrorBody, RateEntry, Role, RunStatus};
use chrono::NaiveDate;
use harness::{TestApp, both_databases};
use serde_json::json;
use stratus_core::store::InvocationRow;
use stratus_core::testing::StoreAccess as _;

fn rate(service: &str, unit: &str, price: &str, from: NaiveDate) -> serde_json::Value {
    json!({"service": service, "unit": unit, "unit_price": price, "currency": "EUR",
           "effective_from": from.format("%Y-%m-%d").to_string()})
}

async fn post(app: &TestApp, token: &str, path: &str, body: &serde_json::Value) -> reqwest::Response {
    app.client.post(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

async fn rate_cards_are_managed_by_the_provider(app: &TestApp) {
    let provider = app.token(Role::Provider, None).await;
    let tenant = app.token(Role::TenantAdmin, Some("globex")).await;
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let created =
        post(app, &provider, "/api/provider/showback/rates", &rate("compute", "vCPU-hour", "0.025", day)).await;
    assert_eq!(created.status(), 201);
    let created: RateEntry = created.json().await.unwrap();
    assert_eq!((created.org, created.unit_price.as_str()), (None, "0.025"));
    let twice = post(app, &provider, "/api/provider/showback/rates", &rate("compute", "vCPU-hour", "0.03", day)).await;
    assert_eq!(twice.status(), 409);
    let bad =
        json!({"service": "", "unit": "x", "unit_price": "-1", "currency": "eur", "effective_from": "2026-02-30"});
    let response = post(app, &provider, "/api/provider/showback/rates", &bad).await;
    assert_eq!(response.status(), 422);
    let body: ErrorBody = response.json().await.unwrap();
    let fields: Vec<_> = body.error.details.iter().filter_map(|d| d.field.clone()).collect();
    assert_eq!(fields, ["service", "unit_price", "currency", "effective_from"]);

    let path = format!("/api/provider/showback/rates/{}", created.id);
    let updated = app
        .client
        .put(app.url(&path))
        .bearer_auth(&provider)
        .json(&rate("compute", "vCPU-hour", "0.0000002", day))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.json::<RateEntry>().await.unwrap().unit_price, "0.0000002");
    let later = post(
        app,
        &provider,
        "/api/provider/showback/rates",
        &rate("compute", "vCPU-hour", "0.03", day.succ_opt().unwrap()),
    )
    .await;
    assert_eq!(later.status(), 201, "a new price from a later day is a new entry");
    let list: Vec<RateEntry> = app.get("/api/provider/showback/rates", &provider).await.json().await.unwrap();
    assert_eq!(list.iter().map(|r| r.effective_from.as_str()).collect::<Vec<_>>(), ["2026-01-01", "2026-01-02"]);

    let own =
        post(app, &provider, "/api/provider/orgs/globex/showback/rates", &rate("compute", "vCPU-hour", "0.01", day))
            .await;
    assert_eq!(own.status(), 201);
    assert_eq!(own.json::<RateEntry>().await.unwrap().org.as_deref(), Some("globex"));
    let overrides: Vec<RateEntry> =
        app.get("/api/provider/orgs/globex/showback/rates", &provider).await.json().await.unwrap();
    assert_eq!(overrides.len(), 1);
    assert_eq!(app.get("/api/provider/orgs/nobody/showback/rates", &provider).await.status(), 404);
    assert_eq!(app.get("/api/provider/showback/rates", &tenant).await.status(), 403);
    let delete = app.client.delete(app.url(&path)).bearer_auth(&provider).send().await.unwrap();
    assert_eq!(delete.status(), 204);
    assert_eq!(app.client.delete(app.url(&path)).bearer_auth(&provider).send().await.unwrap().status(), 404);
}
both_databases!(rate_cards, super::rate_cards_are_managed_by_the_provider);

fn invocation(id: &str, org: &str, function: &str, day: NaiveDate, duration_s: i64) -> InvocationRow {
    InvocationRow {
        invocation_id: id.into(),
        org: org.into(),
        function_name: function.into(),
        version: 1,
        trigger_kind: api_types::InvocationTrigger::Http,
        status: api_types::InvocationStatus::Succeeded,
        started_at: day.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp_millis(),
        duration_us: Some(duration_s * 1_000_000),
        ..InvocationRow::default()
    }
}

async fn metering_prices_invocations_by_the_card_of_their_day(app: &TestApp) {
    let provider = app.token(Role::Provider, None).await;
    app.token(Role::TenantAdmin, Some("acme")).await;
    app.token(Role::TenantAdmin, Some("globex")).await;
    let today = chrono::Utc::now().date_naive();
    let ago = |n| today - chrono::Duration::days(n);
    for (path, body) in [
        ("/api/provider/showback/rates", rate("functions", "GB-second", "1.0", ago(30))),
        ("/api/provider/showback/rates", rate("functions", "GB-second", "2.0", ago(7))),
        ("/api/provider/showback/rates", rate("functions", "invocation", "0.5", ago(30))),
        ("/api/provider/orgs/globex/showback/rates", rate("functions", "GB-second", "0.1", ago(20))),
    ] {
        assert_eq!(post(app, &provider, path, &body).await.status(), 201);
    }
    // 128 MB (no stored version) × 1 s = 0.125 GB-s.
    let mut rows = vec![
        invocation("i1", "acme", "hello", ago(10), 1),
        invocation("i2", "acme", "hello", ago(10), 1),
        invocation("i3", "acme", "hello", ago(5), 2),
        invocation("i4", "acme", "hello", ago(5), 2),
        invocation("i5", "acme", "hello", ago(5), 2),
        invocation("i6", "acme", "hello", ago(5), 2),
        invocation("i7", "globex", "time", ago(5), 8),
    ];
    rows.push(InvocationRow {
        duration_us: None,
        status: api_types::InvocationStatus::Running,
        ..invocation("i8", "acme", "hello", ago(5), 0)
    });
    app.store.save_invocations(&rows).await.unwrap();

    let run = post(app, &provider, "/api/provider/showback/collectors/col_metering/run", &json!({})).await;
    assert_eq!(run.status(), 200);
    let run: CollectorRun = run.json().await.unwrap();
    assert_eq!((run.status, run.imported, run.trigger.as_str()), (RunStatus::Succeeded, 3, "manual"), "{run:?}");
    let day = |n| ago(n).format("%Y-%m-%d").to_string();
    let records = app.store.usage_records("acme", &day(40), &day(0)).await.unwrap();
    let got: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.day.clone(),
                r.source.as_str(),
                r.service.as_str(),
                r.resource.as_str(),
                r.unit.as_str(),
                r.quantity_micros,
                r.cost_micros,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // Before the price change: 0.25 GB-s × 1.00 + 2 × 0.50.
            (day(10), "metering", "functions", "hello", "GB-second", 250_000, 1_250_000),
            // After it: 1 GB-s × 2.00 + 4 × 0.50; the running call is not billed yet.
            (day(5), "metering", "functions", "hello", "GB-second", 1_000_000, 4_000_000),
        ]
    );
    let globex = app.store.usage_records("globex", &day(40), &day(0)).await.unwrap();
    assert_eq!(
        (globex[0].quantity_micros, globex[0].cost_micros),
        (1_000_000, 600_000),
        "the override: 1 GB-s × 0.10 + 0.50"
    );

    // Later runs meter only the last days: history is not rewritten.
    let again: CollectorRun = post(app, &provider, "/api/provider/showback/collectors/col_metering/run", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((again.status, again.imported, again.replaced), (RunStatus::Succeeded, 0, 0));
}
both_databases!(metering, super::metering_prices_invocations_by_the_card_of_their_day);
