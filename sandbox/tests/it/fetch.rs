//! `fetch()` in function code: carried from the worker to the supervisor's [`Outbound`], which
//! answers or refuses; without one it is refused.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sandbox::outbound::{Outbound, OutboundFuture, OutboundRequest, OutboundResponse, Redirect};
use sandbox::pool::WorkerPool;

use crate::pool::{command, config, limits, request, spec};

/// Answers every request with what it saw, refuses hosts named `refused.test`, and keeps each
/// request with the time left until its deadline.
#[derive(Default)]
struct Echo {
    seen: Mutex<Vec<(OutboundRequest, Duration)>>,
}

impl Outbound for Echo {
    fn fetch(&self, request: OutboundRequest, deadline: Instant) -> OutboundFuture<'_> {
        Box::pin(async move {
            self.seen.lock().unwrap().push((request.clone(), deadline.saturating_duration_since(Instant::now())));
            if request.url.contains("refused.test") {
                return Err("fetch to refused.test refused: not in the allow-list (egress policy of org acme)".into());
            }
            let echo = serde_json::json!({
                "method": request.method, "url": request.url, "headers": request.headers,
                "body": request.body.map(|b| String::from_utf8_lossy(&b).into_owned()),
            });
            Ok(OutboundResponse {
                status: 201,
                status_text: "Created".into(),
                url: format!("{}?hop=2", request.url),
                headers: vec![("content-type".into(), "application/json".into()), ("x-a".into(), "1".into())],
                body: echo.to_string().into_bytes(),
                redirected: request.redirect == Redirect::Follow,
            })
        })
    }
}

const CALLER: &str = r#"export default { async fetch() {
    const r = await fetch('https://api.example.com/items', {
        method: 'POST', headers: { 'X-Token': 't1' }, body: JSON.stringify({ a: 1 }) });
    const echo = await r.json();
    let refused;
    try { await fetch('https://refused.test/') } catch (e) { refused = `${e.name}: ${e.message}` }
    let scheme;
    try { await fetch('ftp://files.example.com/x') } catch (e) { scheme = `${e.name}: ${e.message}` }
    const manual = await fetch(new Request('http://plain.example.com/x'), { redirect: 'manual' });
    return Response.json({ status: r.status, statusText: r.statusText, ok: r.ok, url: r.url,
        redirected: r.redirected, a: r.headers.get('x-a'), echo, refused, scheme,
        manual: [manual.redirected, (await manual.json()).method] });
} }"#;

#[tokio::test]
async fn fetch_goes_through_the_calls_outbound_and_errors_are_type_errors() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let echo = Arc::new(Echo::default());
    let outbound: Arc<dyn Outbound> = echo.clone();
    let outcome = pool.invoke_detailed(&spec("caller", CALLER), request(), limits(), Some(outbound)).await;
    let invocation = outcome.result.expect("the call answers");
    let value: serde_json::Value = serde_json::from_slice(&invocation.response.body).unwrap();
    assert_eq!(value["status"], 201, "{value}");
    assert_eq!((value["statusText"].as_str(), value["ok"].as_bool()), (Some("Created"), Some(true)));
    assert_eq!(value["url"], "https://api.example.com/items?hop=2");
    assert_eq!((value["redirected"].as_bool(), value["a"].as_str()), (Some(true), Some("1")));
    let sent = &value["echo"];
    assert_eq!((sent["method"].as_str(), sent["body"].as_str()), (Some("POST"), Some(r#"{"a":1}"#)));
    let headers = sent["headers"].to_string();
    assert!(headers.contains(r#"["x-token","t1"]"#) && headers.contains("text/plain"), "{headers}");
    assert_eq!(
        value["refused"],
        "TypeError: fetch to refused.test refused: not in the allow-list (egress policy of org acme)"
    );
    assert_eq!(
        value["scheme"],
        "TypeError: fetch to ftp://files.example.com/x refused: only http: and https: URLs can be fetched"
    );
    assert_eq!(value["manual"], serde_json::json!([false, "GET"]));

    // Three requests reached the outbound (the ftp: URL never left the worker), each with the
    // call's time still ahead of it.
    let seen = echo.seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.iter().all(|(_, left)| *left > Duration::ZERO && *left <= limits().timeout * 2), "{seen:?}");
    assert_eq!(seen[2].0.redirect, Redirect::Manual);
}

#[tokio::test]
async fn top_level_code_cannot_fetch() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let source = "let early; fetch('https://example.com').catch((e) => { early = e.message });
        module.exports = async () => early";
    let outcome =
        pool.invoke_detailed(&spec("early", source), request(), limits(), Some(Arc::new(Echo::default()))).await;
    let body = outcome.result.unwrap().response.body;
    assert_eq!(String::from_utf8_lossy(&body), "fetch() cannot run in top-level code: call it inside the handler");
}

#[tokio::test]
async fn without_an_outbound_fetch_is_refused_and_the_worker_carries_on() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let source =
        "module.exports = async () => { try { await fetch('https://example.com') } catch (e) { return e.message } }";
    let (invocation, _) = pool.invoke(&spec("offline", source), request(), limits()).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&invocation.response.body), sandbox::outbound::DISABLED);
    let (again, cold) = pool.invoke(&spec("offline", source), request(), limits()).await.unwrap();
    assert_eq!((again.response.status, cold), (200, false), "the same worker, warm");
    assert_eq!(pool.stats().restarts, 0);
}

/// An outbound that never answers cannot hold the call past its timeout: the worker is killed
/// at the deadline plus grace, as for any overrun.
struct Stuck;

impl Outbound for Stuck {
    fn fetch(&self, _: OutboundRequest, _: Instant) -> OutboundFuture<'_> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn an_outbound_that_hangs_ends_in_the_calls_timeout() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let source = "module.exports = async () => (await fetch('https://slow.example.com')).status";
    let started = Instant::now();
    let outcome = pool.invoke_detailed(&spec("slow", source), request(), limits(), Some(Arc::new(Stuck))).await;
    assert_eq!(outcome.result.unwrap_err(), sandbox::InvokeError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
    // The pool replaced the worker and goes on serving.
    crate::pool::assert_hello(&pool).await;
}
