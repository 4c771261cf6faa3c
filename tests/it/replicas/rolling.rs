//! A rolling restart under load: clients call a function through a round-robin proxy while
//! each replica in turn gets SIGTERM, exits, and starts again. A stopping replica fails
//! `/readyz` at once and keeps accepting for the drain delay, so the proxy (polling `/readyz`
//! every 100 ms) moves away before the listener closes: no call fails.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harness::Db;
use harness::replicas::{ORG, Replicas};

use super::FAST;

const CLIENTS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_under_load_fails_no_call() {
    let mut args = FAST.to_vec();
    args.extend(["--drain-delay-ms", "500", "--shutdown-grace-secs", "10"]);
    let mut r = Replicas::start(Db::Postgres, 3, &args).await;
    r.create_function(0, "hello", "module.exports = async () => ({ hello: 'world' });").await;
    let proxy = r.proxy(&[0, 1, 2]).await;

    let stop = Arc::new(AtomicBool::new(false));
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (url, token) = (proxy.url(&format!("/api/org/{ORG}/hello")), r.token.clone());
        let (stop, failures, client) = (stop.clone(), failures.clone(), reqwest::Client::new());
        clients.push(tokio::spawn(async move {
            let mut ok = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let failure = match client.get(&url).bearer_auth(&token).send().await {
                    Ok(response) if response.status() == 200 => {
                        ok += 1;
                        continue;
                    }
                    Ok(response) => format!("{}: {}", response.status(), response.text().await.unwrap_or_default()),
                    Err(err) => format!("transport: {err}"),
                };
                failures.lock().expect("failures lock").push(failure);
            }
            ok
        }));
    }

    let started = Instant::now();
    let mut steps = Vec::new();
    for i in 0..3 {
        let before = proxy.forwarded(i);
        let stopping = Instant::now();
        r.sigterm(i);
        let status = r.wait_exit(i, Duration::from_secs(30)).await;
        assert!(status.success(), "replica {i} exits 0 after SIGTERM: {status}\n{}", r.current_log(i));
        let stopped = stopping.elapsed();
        r.restart(i).await;
        // The restarted replica takes its share of the load before the next one stops.
        let deadline = Instant::now() + Duration::from_secs(30);
        let served_before = proxy.forwarded(i);
        while proxy.forwarded(i) < served_before + 20 {
            assert!(Instant::now() < deadline, "the proxy never sent calls to the restarted replica {i}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        steps.push(format!("replica {i}: {} calls, stopped in {:.2} s", served_before - before, stopped.as_secs_f64()));
    }
    stop.store(true, Ordering::Relaxed);
    let mut ok = 0;
    for client in clients {
        ok += client.await.expect("a client");
    }
    let failures = failures.lock().expect("failures lock").clone();
    eprintln!(
        "rolling restart: {ok} calls succeeded in {:.1} s, {} failed, {} refused connections retried; {}",
        started.elapsed().as_secs_f64(),
        failures.len(),
        proxy.refused(),
        steps.join("; ")
    );
    assert!(failures.is_empty(), "{} calls failed, e.g. {:?}", failures.len(), &failures[..failures.len().min(5)]);
    assert!(ok > 0);
    drop(proxy);
    r.shutdown().await;
}

/// A replica stopped right after answering still writes the history of every call it answered:
/// history is batched (up to 200 ms) and the queue is flushed before the process exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_replica_writes_the_history_it_still_holds() {
    let mut args = FAST.to_vec();
    args.extend(["--drain-delay-ms", "0", "--shutdown-grace-secs", "5"]);
    let mut r = Replicas::start(Db::Sqlite, 1, &args).await;
    r.create_function(0, "hello", "module.exports = async () => ({ hello: 'world' });").await;
    let client = reqwest::Client::new();
    let calls = 40;
    for _ in 0..calls {
        let response = client.get(r.url(0, &format!("/api/org/{ORG}/hello"))).bearer_auth(&r.token).send().await;
        assert_eq!(response.expect("a call").status(), 200);
    }
    r.sigterm(0);
    let status = r.wait_exit(0, Duration::from_secs(30)).await;
    assert!(status.success(), "the replica exits 0 after SIGTERM: {status}\n{}", r.current_log(0));
    r.restart(0).await;
    let url = r.url(0, &format!("/api/org/{ORG}/functions/hello/invocations?limit=500"));
    let listed: serde_json::Value = client.get(url).bearer_auth(&r.token).send().await.unwrap().json().await.unwrap();
    let recorded = listed["items"].as_array().map_or(0, Vec::len);
    assert!(recorded >= calls, "{recorded} of {calls} answered calls are in the history");
    r.shutdown().await;
}
