//! A warm function call reads nothing from the database: the token, the org with its limits
//! and the route come from the replica's caches (kept exact by the coherence channel), and the
//! invocation history is written in batches off the call path.

use api_types::Role;
use harness::{TestApp, both_databases};
use serde_json::json;

use super::{call, deploy, tenant};

const HELLO: &str = "export default { fetch() { return new Response('hello'); } };";
const GATEWAY: &str = r#"stratus_http_db_statements_total{method="GET",route="/api/org/{org}/{route}"}"#;

/// The gateway's database round trips so far, from `/metrics`.
async fn gateway_statements(app: &TestApp, provider: &str) -> u64 {
    let text = app.get("/metrics", provider).await.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(GATEWAY))
        .map_or(0, |value| value.trim().parse().expect("a counter value"))
}

async fn warm_calls_make_no_database_round_trips(app: &TestApp) {
    let token = tenant(app, "acme").await;
    let provider = app.token(Role::Provider, None).await;
    deploy(app, &token, "acme", "hello", HELLO, json!({})).await;
    // The first call fills the caches (token, org, route) and loads the function.
    assert_eq!(call(app, &token, "GET", "/api/org/acme/hello", None).await.status(), 200);
    let first = gateway_statements(app, &provider).await;
    assert!(first > 0, "the first call reads the token, the org and the route: {first}");
    // On PostgreSQL the coherence listener may connect (and empty every cache) after that call,
    // and the echoes of the setup's own changes come back through the database: the caches are
    // settled once two calls in a row read nothing.
    let mut cold = first;
    let mut quiet = 0;
    for _ in 0..100 {
        assert_eq!(call(app, &token, "GET", "/api/org/acme/hello", None).await.status(), 200);
        let now = gateway_statements(app, &provider).await;
        quiet = if now == cold { quiet + 1 } else { 0 };
        cold = now;
        if quiet == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(quiet, 2, "the caches never settled: {cold} statements");

    let calls = (0..8).map(|_| async {
        for _ in 0..125 {
            assert_eq!(call(app, &token, "GET", "/api/org/acme/hello", None).await.status(), 200);
        }
    });
    futures_util::future::join_all(calls).await;
    let warm = gateway_statements(app, &provider).await - cold;
    assert_eq!(warm, 0, "1,000 warm calls made {warm} database round trips");

    // The history is still recorded (in batches, by the recorder's own task).
    let r = app.get("/api/org/acme/functions/hello/invocations?limit=50", &token).await;
    let listed: serde_json::Value = r.json().await.unwrap();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(50));
}
both_databases!(warm_path, super::warm_calls_make_no_database_round_trips);
