//! Collectors: the HTTP collector against a fake billing API, runs, and the lease that keeps
//! one run of a collector at a time across replicas.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use stratus_core::testing::StoreAccess as _;

use api_types::{Collector, CollectorRun, ErrorBody, Role, RunStatus};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use harness::{TestApp, both_databases};
use serde_json::{Value, json};
use stratus_core::showback::collectors::Collectors;
use stratus_core::store::CollectorRow;

/// A billing API: `GET /usage?from&to` with `Authorization: Bearer s3cret`, after `delay`.
pub(crate) async fn fake_billing(delay: Duration) -> (SocketAddr, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = |State((calls, delay)): State<(Arc<AtomicUsize>, Duration)>,
                   Query(q): Query<std::collections::HashMap<String, String>>,
                   headers: HeaderMap| async move {
        calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(delay).await;
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer s3cret") {
            return (StatusCode::UNAUTHORIZED, "no").into_response();
        }
        let day = q.get("to").cloned().unwrap_or_default();
        axum::Json(json!({"data": {"lines": [
            {"day": day, "tenant": {"name": "acme"}, "item": "vm1", "usage": {"amount": 3}, "price": 0.25},
            {"day": day, "tenant": {"name": "acme"}, "item": "vm2", "usage": {"amount": "10"}},
            {"day": day, "tenant": {"name": "nobody"}, "item": "vm3", "usage": {"amount": 1}, "price": 1}
        ]}}))
        .into_response()
    };
    let router = axum::Router::new().route("/usage", axum::routing::get(handler)).with_state((calls.clone(), delay));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (addr, calls)
}

fn definition(addr: SocketAddr, auth: &str) -> Value {
    json!({"name": "billing", "schedule": "0 3 * * *", "source": {
        "kind": "http", "url": format!("http://{addr}/usage?from={{from}}&to={{to}}"),
        "auth_header": "Authorization", "auth_value": auth, "records_path": "data.lines",
        "fields": {"date": "day", "org": "tenant.name", "service": "=backup", "resource": "item",
                   "quantity": "usage.amount", "unit": "=GB", "cost": "price", "currency": "=EUR"}}})
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let request = app.client.request(method, app.url(path)).bearer_auth(token);
    let request = match body {
        Some(body) => request.json(body),
        None => request,
    };
    request.send().await.unwrap()
}

