//! The handler shapes over HTTP, async calls, history and metrics.

use std::time::Duration;

use api_types::{InvocationAccepted, InvocationResult, ListResponse};
use harness::{TestApp, both_databases};
use serde_json::{Value, json};

use super::{call, deploy, tenant};

const OPENFAAS: &str = r#"
module.exports = async (event, context) => {
  console.log("method", event.method, "path", event.path);
  return context
    .status(201)
    .headers({ "content-type": "application/json", "x-shape": "openfaas" })
    .succeed({ method: event.method, path: event.path, query: event.query, name: event.body && event.body.name });
};
"#;

const LAMBDA: &str = r#"
exports.handler = async (event, context) => {
  const body = JSON.parse(event.body || "{}");
  return {
    statusCode: 200,
    headers: { "content-type": "application/json", "x-shape": "lambda" },
    body: JSON.stringify({ path: event.rawPath, query: event.rawQueryString, method: event.requestContext.http.method,
                           name: body.name, fn: context.functionName }),
  };
};
"#;

const LAMBDA_PLAIN: &str = "exports.handler = async (event) => ({ plain: true, q: event.queryStringParameters });";

const WORKERS: &str = r#"
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const body = request.method === "POST" ? await request.json() : {};
    return Response.json({ path: url.pathname, q: url.searchParams.get("q"), name: body.name, colour: env.COLOUR },
                         { status: 202, headers: { "x-shape": "workers" } });
  },
};
"#;

async fn each_handler_shape_runs_unchanged(app: &TestApp) {
    let token = tenant(app, "acme").await;
    for (name, code) in [("faas", OPENFAAS), ("lambda", LAMBDA), ("plain", LAMBDA_PLAIN), ("workers", WORKERS)] {
        let function = deploy(app, &token, "acme", name, code, json!({"env": {"COLOUR": "blue"}})).await;
        assert_eq!(function.status, "ready", "{name}: {:?}", function.error);
    }

    let r = call(app, &token, "POST", "/api/org/acme/faas/sub/path?x=1", Some(json!({"name": "ann"}))).await;
    assert_eq!((r.status().as_u16(), r.headers()["x-shape"].to_str().unwrap()), (201, "openfaas"));
    let id = r.headers()["x-stratus-invocation-id"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"method": "POST", "path": "/sub/path", "query": {"x": "1"}, "name": "ann"}));

    let r = call(app, &token, "POST", "/api/org/acme/lambda/a?b=c", Some(json!({"name": "bob"}))).await;
    assert_eq!((r.status().as_u16(), r.headers()["x-shape"].to_str().unwrap()), (200, "lambda"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["path"], "/a");
    assert_eq!(
        (body["query"].as_str(), body["method"].as_str(), body["name"].as_str()),
        (Some("b=c"), Some("POST"), Some("bob"))
    );
    assert_eq!(body["fn"], "lambda");

    let r = call(app, &token, "GET", "/api/org/acme/plain?k=v", None).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"plain": true, "q": {"k": "v"}}));

    let r = call(app, &token, "POST", "/api/org/acme/workers/w?q=search", Some(json!({"name": "cy"}))).await;
    assert_eq!((r.status().as_u16(), r.headers()["x-shape"].to_str().unwrap()), (202, "workers"));
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"path": "/w", "q": "search", "name": "cy", "colour": "blue"}));

    // The OpenFaaS call's log line is in its history.
    let history: ListResponse<InvocationResult> =
        app.get("/api/org/acme/functions/faas/invocations", &token).await.json().await.unwrap();
    let record = &history.items.iter().find(|i| i.record.id == id).expect("the call is recorded").record;
    assert_eq!((record.status.as_str(), record.http_status), ("succeeded", Some(201)));
    assert!(record.logs.contains("method POST path /sub/path"), "{}", record.logs);
    assert!(record.duration_ms.is_some() && record.memory_used_bytes.is_some());
}
both_databases!(handler_shapes, super::each_handler_shape_runs_unchanged);

