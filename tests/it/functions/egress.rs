//! `fetch()` from function code under the provider's egress policy per org: nothing is reachable
//! until the allow-list names it, loopback and private addresses only by an explicit address or
//! range, the deny-list wins, redirects are checked hop by hop, and every request shows in the
//! invocation record and the metrics.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use api_types::{EgressPolicy, InvocationResult, Role, egress_limits};
use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get};
use harness::TestApp;
use serde_json::{Value, json};

use super::{call, deploy, tenant};

/// A web service the functions call, on `address` (a loopback address, port 0).
async fn target(address: &str) -> String {
    let router = Router::new()
        .route(
            "/hello",
            any(|method: axum::http::Method, headers: HeaderMap, body: String| async move {
                let token = headers.get("x-token").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let agent =
                    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                axum::Json(json!({ "method": method.as_str(), "token": token, "agent": agent, "body": body }))
            }),
        )
        .route(
            "/hop",
            get(|Query(to): Query<HashMap<String, String>>| async move {
                Redirect::temporary(&format!("{}/hello", to.get("to").map_or("", String::as_str)))
            }),
        )
        .route("/teapot", get(|| async { (StatusCode::IM_A_TEAPOT, [("x-brew", "earl grey")], "short and stout") }))
        .route("/big", get(|| async { "x".repeat(egress_limits::MAX_RESPONSE_BYTES_PER_CALL + 1).into_response() }));
    let listener = tokio::net::TcpListener::bind(format!("{address}:0")).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// Fetches `?url=` (`&n=` times, `&redirect=` mode) and answers what it got, or the error.
const FETCHER: &str = r#"export default { async fetch(request) {
    const q = new URL(request.url).searchParams;
    const n = Number(q.get('n') || 1);
    const out = [];
    for (let i = 0; i < n; i++) {
        try {
            const r = await fetch(q.get('url'), { method: q.get('method') || 'GET', redirect: q.get('redirect') || 'follow',
                headers: { 'x-token': 'secret-1' }, body: q.get('method') === 'POST' ? 'ping' : undefined });
            const type = r.headers.get('content-type') || '';
            out.push({ status: r.status, url: r.url, redirected: r.redirected, brew: r.headers.get('x-brew'),
                body: type.includes('json') ? await r.json() : (await r.text()).slice(0, 40) });
        } catch (e) {
            out.push({ error: `${e.name}: ${e.message}` });
            break;
        }
    }
    return Response.json(n === 1 ? out[0] : out);
} }"#;

async fn fetch_via(app: &TestApp, token: &str, org: &str, query: &str) -> (Value, String) {
    let response = call(app, token, "GET", &format!("/api/org/{org}/fetcher?{query}"), None).await;
    assert_eq!(response.status(), 200);
    let id = response.headers()["x-call-id"].to_str().unwrap().to_owned();
    (response.json().await.unwrap(), id)
}

async fn set_policy(app: &TestApp, provider: &str, org: &str, allow: &[&str], deny: &[&str]) -> reqwest::Response {
    let policy = json!({ "allow": allow, "deny": deny });
    let url = app.url(&format!("/api/provider/orgs/{org}/egress"));
    app.client.put(url).bearer_auth(provider).json(&policy).send().await.unwrap()
}

fn query(url: &str) -> String {
    format!("url={}", url.replace(':', "%3A").replace('/', "%2F").replace('?', "%3F"))
}

