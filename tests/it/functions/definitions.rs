//! Create, read, update, delete, versions, rollback, validation and isolation.

use api_types::{ErrorBody, Function, FunctionVersion, ListResponse};
use harness::{TestApp, both_databases};
use serde_json::json;
use stratus_core::testing::StoreAccess as _;

use super::{call, deploy, error_code, tenant, wait_settled};

const HELLO: &str = "module.exports = async (event, context) => ({ hello: 'world', v: 1 })";

async fn lifecycle_create_update_rollback_delete(app: &TestApp) {
    let token = tenant(app, "acme").await;
    let ready = deploy(
        app,
        &token,
        "acme",
        "hello",
        HELLO,
        json!({"env": {"GREETING": "hi"}, "secrets": {"API_KEY": "s3cret"}}),
    )
    .await;
    assert_eq!(
        (ready.status.as_str(), ready.active_version, ready.path.as_str()),
        ("ready", Some(1), "/api/org/acme/hello")
    );
    assert_eq!(ready.shape.as_deref(), Some("openfaas"));
    assert_eq!(ready.secret_names, ["API_KEY"]);
    let text = app.get("/api/org/acme/functions/hello", &token).await.text().await.unwrap();
    assert!(!text.contains("s3cret"), "secrets are write-only: {text}");

    let response = call(app, &token, "GET", "/api/org/acme/hello", None).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-stratus-invocation-id"));
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["v"], 1);

    // Update: a new version; the secrets stay when omitted.
    let code = "module.exports = async (event) => ({ v: 2, key: process.env.API_KEY, greeting: process.env.GREETING })";
    let updated = app
        .client
        .put(app.url("/api/org/acme/functions/hello"))
        .bearer_auth(&token)
        .json(&json!({"route": "hello", "code": code, "env": {"GREETING": "hello"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 202);
    let v2 = wait_settled(app, &token, "acme", "hello").await;
    assert_eq!((v2.version, v2.active_version), (2, Some(2)));
    let body: serde_json::Value = call(app, &token, "GET", "/api/org/acme/hello", None).await.json().await.unwrap();
    assert_eq!(body, json!({"v": 2, "key": "s3cret", "greeting": "hello"}));

    // A broken update fails to deploy and version 2 keeps serving.
    let broken = app
        .client
        .put(app.url("/api/org/acme/functions/hello"))
        .bearer_auth(&token)
        .json(&json!({"route": "hello", "code": "module.exports = async () => {\n  return {;\n}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 202);
    let v3 = wait_settled(app, &token, "acme", "hello").await;
    assert_eq!((v3.status.as_str(), v3.version, v3.active_version), ("failed", 3, Some(2)));
    let error = v3.error.expect("a compile error");
    assert_eq!(error.line, Some(2), "{error:?}");
    assert!(error.column.is_some(), "{error:?}");
    assert_eq!(call(app, &token, "GET", "/api/org/acme/hello", None).await.status(), 200);

    // Roll back to version 1: a new version 4 copied from it, serving at once.
    let rolled = app
        .client
        .post(app.url("/api/org/acme/functions/hello/rollback"))
        .bearer_auth(&token)
        .json(&json!({"version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(rolled.status(), 200);
    let rolled: Function = rolled.json().await.unwrap();
    assert_eq!((rolled.version, rolled.active_version, rolled.status.as_str()), (4, Some(4), "ready"));
    let body: serde_json::Value = call(app, &token, "GET", "/api/org/acme/hello", None).await.json().await.unwrap();
    assert_eq!(body["v"], 1);
    let bad_rollback = app
        .client
        .post(app.url("/api/org/acme/functions/hello/rollback"))
        .bearer_auth(&token)
        .json(&json!({"version": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_rollback.status(), 422, "a failed version cannot be rolled back to");

    let versions: ListResponse<FunctionVersion> =
        app.get("/api/org/acme/functions/hello/versions", &token).await.json().await.unwrap();
    let listed: Vec<_> = versions.items.iter().map(|v| (v.version, v.status.as_str(), v.active)).collect();
    assert_eq!(listed, [(4, "ready", true), (3, "failed", false), (2, "ready", false), (1, "ready", false)]);

    // Delete: the route is gone at once.
    let deleted = app.client.delete(app.url("/api/org/acme/functions/hello")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let gone = call(app, &token, "GET", "/api/org/acme/hello", None).await;
    assert_eq!(gone.status(), 404);
    assert_eq!(app.get("/api/org/acme/functions/hello", &token).await.status(), 404);
}
both_databases!(lifecycle, super::lifecycle_create_update_rollback_delete);

async fn other_tenants_get_404_for_everything(app: &TestApp) {
    let acme = tenant(app, "acme").await;
    let globex = tenant(app, "globex").await;
    deploy(app, &acme, "acme", "secret-fn", HELLO, json!({})).await;
    let spec = json!({"route": "secret-fn", "code": HELLO});
    let attempts = [
        app.client.get(app.url("/api/org/acme/functions")).bearer_auth(&globex).send().await.unwrap(),
        app.client.get(app.url("/api/org/acme/functions/secret-fn")).bearer_auth(&globex).send().await.unwrap(),
        app.client.get(app.url("/api/org/acme/secret-fn")).bearer_auth(&globex).send().await.unwrap(),
        app.client.post(app.url("/api/org/acme/secret-fn")).bearer_auth(&globex).send().await.unwrap(),
        app.client
            .put(app.url("/api/org/acme/functions/secret-fn"))
            .bearer_auth(&globex)
            .json(&spec)
            .send()
            .await
            .unwrap(),
        app.client.delete(app.url("/api/org/acme/functions/secret-fn")).bearer_auth(&globex).send().await.unwrap(),
        app.client
            .get(app.url("/api/org/acme/functions/secret-fn/invocations"))
            .bearer_auth(&globex)
            .send()
            .await
            .unwrap(),
    ];
    for response in attempts {
        let url = response.url().clone();
        assert_eq!(response.status(), 404, "{url}");
    }
    // Globex's own route of the same name is a different function.
    assert_eq!(call(app, &globex, "GET", "/api/org/globex/secret-fn", None).await.status(), 404);
    assert_eq!(call(app, &acme, "GET", "/api/org/acme/secret-fn", None).await.status(), 200);
}
both_databases!(isolation, super::other_tenants_get_404_for_everything);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_definitions_are_refused_field_by_field() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let token = tenant(&app, "acme").await;
    deploy(&app, &token, "acme", "first", HELLO, json!({})).await;
    let cases = [
        (json!({"name": "second", "route": "first", "code": HELLO}), 422, "route"),
        (json!({"name": "first", "route": "other", "code": HELLO}), 409, ""),
        (json!({"name": "x", "route": "functions", "code": HELLO}), 422, "route"),
        (json!({"name": "x", "route": "showback", "code": HELLO}), 422, "route"),
        (json!({"name": "x", "route": "x", "code": HELLO, "runtime": "python"}), 422, "runtime"),
        (json!({"name": "x", "route": "x", "code": HELLO, "limits": {"memory_mb": 100000}}), 422, "limits.memory_mb"),
        (json!({"name": "Bad Name", "route": "x", "code": HELLO}), 422, "name"),
        (json!({"name": "x", "route": "x", "code": ""}), 422, "code"),
    ];
    for (body, status, field) in cases {
        let response =
            app.client.post(app.url("/api/org/acme/functions")).bearer_auth(&token).json(&body).send().await.unwrap();
        assert_eq!(response.status(), status, "{body}");
        let error: ErrorBody = response.json().await.unwrap();
        if !field.is_empty() {
            assert_eq!(error.error.details[0].field.as_deref(), Some(field), "{body}: {error:?}");
        }
    }
    let missing = app
        .client
        .post(app.url("/api/org/acme/functions"))
        .bearer_auth(&token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(missing).await, "validation_failed");
    let list: ListResponse<api_types::FunctionSummary> =
        app.get("/api/org/acme/functions", &token).await.json().await.unwrap();
    assert_eq!(list.items.len(), 1, "nothing half-written");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_while_initializing_leaves_no_function_stuck() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let token = tenant(&app, "acme").await;
    // Write an initializing function as a crashed server would have left it.
    let now = 1_700_000_000_000;
    let head = stratus_core::store::FunctionHead {
        org: "acme".into(),
        name: "orphan".into(),
        runtime: "javascript".into(),
        route: "orphan".into(),
        status: api_types::VersionStatus::Initializing,
        latest_version: 1,
        active_version: None,
        created_at: now,
        updated_at: now,
        locked_by: None,
    };
    let version = stratus_core::store::VersionRow {
        access: Default::default(),
        payload_format: Default::default(),
        org: "acme".into(),
        name: "orphan".into(),
        version: 1,
        code: HELLO.into(),
        files: None,
        main: None,
        error_file: None,
        trigger: api_types::Trigger::Http,
        memory_mb: 64,
        timeout_ms: 1000,
        env: Default::default(),
        secrets: Default::default(),
        fresh_context: false,
        status: api_types::VersionStatus::Initializing,
        shape: None,
        bytecode: None,
        error_message: None,
        error_line: None,
        error_column: None,
        created_at: now,
    };
    app.store.create_function(&head, &version).await.unwrap();
    // "Restart": a new app on the same database resumes the deployment.
    let restarted = TestApp::start_with(harness::Db::Sqlite, |mut config| {
        config.database_url = Some(app.database_url.clone());
        config
    })
    .await;
    let token2 = restarted.token(api_types::Role::TenantAdmin, Some("acme")).await;
    let function = wait_settled(&restarted, &token2, "acme", "orphan").await;
    assert_eq!(function.status, "ready");
    assert_eq!(call(&restarted, &token2, "GET", "/api/org/acme/orphan", None).await.status(), 200);
    drop(token);
    restarted.shutdown().await;
    app.shutdown().await;
}
