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
    let provider = app.token(Role::Provider, None).await;
    let text = app.get("/metrics", &provider).await.text().await.unwrap();
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
    assert_eq!(doc["components"]["securitySchemes"]["vcdAppToken"]["name"], api_types::VCD_TOKEN_HEADER);
    for open in ["/healthz", "/readyz"] {
        assert_eq!(doc["paths"][open]["get"]["security"], serde_json::json!([{}]), "{open} needs no credentials");
    }
    // Every operation that needs credentials documents 401/403/503 with the error schema; every
    // operation with path parameters documents 404.
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            if operation.get("security") != Some(&serde_json::json!([{}])) {
                for status in ["401", "403", "503"] {
                    let schema = &responses[status]["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} documents {status}");
                }
            }
            if path.contains('{') {
                assert!(responses["404"].is_object(), "{method} {path} documents 404");
            }
        }
    }
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
    // serde would read an array as a struct's fields in order; the API takes objects only.
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    for body in [
        serde_json::json!(["acme-2", null]),
        serde_json::json!({"name": "f", "route": "f", "code": "x", "limits": [null, null]}),
    ] {
        let path = if body.is_array() { "/api/provider/orgs" } else { "/api/org/acme/functions" };
        let who = if body.is_array() { &provider } else { &token };
        let response = app.client.post(app.url(path)).bearer_auth(who).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 422, "{body}");
        let error = response.json::<ErrorBody>().await.unwrap().error;
        assert!(error.message.contains("object"), "{}", error.message);
    }
    app.shutdown().await;
}

/// The UI is built into the binary; `--web-dir` serves another build instead (UI development).
#[tokio::test]
async fn a_web_dir_overrides_the_built_in_ui() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), "<html><script src=\"./config.js\"></script>dev build</html>")
        .unwrap();
    std::fs::write(web.path().join("extra.css"), "body{}").unwrap();
    let dir = web.path().to_path_buf();
    let app = TestApp::start_with(harness::Db::Sqlite, move |mut config| {
        config.web_dir = Some(dir);
        config
    })
    .await;
    let page = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("dev build"), "{page}");
    let config = app.client.get(app.url("/config.js")).send().await.unwrap();
    assert_eq!(config.headers()["content-type"], "text/javascript; charset=utf-8");
    let config = config.text().await.unwrap();
    assert!(config.contains("__STRATUS_CONFIG__") && config.contains(r#""mode":"standalone""#), "{config}");
    let css = app.client.get(app.url("/extra.css")).send().await.unwrap();
    assert_eq!((css.status().as_u16(), css.text().await.unwrap().as_str()), (200, "body{}"));
    app.shutdown().await;
}
