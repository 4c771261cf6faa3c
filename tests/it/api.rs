//! System endpoints, the OpenAPI document and the error format.

use api_types::{ErrorBody, Health, Role};
use harness::{TestApp, both_databases};
use serde_json::Value;

async fn health_and_readiness_answer(app: &TestApp) {
    let health: Health = app.client.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health.status, "ok");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: Health = ready.json().await.unwrap();
    let expected = if app.database_url.starts_with("postgres") { "postgres" } else { "sqlite" };
    assert_eq!(ready.database.as_deref(), Some(expected));
}
both_databases!(health_and_readiness, super::health_and_readiness_answer);

async fn metrics_count_requests_by_route(app: &TestApp) {
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/org/acme/functions", &token).await.status(), 200);
    }
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("stratus_http_requests_total") && l.contains("route=\"/api/org/{org}/functions\""))
        .unwrap_or_else(|| panic!("no request counter for the functions route in:\n{text}"));
    assert!(line.contains("status=\"200\"") && line.ends_with(" 3"), "{line}");
    assert!(text.contains("stratus_http_request_duration_seconds_bucket"), "{text}");
}
both_databases!(metrics, super::metrics_count_requests_by_route);

#[tokio::test]
async fn openapi_documents_every_endpoint() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let doc: Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/me",
        "/api/provider/orgs",
        "/api/org/{org}",
        "/api/org/{org}/functions",
        "/api/org/{org}/autoscale/rules",
        "/api/org/{org}/showback/costs",
        "/api/provider/showback/costs",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    app.shutdown().await;
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s_and_bad_json_is_a_400() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let provider = app.token(Role::Provider, None).await;
    let missing = app.get("/api/nothing/here", &provider).await;
    assert_eq!(missing.status(), 404);
    let body: ErrorBody = missing.json().await.unwrap();
    assert_eq!(body.error.code, "not_found");

    let bad = app
        .client
        .post(app.url("/api/provider/orgs"))
        .bearer_auth(&provider)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<ErrorBody>().await.unwrap().error.code, "bad_request");

    let wrong_type = app
        .client
        .post(app.url("/api/provider/orgs"))
        .bearer_auth(&provider)
        .json(&serde_json::json!({"name": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 422);
    assert_eq!(wrong_type.json::<ErrorBody>().await.unwrap().error.code, "validation_failed");
    app.shutdown().await;
}

#[tokio::test]
async fn the_ui_host_page_explains_itself_when_the_ui_is_not_built() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("cargo xtask build"));
    app.shutdown().await;
}
