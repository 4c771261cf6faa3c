//! Functions end to end: definitions, the gateway, limits, isolation, history.

mod access;
mod calls;
mod definitions;
mod egress;
mod events;
mod events_ui;
mod history;
mod limits;
mod packages;
mod warm_path;

use std::time::{Duration, Instant};

use api_types::{Function, Role};
use harness::TestApp;
use serde_json::{Value, json};

/// A tenant-admin token for `org` and the app.
pub async fn tenant(app: &TestApp, org: &str) -> String {
    app.token(Role::TenantAdmin, Some(org)).await
}

/// Creates a function and waits until it is no longer initializing.
pub async fn deploy(app: &TestApp, token: &str, org: &str, name: &str, code: &str, extra: Value) -> Function {
    let mut body = json!({ "name": name, "route": name, "code": code });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let created = app
        .client
        .post(app.url(&format!("/api/org/{org}/functions")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 202, "{}", created.text().await.unwrap());
    let created: Function = created.json().await.unwrap();
    assert_eq!(created.status, "initializing");
    wait_settled(app, token, org, name).await
}

/// Polls a function until its latest version is ready or failed.
pub async fn wait_settled(app: &TestApp, token: &str, org: &str, name: &str) -> Function {
    let started = Instant::now();
    loop {
        let function: Function =
            app.get(&format!("/api/org/{org}/functions/{name}"), token).await.json().await.unwrap();
        if function.status != "initializing" {
            return function;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{name} stayed initializing");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Calls a function through the gateway.
pub async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// The `error.code` of a JSON error response.
pub async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["code"].as_str().unwrap_or_default().to_owned()
}