/// A Lambda function set to payload format 1.0 gets API Gateway REST events through the
/// gateway; the setting is part of the version, read back, and refused when unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_functions_choose_their_payload_format() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let token = tenant(&app, "acme").await;
    let code = "exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ v: event.version, \
                method: event.httpMethod, path: event.path, q: event.multiValueQueryStringParameters }) })";
    let function = deploy(&app, &token, "acme", "rest", code, json!({"payload_format_version": "1.0"})).await;
    assert_eq!(function.payload_format_version, api_types::LambdaPayload::V1);
    let r = call(&app, &token, "PUT", "/api/org/acme/rest/items/3?tag=a&tag=b", Some(json!({}))).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"v": "1.0", "method": "PUT", "path": "/items/3", "q": {"tag": ["a", "b"]}}));

    let bad = app
        .client
        .post(app.url("/api/org/acme/functions"))
        .bearer_auth(&token)
        .json(&json!({"name": "odd", "route": "odd", "code": code, "payload_format_version": "3.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422, "{}", bad.text().await.unwrap());
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceptions_give_500_with_the_error_and_stack() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let token = tenant(&app, "acme").await;
    let code = "module.exports = async () => { console.log('before the throw'); function inner() { throw new TypeError('bad input'); } inner(); }";
    deploy(&app, &token, "acme", "thrower", code, json!({})).await;
    let r = call(&app, &token, "GET", "/api/org/acme/thrower", None).await;
    assert_eq!(r.status(), 500);
    assert!(r.headers().contains_key("x-stratus-invocation-id"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "function_error");
    assert!(body["error"]["message"].as_str().unwrap().contains("bad input"), "{body}");
    let stack = body["error"]["details"][0]["reason"].as_str().unwrap_or_default();
    assert!(stack.contains("inner"), "the stack names the function: {body}");
    let history: ListResponse<InvocationResult> =
        app.get("/api/org/acme/functions/thrower/invocations", &token).await.json().await.unwrap();
    let record = &history.items[0].record;
    assert_eq!((record.status.as_str(), record.error_code.as_deref()), ("failed", Some("function_error")));
    assert!(record.logs.contains("before the throw"), "a failed call keeps its logs: {}", record.logs);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_calls_answer_202_and_their_result_can_be_polled() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let token = tenant(&app, "acme").await;
    let code = "module.exports = async (e) => { await new Promise(r => setTimeout(r, 50)); return { got: e.body }; }";
    deploy(&app, &token, "acme", "slow", code, json!({})).await;
    let r = app
        .client
        .post(app.url("/api/org/acme/slow"))
        .bearer_auth(&token)
        .header("prefer", "respond-async")
        .header("content-type", "text/plain")
        .body("ping")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let accepted: InvocationAccepted = r.json().await.unwrap();
    assert_eq!(location, format!("/api/org/acme/invocations/{}", accepted.id));
    let mut result: Option<InvocationResult> = None;
    for _ in 0..200 {
        let r: InvocationResult = app.get(&location, &token).await.json().await.unwrap();
        if r.record.status == "succeeded" || r.record.status == "failed" {
            result = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let result = result.expect("the async call finished");
    assert_eq!(result.record.status, "succeeded");
    let response = result.response.expect("a stored response");
    assert_eq!(response.status, 200);
    assert_eq!(serde_json::from_str::<Value>(&response.body).unwrap(), json!({"got": "ping"}));
    let globex = tenant(&app, "globex").await;
    assert_eq!(app.get(&location, &globex).await.status(), 404);
    assert_eq!(app.get(&location.replace("acme", "globex"), &globex).await.status(), 404);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_use_openfaas_names() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let token = tenant(&app, "acme").await;
    deploy(&app, &token, "acme", "hello", "module.exports = async () => 'hi'", json!({})).await;
    for _ in 0..3 {
        assert_eq!(call(&app, &token, "GET", "/api/org/acme/hello", None).await.status(), 200);
    }
    let provider = app.token(api_types::Role::Provider, None).await;
    let text = app.get("/metrics", &provider).await.text().await.unwrap();
    assert!(text.contains(r#"gateway_function_invocation_total{function_name="hello.acme",code="200"} 3"#), "{text}");
    assert!(text.contains(r#"gateway_functions_seconds_count{function_name="hello.acme"} 3"#), "{text}");
    assert!(text.contains(r#"stratus_function_cold_starts_total{function_name="hello.acme"}"#), "{text}");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_context_functions_leak_no_globals_between_calls() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let token = tenant(&app, "acme").await;
    let code = "module.exports = async () => { globalThis.n = (globalThis.n || 0) + 1; return { n: globalThis.n }; }";
    deploy(&app, &token, "acme", "warm", code, json!({})).await;
    deploy(&app, &token, "acme", "fresh", code, json!({"fresh_context": true})).await;
    let mut warm = Vec::new();
    let mut fresh = Vec::new();
    for _ in 0..3 {
        warm.push(
            call(&app, &token, "GET", "/api/org/acme/warm", None).await.json::<Value>().await.unwrap()["n"]
                .as_i64()
                .unwrap(),
        );
        fresh.push(
            call(&app, &token, "GET", "/api/org/acme/fresh", None).await.json::<Value>().await.unwrap()["n"]
                .as_i64()
                .unwrap(),
        );
    }
    assert_eq!(fresh, [1, 1, 1]);
    assert!(warm.iter().max().unwrap() > &1, "warm calls reuse their context: {warm:?}");
    app.shutdown().await;
}
