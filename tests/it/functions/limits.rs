//! Abuse: every limit answers with its own error in time, and the server and other tenants go on.

use std::time::{Duration, Instant};

use api_types::OrgLimits;
use harness::TestApp;
use serde_json::json;

use super::{call, deploy, error_code, tenant};

/// Timeout of the timeout cases, and the most they may take to answer (cold: 2 × timeout, plus
/// the supervisor's grace and slack).
const TIMEOUT_MS: u64 = 300;
const ANSWER_WITHIN: Duration = Duration::from_millis(TIMEOUT_MS + 2_500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_abuse_gets_its_own_error_and_nothing_else_is_disturbed() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let acme = tenant(&app, "acme").await;
    let globex = tenant(&app, "globex").await;
    deploy(&app, &globex, "globex", "steady", "module.exports = async () => ({ ok: true })", json!({})).await;
    // The timeout cases get a short deadline; the others a long one, so that on a loaded machine
    // they still meet their own limit (memory, stack, size) before the clock.
    let short = json!({"limits": {"timeout_ms": TIMEOUT_MS, "memory_mb": 32}});
    let long = json!({"limits": {"timeout_ms": 5_000, "memory_mb": 32}});
    let cases = [
        ("spin", "module.exports = async () => { while (true) {} }", 504, "function_timeout"),
        ("promise-spin", "module.exports = () => new Promise(() => { for (;;) {} })", 504, "function_timeout"),
        (
            "bomb",
            "module.exports = async () => { const a = []; for (;;) a.push(new Array(1e5).fill('x')); }",
            500,
            "memory_exceeded",
        ),
        (
            "recurse",
            "module.exports = async () => { const f = (n) => f(n + 1) + 1; return f(0); }",
            500,
            "function_error",
        ),
        ("stringify", "module.exports = async () => JSON.stringify(new Array(1e7).fill({a: 1}))", 0, ""),
        ("huge-response", "module.exports = async () => 'x'.repeat(8 * 1024 * 1024)", 502, "response_too_large"),
    ];
    for (name, code, status, expected_code) in cases {
        let timed = status == 504 || status == 0;
        let limits = if timed { short.clone() } else { long.clone() };
        // Within the deadline (twice the timeout for a cold call) plus the supervisor's grace.
        let answer_within = if timed { ANSWER_WITHIN } else { Duration::from_millis(2 * 5_000 + 2_500) };
        let function = deploy(&app, &acme, "acme", name, code, limits).await;
        assert_eq!(function.status, "ready", "{name}: {:?}", function.error);
        let started = Instant::now();
        let response = call(&app, &acme, "GET", &format!("/api/org/acme/{name}"), None).await;
        let took = started.elapsed();
        let got_status = response.status().as_u16();
        let got_code = error_code(response).await;
        assert!(took < answer_within, "{name} answered after {took:?}");
        if status == 0 {
            // Builtins that ignore the interrupt: the supervisor's backstop answers with an error.
            assert!(got_status >= 500, "{name}: {got_status} {got_code}");
            assert!(
                ["function_timeout", "memory_exceeded", "function_crashed"].contains(&got_code.as_str()),
                "{name}: {got_code}"
            );
        } else {
            assert_eq!((got_status, got_code.as_str()), (status, expected_code), "{name}");
        }
        // Right after: the server and another tenant's function still answer.
        assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200, "after {name}");
        let steady = call(&app, &globex, "GET", "/api/org/globex/steady", None).await;
        assert_eq!(steady.status(), 200, "globex after {name}");
    }
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_get_413_and_provider_ceilings_apply() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let acme = tenant(&app, "acme").await;
    let provider = app.token(api_types::Role::Provider, None).await;
    let ceilings = OrgLimits { max_memory_mb: 64, max_request_bytes: 1024, ..OrgLimits::default() };
    let put = app
        .client
        .put(app.url("/api/provider/orgs/acme/limits"))
        .bearer_auth(&provider)
        .json(&ceilings)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let tenant_put = app
        .client
        .put(app.url("/api/provider/orgs/acme/limits"))
        .bearer_auth(&acme)
        .json(&ceilings)
        .send()
        .await
        .unwrap();
    assert_eq!(tenant_put.status(), 403);
    let seen: OrgLimits = app.get("/api/org/acme/limits", &acme).await.json().await.unwrap();
    assert_eq!(seen, ceilings);

    deploy(&app, &acme, "acme", "echo", "module.exports = async (e) => e.body", json!({})).await;
    let big = app
        .client
        .post(app.url("/api/org/acme/echo"))
        .bearer_auth(&acme)
        .header("content-type", "text/plain")
        .body("x".repeat(2048))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    assert_eq!(error_code(big).await, "payload_too_large");
    let small = app
        .client
        .post(app.url("/api/org/acme/echo"))
        .bearer_auth(&acme)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(small.text().await.unwrap(), "hello");

    let over = app.client.post(app.url("/api/org/acme/functions")).bearer_auth(&acme)
        .json(&json!({"name": "big", "route": "big", "code": "module.exports = async () => 1", "limits": {"memory_mb": 128}}))
        .send().await.unwrap();
    assert_eq!(over.status(), 422);
    let bad = OrgLimits { max_memory_mb: 0, ..OrgLimits::default() };
    let refused = app
        .client
        .put(app.url("/api/provider/orgs/acme/limits"))
        .bearer_auth(&provider)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_concurrency_cap_calls_get_429() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let acme = tenant(&app, "acme").await;
    let provider = app.token(api_types::Role::Provider, None).await;
    let ceilings = OrgLimits { max_function_concurrency: 1, ..OrgLimits::default() };
    app.client
        .put(app.url("/api/provider/orgs/acme/limits"))
        .bearer_auth(&provider)
        .json(&ceilings)
        .send()
        .await
        .unwrap();
    let code = "module.exports = async () => { await new Promise(r => setTimeout(r, 2000)); return 'done'; }";
    deploy(&app, &acme, "acme", "slow", code, json!({})).await;
    let first = {
        let (client, url, token) = (app.client.clone(), app.url("/api/org/acme/slow"), acme.clone());
        tokio::spawn(async move { client.get(url).bearer_auth(token).send().await.unwrap().status() })
    };
    tokio::time::sleep(Duration::from_millis(600)).await;
    let second = call(&app, &acme, "GET", "/api/org/acme/slow", None).await;
    assert_eq!(second.status(), 429);
    assert_eq!(second.headers()["retry-after"], "1");
    assert_eq!(first.await.unwrap(), 200);
    app.shutdown().await;
}
