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
    // the echoes of the setup's own changes come back through the database, and the heartbeat's
    // first epoch check after the deploy empties the caches once more: the caches are settled
    // once the calls have read nothing for longer than two heartbeats (1 s in tests).
    let settle = std::time::Duration::from_millis(2_500);
    let started = std::time::Instant::now();
    let mut cold = first;
    let mut quiet_since = std::time::Instant::now();
    while quiet_since.elapsed() < settle {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the caches never settled: {cold} statements");
        assert_eq!(call(app, &token, "GET", "/api/org/acme/hello", None).await.status(), 200);
        let now = gateway_statements(app, &provider).await;
        if now != cold {
            (cold, quiet_since) = (now, std::time::Instant::now());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

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

/// The `Server-Timing` stages of a response, in milliseconds, by name.
fn stages(response: &reqwest::Response) -> Vec<(String, f64)> {
    let ours = response.headers().get_all("server-timing").iter().next_back().expect("a server-timing header");
    ours.to_str()
        .unwrap()
        .split(',')
        .map(|stage| {
            let (name, dur) = stage.trim().split_once(";dur=").unwrap_or_else(|| panic!("{stage}"));
            (name.to_owned(), dur.parse().unwrap_or_else(|_| panic!("{stage}")))
        })
        .collect()
}

/// Every call says where its time went (`Server-Timing`, as browsers' developer tools show it),
/// next to any the function sent itself.
async fn calls_report_their_stages(app: &TestApp) {
    let token = tenant(app, "acme").await;
    let code =
        "export default { fetch() { return new Response('hi', { headers: { 'server-timing': 'db;dur=5' } }); } };";
    deploy(app, &token, "acme", "timed", code, json!({})).await;
    for _ in 0..3 {
        let r = call(app, &token, "GET", "/api/org/acme/timed", None).await;
        assert_eq!(r.status(), 200);
        let all: Vec<_> = r.headers().get_all("server-timing").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        assert_eq!(all.first().map(String::as_str), Some("db;dur=5"), "the function's own stays: {all:?}");
        let stages = stages(&r);
        let names: Vec<_> = stages.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["auth", "route", "queue", "pipe", "js", "total"]);
        let parts: f64 = stages[..5].iter().map(|(_, ms)| ms).sum();
        let total = stages[5].1;
        assert!(stages.iter().all(|(_, ms)| *ms >= 0.0), "{stages:?}");
        assert!(stages[4].1 > 0.0 && total > 0.0, "the run and the whole call take time: {stages:?}");
        // The stages are disjoint parts of the request (each rounded to a microsecond).
        assert!(parts <= total + 0.005, "stages {parts} ms over the total {total} ms: {stages:?}");
    }
}
both_databases!(server_timing, super::calls_report_their_stages);