async fn the_http_collector_maps_and_records_its_runs(app: &TestApp) {
    let provider = app.token(Role::Provider, None).await;
    app.token(Role::TenantAdmin, Some("acme")).await;
    let rate = json!({"service": "backup", "unit": "GB", "unit_price": "0.05", "currency": "EUR", "effective_from": "2020-01-01"});
    send(app, reqwest::Method::POST, "/api/provider/showback/rates", &provider, Some(&rate)).await;
    let (addr, calls) = fake_billing(Duration::ZERO).await;
    let created = send(
        app,
        reqwest::Method::POST,
        "/api/provider/showback/collectors",
        &provider,
        Some(&definition(addr, "Bearer s3cret")),
    )
    .await;
    assert_eq!(created.status(), 201);
    let collector: Collector = created.json().await.unwrap();
    let api_types::CollectorSource::Http(source) = &collector.source else { panic!("{collector:?}") };
    assert_eq!(source.auth_value.as_deref(), Some("********"), "secrets are masked");
    assert!(collector.next_run_at.is_some() && collector.last_run.is_none());
    let clash =
        send(app, reqwest::Method::POST, "/api/provider/showback/collectors", &provider, Some(&definition(addr, "x")))
            .await;
    assert_eq!(clash.status(), 409);

    let run_path = format!("/api/provider/showback/collectors/{}/run", collector.id);
    let run: CollectorRun = send(app, reqwest::Method::POST, &run_path, &provider, None).await.json().await.unwrap();
    assert_eq!((run.status, run.imported, run.skipped), (RunStatus::Partial, 2, 1), "{run:?}");
    assert_eq!((run.errors[0].line, run.errors[0].field.as_deref()), (Some(3), Some("org")));
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let records = app.store.usage_records("acme", &today, &today).await.unwrap();
    let got: Vec<_> =
        records.iter().map(|r| (r.source.as_str(), r.resource.as_str(), r.quantity_micros, r.cost_micros)).collect();
    assert_eq!(
        got,
        [("billing", "vm1", 3_000_000, 250_000), ("billing", "vm2", 10_000_000, 500_000)],
        "vm2 priced by the rate card"
    );

    let again: CollectorRun = send(app, reqwest::Method::POST, &run_path, &provider, None).await.json().await.unwrap();
    assert_eq!((again.imported, again.unchanged), (0, 2));
    // Sending the mask back keeps the stored secret.
    let path = format!("/api/provider/showback/collectors/{}", collector.id);
    let kept = send(app, reqwest::Method::PUT, &path, &provider, Some(&definition(addr, "********"))).await;
    assert_eq!(kept.status(), 200);
    let run: CollectorRun = send(app, reqwest::Method::POST, &run_path, &provider, None).await.json().await.unwrap();
    assert_eq!(run.status, RunStatus::Partial);
    send(app, reqwest::Method::PUT, &path, &provider, Some(&definition(addr, "Bearer wrong"))).await;
    let failed: CollectorRun = send(app, reqwest::Method::POST, &run_path, &provider, None).await.json().await.unwrap();
    assert_eq!(failed.status, RunStatus::Failed);
    assert!(failed.message.as_deref().unwrap_or("").contains("401"), "{failed:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 4);

    let runs: Vec<CollectorRun> = app.get(&format!("{path}/runs"), &provider).await.json().await.unwrap();
    assert_eq!(
        runs.iter().map(|r| r.status).collect::<Vec<_>>(),
        [RunStatus::Failed, RunStatus::Partial, RunStatus::Partial, RunStatus::Partial]
    );
    let listed: Vec<Collector> = app.get("/api/provider/showback/collectors", &provider).await.json().await.unwrap();
    let names: Vec<_> = listed.iter().map(|c| (c.name.as_str(), c.last_run.as_ref().map(|r| r.status))).collect();
    assert_eq!(names, [("billing", Some(RunStatus::Failed)), ("metering", None)]);

    let bad = json!({"name": "x", "schedule": "sometimes", "source": {"kind": "http", "url": "ftp://x",
        "fields": {"date": "", "org": "o", "service": "s", "resource": "r", "quantity": "q", "unit": "u", "currency": "c"}}});
    let response = send(app, reqwest::Method::POST, "/api/provider/showback/collectors", &provider, Some(&bad)).await;
    assert_eq!(response.status(), 422);
    let body: ErrorBody = response.json().await.unwrap();
    let fields: Vec<_> = body.error.details.iter().filter_map(|d| d.field.clone()).collect();
    assert_eq!(fields, ["schedule", "source.url", "source.fields.date"]);
    assert_eq!(send(app, reqwest::Method::DELETE, &path, &provider, None).await.status(), 204);
    assert_eq!(app.get(&path, &provider).await.status(), 404);
}
both_databases!(http_collector, super::the_http_collector_maps_and_records_its_runs);

async fn two_runners_make_one_run(app: &TestApp) {
    let provider = app.token(Role::Provider, None).await;
    app.token(Role::TenantAdmin, Some("acme")).await;
    let (addr, calls) = fake_billing(Duration::from_millis(400)).await;
    let definition: api_types::CollectorInput = serde_json::from_value(definition(addr, "Bearer s3cret")).unwrap();
    // Created long ago, never run: due now.
    let row = CollectorRow {
        collector_id: "col_due".into(),
        name: "billing".into(),
        kind: api_types::CollectorKind::Http,
        schedule: "every 1h".into(),
        enabled: true,
        source: definition.source,
        created_at: 0,
        updated_at: 0,
    };
    app.store.insert_collector(&row).await.unwrap();
    let a = Collectors::with_holder(app.store.clone(), "replica-a");
    let b = Collectors::with_holder(app.store.clone(), "replica-b");
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    for id in ["col_due", "col_metering"] {
        let done = ra.iter().chain(&rb).filter(|r| r.collector_id == id).count();
        assert_eq!(done, 1, "{id}: one run between two replicas");
        assert_eq!(app.store.list_runs(id, 10).await.unwrap().len(), 1, "{id}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Not due again until the next slot.
    assert!(a.tick().await.unwrap().is_empty() && b.tick().await.unwrap().is_empty());

    // A lease is exclusive until it expires, and renewable by its holder.
    let store = &app.store;
    assert!(store.acquire_lease("l", "a", 1_000, 2_000).await.unwrap());
    assert!(!store.acquire_lease("l", "b", 1_500, 2_500).await.unwrap());
    assert!(store.acquire_lease("l", "a", 1_900, 3_000).await.unwrap());
    assert!(!store.acquire_lease("l", "b", 2_500, 3_500).await.unwrap());
    assert!(store.acquire_lease("l", "b", 3_000, 4_000).await.unwrap());
    // A manual run while another replica holds the collector answers 409.
    let now = stratus_core::dates::now_millis();
    assert!(store.acquire_lease("collector:col_due", "replica-c", now, now + 60_000).await.unwrap());
    let busy = send(app, reqwest::Method::POST, "/api/provider/showback/collectors/col_due/run", &provider, None).await;
    assert_eq!(busy.status(), 409);
}
both_databases!(lease, super::two_runners_make_one_run);