/// The invocation once the recorder wrote it.
async fn invocation(app: &TestApp, token: &str, id: &str) -> InvocationResult {
    let started = Instant::now();
    loop {
        let response = app.get(&format!("/api/org/acme/invocations/{id}"), token).await;
        if response.status() == 200 {
            return response.json().await.unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "invocation {id} never recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_reaches_exactly_what_the_orgs_egress_policy_allows() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let acme = tenant(&app, "acme").await;
    let globex = tenant(&app, "globex").await;
    let provider = app.token(Role::Provider, None).await;
    let service = target("127.0.0.1").await;
    let elsewhere = target("127.0.0.2").await;
    for (token, org) in [(&acme, "acme"), (&globex, "globex")] {
        let function = deploy(&app, token, org, "fetcher", FETCHER, json!({"limits": {"timeout_ms": 5_000}})).await;
        assert_eq!(function.status, "ready", "{:?}", function.error);
    }
    let port = service.rsplit(':').next().unwrap().to_owned();

    // No policy: nothing is reachable, and a loopback address says why.
    let policy: EgressPolicy = app.get("/api/provider/orgs/acme/egress", &provider).await.json().await.unwrap();
    assert_eq!(policy, EgressPolicy::default());
    let (answer, _) = fetch_via(&app, &acme, "acme", &query(&format!("{service}/hello"))).await;
    let refused = format!("TypeError: fetch to 127.0.0.1:{port} refused: loopback address (egress policy of org acme)");
    assert_eq!(answer["error"], refused.as_str());

    // A host name never opens a loopback address, not even `*`.
    assert_eq!(set_policy(&app, &provider, "acme", &["localhost", "*"], &[]).await.status(), 200);
    let (answer, _) = fetch_via(&app, &acme, "acme", &query(&format!("http://localhost:{port}/hello"))).await;
    let error = answer["error"].as_str().unwrap();
    assert!(error.starts_with(&format!("TypeError: fetch to localhost:{port} refused: it resolves to ")), "{error}");
    assert!(error.ends_with("a loopback address (egress policy of org acme)"), "{error}");

    // The address itself does: the request goes out with the function's method, headers and
    // body, and its answer comes back whole.
    assert_eq!(set_policy(&app, &provider, "acme", &["127.0.0.1"], &[]).await.status(), 200);
    let (answer, id) =
        fetch_via(&app, &acme, "acme", &format!("{}&method=POST", query(&format!("{service}/hello")))).await;
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(
        answer["body"],
        json!({"method": "POST", "token": "secret-1", "agent": "Stratus-Function/1", "body": "ping"})
    );
    assert_eq!(
        (answer["url"].as_str(), answer["redirected"].as_bool()),
        (Some(&*format!("{service}/hello")), Some(false))
    );
    let (answer, _) = fetch_via(&app, &acme, "acme", &query(&format!("{service}/teapot"))).await;
    assert_eq!((answer["status"].as_u64(), answer["brew"].as_str()), (Some(418), Some("earl grey")), "{answer}");

    // The invocation record lists the request, without its path or query.
    let record = invocation(&app, &acme, &id).await.record;
    assert_eq!(record.outbound.len(), 1, "{:?}", record.outbound);
    let out = &record.outbound[0];
    assert_eq!(
        (out.method.as_str(), out.host.as_str(), out.status),
        ("POST", &*format!("127.0.0.1:{port}"), Some(200))
    );
    assert!(out.bytes > 0 && out.duration_ms > 0.0 && out.error.is_none(), "{out:?}");

    // Redirects are followed hop by hop, each checked: a hop to another loopback address that
    // the policy does not name is refused, and `redirect: 'manual'` hands over the 3xx.
    let (answer, _) = fetch_via(&app, &acme, "acme", &query(&format!("{service}/hop"))).await;
    assert_eq!((answer["status"].as_u64(), answer["redirected"].as_bool()), (Some(200), Some(true)), "{answer}");
    let bounce = format!("{service}/hop?to={elsewhere}");
    let (answer, _) = fetch_via(&app, &acme, "acme", &format!("{}&redirect=manual", query(&bounce))).await;
    assert_eq!(answer["status"], 307, "{answer}");
    let (answer, id) = fetch_via(&app, &acme, "acme", &query(&bounce)).await;
    let other_port = elsewhere.rsplit(':').next().unwrap();
    let refused =
        format!("TypeError: fetch to 127.0.0.2:{other_port} refused: loopback address (egress policy of org acme)");
    assert_eq!(answer["error"], refused.as_str(), "{answer}");
    let record = invocation(&app, &acme, &id).await.record;
    let hops: Vec<(Option<u16>, bool)> = record.outbound.iter().map(|o| (o.status, o.error.is_some())).collect();
    assert_eq!(hops, [(Some(307), false), (None, true)], "{:?}", record.outbound);

    // The deny-list wins over the allow-list.
    assert_eq!(set_policy(&app, &provider, "acme", &["127.0.0.0/30"], &["127.0.0.1/32"]).await.status(), 200);
    let (answer, _) = fetch_via(&app, &acme, "acme", &query(&format!("{service}/hello"))).await;
    assert!(
        answer["error"].as_str().unwrap().ends_with("refused: denied by the deny-list (egress policy of org acme)")
    );
    let (answer, _) = fetch_via(&app, &acme, "acme", &query(&format!("{elsewhere}/hello"))).await;
    assert_eq!(answer["status"], 200, "127.0.0.2 is inside the allowed /30: {answer}");

    // Another org's policy is its own.
    let (answer, _) = fetch_via(&app, &globex, "globex", &query(&format!("{elsewhere}/hello"))).await;
    assert!(answer["error"].as_str().unwrap().contains("(egress policy of org globex)"), "{answer}");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_has_a_request_and_a_byte_budget_and_bad_policies_are_refused_field_by_field() {
    let app = TestApp::start(harness::Db::Sqlite).await;
    let acme = tenant(&app, "acme").await;
    let provider = app.token(Role::Provider, None).await;
    let service = target("127.0.0.1").await;
    let function = deploy(&app, &acme, "acme", "fetcher", FETCHER, json!({"limits": {"timeout_ms": 10_000}})).await;
    assert_eq!(function.status, "ready", "{:?}", function.error);
    assert_eq!(set_policy(&app, &provider, "acme", &["127.0.0.1/32"], &[]).await.status(), 200);

    let n = egress_limits::MAX_REQUESTS_PER_CALL + 1;
    let (answer, id) = fetch_via(&app, &acme, "acme", &format!("{}&n={n}", query(&format!("{service}/hello")))).await;
    let answers = answer.as_array().unwrap();
    assert_eq!(answers.len(), n, "{answer}");
    assert!(answers[..n - 1].iter().all(|a| a["status"] == 200));
    let last = answers[n - 1]["error"].as_str().unwrap();
    assert!(last.ends_with(&format!("a call may make at most {} requests", n - 1)), "{last}");
    assert_eq!(invocation(&app, &acme, &id).await.record.outbound.len(), n);

    let (answer, _) = fetch_via(&app, &acme, "acme", &query(&format!("{service}/big"))).await;
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains("a call may receive at most 8388608 bytes of responses"), "{error}");

    // TLS is verified against the system's roots: a self-signed server is not talked to.
    let tls = vcd_sim::TlsEndpoint::start();
    let (answer, _) = fetch_via(&app, &acme, "acme", &query(&format!("{}/", tls.url))).await;
    let error = answer["error"].as_str().unwrap();
    assert!(error.starts_with("TypeError: fetch to 127.0.0.1:") && error.contains(" failed: "), "{error}");
    assert!(error.contains("certificate verify failed"), "{error}");

    // Metrics count them per org and outcome.
    let metrics = app.get("/metrics", &provider).await.text().await.unwrap();
    for outcome in ["answered", "refused", "failed"] {
        let line = format!("stratus_function_outbound_requests_total{{org=\"acme\",outcome=\"{outcome}\"}}");
        assert!(metrics.contains(&line), "no {line} in:\n{metrics}");
    }

    // Bad entries are named; nothing is stored; other tenants and unknown orgs are refused.
    let response =
        set_policy(&app, &provider, "acme", &["ok.example.com", "https://x.example.com"], &["10.0.0.0/33"]).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> =
        body["error"]["details"].as_array().unwrap().iter().filter_map(|d| d["field"].as_str()).collect();
    assert_eq!(fields, ["allow[1]", "deny[0]"], "{body}");
    let stored: EgressPolicy = app.get("/api/provider/orgs/acme/egress", &provider).await.json().await.unwrap();
    assert_eq!(stored.allow, ["127.0.0.1/32"]);
    assert_eq!(set_policy(&app, &acme, "acme", &["*"], &[]).await.status(), 403);
    assert_eq!(set_policy(&app, &provider, "nosuch", &["*"], &[]).await.status(), 404);
    app.shutdown().await;
}
