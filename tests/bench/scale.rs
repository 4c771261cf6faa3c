//! Scale-out (issue #12): several `stratus serve` replicas on one PostgreSQL. Hello-function
//! throughput through 1, 2 and 3 replicas behind the round-robin proxy, the call overhead of a
//! replica (cache coherence on) against one process on SQLite, the time from a delete on one
//! replica to a 404 from another, and async queue throughput and accept → start latency on
//! the database queue and on RabbitMQ (start times from the replicas' `attempt started` lines).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use harness::Db;
use harness::replicas::{ORG, Replicas};
use serde_json::{Value, json};

use crate::load::{latency, throughput};
use crate::stats::Summary;

const HELLO: &str = "module.exports = async () => ({ hello: 'world' });";

pub async fn run() {
    println!("== scale: replicas of `stratus serve` on one PostgreSQL ==");
    calls().await;
    async_queue(false).await;
    async_queue(true).await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Lifts the org's concurrency caps so that throughput is not a count of 429s.
async fn lift_caps(r: &Replicas) {
    let limits = json!({"max_memory_mb": 256, "max_timeout_ms": 30000, "default_memory_mb": 64,
        "default_timeout_ms": 5000, "max_concurrency": 1000, "max_function_concurrency": 1000,
        "max_request_bytes": 6291456, "max_response_bytes": 6291456, "max_functions": 200});
    let put =
        r.client.put(r.url(0, &format!("/api/provider/orgs/{ORG}/limits"))).bearer_auth(&r.provider).json(&limits);
    assert!(put.send().await.expect("PUT limits").status().is_success(), "raising the org's caps");
}

/// Warm-call latency of `hello` on replica `i`, and what it adds to `/healthz`.
async fn overhead(r: &Replicas, i: usize, what: &str) -> Duration {
    let warm = latency(&r.client, &r.url(i, &format!("/api/org/{ORG}/hello")), &r.token, 2_000).await;
    let floor = latency(&r.client, &r.url(i, "/healthz"), &r.token, 2_000).await;
    let added = warm.p50.saturating_sub(floor.p50);
    println!("{what:<34} warm call {warm}\n{:<34} p50 over /healthz {:.3} ms", "", ms(added));
    added
}

async fn calls() {
    let single = Replicas::start(Db::Sqlite, 1, &[]).await;
    single.create_function(0, "hello", HELLO).await;
    lift_caps(&single).await;
    let one = overhead(&single, 0, "one process (SQLite, no coherence)").await;
    let direct =
        throughput(&single.client, &single.url(0, &format!("/api/org/{ORG}/hello")), &single.token, 16, SECS).await;
    println!("one process, 16 clients, no proxy: {direct:>8.0} req/s");
    single.shutdown().await;

    let r = Replicas::start(Db::Postgres, 3, &[]).await;
    r.create_function(0, "hello", HELLO).await;
    lift_caps(&r).await;
    let replica = overhead(&r, 0, "replica 0 of 3 (PostgreSQL, LISTEN)").await;
    println!("coherence on: p50 call overhead {:+.3} ms against one process", ms(replica) - ms(one));
    println!("hello throughput, 16 clients, 3 s each (each proxied call opens a new backend connection):");
    println!("  on 2 cores every replica shares the same CPUs: the figures show the cost of replicas, not scale");
    let direct = throughput(&r.client, &r.url(0, &format!("/api/org/{ORG}/hello")), &r.token, 16, SECS).await;
    println!("  replica 0 direct, no proxy   {direct:>8.0} req/s");
    for members in [&[0][..], &[0, 1], &[0, 1, 2]] {
        let proxy = r.proxy(members).await;
        let rps = throughput(&r.client, &proxy.url(&format!("/api/org/{ORG}/hello")), &r.token, 16, SECS).await;
        let spread: Vec<usize> = members.iter().map(|&i| proxy.forwarded(i)).collect();
        println!("  {} replica(s) behind the proxy {rps:>8.0} req/s  (calls per replica {spread:?})", members.len());
    }
    delete_to_404(&r).await;
    r.shutdown().await;
}

const SECS: Duration = Duration::from_secs(3);

/// Creates a function through replica 0, warms replica 1 with a call, deletes through replica
/// 0 and polls replica 1 until it answers 404, from the moment the delete was answered.
async fn delete_to_404(r: &Replicas) {
    let mut samples = Vec::new();
    for k in 0..50 {
        let name = format!("gone{k}");
        r.create_function(0, &name, HELLO).await;
        let path = format!("/api/org/{ORG}/{name}");
        let warm = r.client.get(r.url(1, &path)).bearer_auth(&r.token).send().await.expect("warm call");
        assert_eq!(warm.status(), 200, "{name} on replica 1");
        let url = r.url(0, &format!("/api/org/{ORG}/functions/{name}"));
        let deleted = r.client.delete(url).bearer_auth(&r.token).send().await.expect("DELETE");
        assert_eq!(deleted.status(), 204);
        let since = Instant::now();
        loop {
            let call = r.client.get(r.url(1, &path)).bearer_auth(&r.token).send().await.expect("call");
            if call.status() == 404 {
                break;
            }
            assert!(since.elapsed() < Duration::from_secs(5), "{name} still served by replica 1 after 5 s");
        }
        samples.push(since.elapsed());
    }
    println!("delete on replica 0 → 404 on replica 1 {}", Summary::of(&mut samples));
}

/// Accepts an async call of `function` through replica `i`: when it was sent, and its id.
async fn accept(r: &Replicas, i: usize, function: &str) -> (DateTime<Utc>, String) {
    let sent = Utc::now();
    let url = r.url(i, &format!("/api/org/{ORG}/{function}"));
    let response = r.client.post(url).bearer_auth(&r.token).header("prefer", "respond-async").body("x").send();
    let response = response.await.expect("POST async");
    assert_eq!(response.status(), 202, "{function} through replica {i}");
    let accepted: Value = response.json().await.expect("InvocationAccepted");
    (sent, accepted["id"].as_str().expect("an id").to_owned())
}

/// Waits until the newest `n` invocations of `function` (at most 500) have all finished.
async fn wait_finished(r: &Replicas, function: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let url = r.url(0, &format!("/api/org/{ORG}/functions/{function}/invocations?limit=500"));
        let list: Value = r.client.get(url).bearer_auth(&r.token).send().await.unwrap().json().await.unwrap();
        let items = list["items"].as_array().cloned().unwrap_or_default();
        let done = items.iter().filter(|i| matches!(i["status"].as_str(), Some("succeeded" | "failed"))).count();
        if done >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{function}: {done} of {n} finished after 300 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Accept → first attempt start of each call, from the replicas' logs.
fn start_latencies(r: &Replicas, sent: &HashMap<String, DateTime<Utc>>) -> (Vec<Duration>, Option<DateTime<Utc>>) {
    let lines = r.attempts();
    let mut samples = Vec::new();
    for (id, at) in sent {
        let first = lines.iter().filter(|l| l.is_start() && &l.invocation == id).filter_map(|l| l.at).min();
        if let Some(started) = first {
            samples.push((started - *at).to_std().unwrap_or_default());
        }
    }
    let last_end =
        lines.iter().filter(|l| !l.is_start() && sent.contains_key(&l.invocation)).filter_map(|l| l.at).max();
    (samples, last_end)
}

fn summary(mut samples: Vec<Duration>) -> String {
    if samples.is_empty() {
        return "no `attempt started` lines in the replicas' logs".into();
    }
    Summary::of(&mut samples).to_string()
}

async fn async_queue(rabbit: bool) {
    let queue = format!("stratus-bench-jobs-{:08x}", rand::random::<u32>());
    let url = std::env::var("STRATUS_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let mut args = vec!["--heartbeat-ms", "1000"];
    if rabbit {
        args.extend(["--jobs-amqp-url", &url, "--jobs-queue", &queue]);
    }
    let engine = if rabbit { "RabbitMQ" } else { "database queue (PostgreSQL)" };
    let r = Replicas::start(Db::Postgres, 3, &args).await;
    lift_caps(&r).await;
    r.create_function(0, "idle", HELLO).await;
    r.create_function(0, "burst", HELLO).await;

    // One call at a time: the queue's latency when it is idle.
    let mut sent = HashMap::new();
    for k in 0..50 {
        let (at, id) = accept(&r, k % 3, "idle").await;
        sent.insert(id, at);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_finished(&r, "idle", 50).await;
    let (idle, _) = start_latencies(&r, &sent);
    println!("async on {engine}: accept → start, one at a time   {}", summary(idle));

    // 500 calls as fast as 16 clients can send them.
    let first = Utc::now();
    let began = Instant::now();
    let accepted: Vec<(DateTime<Utc>, String)> =
        futures_util::stream::iter(0..500).map(|k| accept(&r, k % 3, "burst")).buffer_unordered(16).collect().await;
    let accepting = began.elapsed();
    wait_finished(&r, "burst", 500).await;
    let sent: HashMap<String, DateTime<Utc>> = accepted.into_iter().map(|(at, id)| (id, at)).collect();
    let (loaded, last) = start_latencies(&r, &sent);
    let drained = last.and_then(|l| (l - first).to_std().ok()).unwrap_or_default();
    println!("async on {engine}: accept → start, 500 at once      {}", summary(loaded));
    println!(
        "async on {engine}: 500 accepted in {:.0} ms ({:.0}/s), all run by {:.0} ms ({:.0} runs/s)",
        ms(accepting),
        500.0 / accepting.as_secs_f64(),
        ms(drained),
        500.0 / drained.as_secs_f64().max(1e-3)
    );
    r.shutdown().await;
    if rabbit {
        // The queue, its dead letters and its delay queues (`.retry.<ms>`, one per default delay).
        let suffixes = ["", ".dead", ".retry.10000", ".retry.60000", ".retry.300000"];
        delete_queues(&url, &suffixes.map(|suffix| format!("{queue}{suffix}"))).await;
    }
}

async fn delete_queues(url: &str, queues: &[String]) {
    let Ok(connection) = lapin::Connection::connect(url, lapin::ConnectionProperties::default()).await else { return };
    for queue in queues {
        if let Ok(channel) = connection.create_channel().await {
            let _ = channel.queue_delete(queue.as_str().into(), lapin::options::QueueDeleteOptions::default()).await;
        }
    }
    let _ = connection.close(200, "done".into()).await;
}
