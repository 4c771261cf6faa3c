//! 200 async calls (`Prefer: respond-async`) spread over the replicas, one replica `kill -9`'d
//! while it runs some of them: every invocation ends `succeeded` with its own answer, and the
//! replicas' side channel (issue #12 contract: `attempt started` / `attempt finished` lines on
//! stderr) shows each ran to the end exactly once, and ran again only when its earlier attempt
//! died with the killed process. On the database queue and on RabbitMQ; on SQLite the one
//! process is killed and started again.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use harness::Db;
use harness::replicas::{AttemptLine, ORG, Replicas};
use serde_json::{Value, json};
use sqlx::Row as _;

use super::{FAST, broker_url, delete_broker_objects, replica_count, unique};

const CALLS: usize = 200;

/// About 50 ms of work, so that a kill lands in the middle of some runs.
const BUSY: &str = r"
module.exports = async (event) => {
  const end = Date.now() + 50;
  while (Date.now() < end) {}
  return { n: event.body.n };
};
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Database,
    Rabbit,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_database_queue() {
    each_runs_once(Db::Postgres, Queue::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_rabbitmq() {
    each_runs_once(Db::Postgres, Queue::Rabbit).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_database_queue() {
    each_runs_once(Db::Sqlite, Queue::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_rabbitmq() {
    each_runs_once(Db::Sqlite, Queue::Rabbit).await;
}

/// Accepts call `k` through the replica at `base`: its invocation id.
async fn accept(client: &reqwest::Client, base: &str, token: &str, k: usize) -> (usize, String) {
    let url = format!("{base}/api/org/{ORG}/busy");
    let request = client.post(url).bearer_auth(token).header("prefer", "respond-async").json(&json!({"n": k}));
    let response = request.send().await.expect("POST an async call");
    assert_eq!(response.status(), 202, "call {k} through {base}");
    let accepted: Value = response.json().await.expect("InvocationAccepted");
    assert_eq!(accepted["status"], "pending");
    (k, accepted["id"].as_str().expect("an invocation id").to_owned())
}

/// Whether replica `victim`'s first process logged an attempt start and not yet its end.
fn in_flight(r: &Replicas, victim: usize) -> bool {
    let lines: Vec<AttemptLine> = r.attempts().into_iter().filter(|l| (l.replica, l.life) == (victim, 0)).collect();
    lines.iter().any(|s| s.is_start() && !lines.iter().any(|f| !f.is_start() && f.invocation == s.invocation))
}

async fn each_runs_once(db: Db, queue: Queue) {
    let jobs_queue = unique("stratus-t-jobs");
    let url = broker_url();
    let mut args = FAST.to_vec();
    if queue == Queue::Rabbit {
        args.extend(["--jobs-amqp-url", &url, "--jobs-queue", &jobs_queue]);
    }
    let mut r = Replicas::start(db, replica_count(db), &args).await;
    let n = r.count();
    r.create_function(0, "busy", BUSY).await;

    // Calls go round-robin, the last replica's share first: it is killed while the others still
    // accept calls (a busy machine may run calls as fast as they come, so waiting until all are
    // accepted could leave it nothing to be killed in the middle of).
    let victim = n - 1;
    let mut order: Vec<(usize, usize)> = (0..CALLS).map(|k| (k % n, k)).collect();
    order.sort_by_key(|&(i, _)| i != victim);
    let victim_calls = order.iter().filter(|&&(i, _)| i == victim).count();
    let victim_accepted = Arc::new(AtomicUsize::new(0));
    let bases: Vec<String> = (0..n).map(|i| r.base(i).to_owned()).collect();
    let (client, token, counter) = (r.client.clone(), r.token.clone(), victim_accepted.clone());
    let started = Instant::now();
    let sender = tokio::spawn(async move {
        let calls = futures_util::stream::iter(order).map(|(i, k)| {
            let (client, base, token, counter) = (&client, &bases[i], &token, &counter);
            async move {
                let accepted = accept(client, base, token, k).await;
                if i == victim {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                accepted
            }
        });
        calls.buffer_unordered(8).collect::<Vec<(usize, String)>>().await
    });

    // Kill the victim once its share is accepted, while it runs an attempt.
    let deadline = Instant::now() + Duration::from_secs(60);
    while victim_accepted.load(Ordering::SeqCst) < victim_calls || !in_flight(&r, victim) {
        assert!(Instant::now() < deadline, "replica {victim} never ran an attempt:\n{}", r.logs(victim));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    r.kill9(victim).await;
    let killed_at = started.elapsed();
    let accepted: HashMap<String, usize> =
        sender.await.expect("the calls").into_iter().map(|(k, id)| (id, k)).collect();
    assert_eq!(accepted.len(), CALLS, "every call has its own invocation");
    if n == 1 {
        r.restart(victim).await;
    }

    let finished = wait_all_finished(&r).await;
    let took = started.elapsed();
    let mut by_invocation: HashMap<String, Vec<AttemptLine>> = HashMap::new();
    for line in r.attempts() {
        by_invocation.entry(line.invocation.clone()).or_default().push(line);
    }
    let mut unlogged = 0;
    for (id, k) in &accepted {
        let url = r.url(r.any_running(), &format!("/api/org/{ORG}/invocations/{id}"));
        let result: Value = r.client.get(url).bearer_auth(&r.token).send().await.unwrap().json().await.unwrap();
        assert_eq!(result["status"], "succeeded", "{result}");
        let body = result["response"]["body"].as_str().and_then(|b| serde_json::from_str::<Value>(b).ok());
        assert_eq!(body, Some(json!({"n": k})), "invocation {id} answers its own call: {result}");
        let attempts = result["attempts"].as_u64().expect("an attempts count");
        let lines = by_invocation.get(id).map_or(&[][..], Vec::as_slice);
        unlogged += usize::from(check_attempts(id, lines, victim, attempts));
    }
    // Attempts of the killed process that never finished (nor stored a result).
    let cut = by_invocation
        .values()
        .flatten()
        .filter(|s| s.is_start() && (s.replica, s.life) == (victim, 0))
        .filter(|s| !by_invocation[&s.invocation].iter().any(|f| !f.is_start() && f.attempt == s.attempt))
        .count()
        - unlogged;
    assert!(cut > 0, "the kill cut an attempt short");
    eprintln!(
        "async calls on {db:?} through the {queue:?} queue, {n} replicas: {CALLS} accepted, replica {victim} killed at \
         {:.1} s with {cut} attempts cut short ({unlogged} more had stored their result, unlogged), all {finished} \
         succeeded after {:.1} s",
        killed_at.as_secs_f64(),
        took.as_secs_f64()
    );
    r.shutdown().await;
    if queue == Queue::Rabbit {
        // The queue, its dead letters and its delay queues (`.retry.<ms>`, one per retry delay).
        let names = ["", ".dead", ".retry.200", ".retry.400"].map(|suffix| format!("{jobs_queue}{suffix}"));
        delete_broker_objects(&names.each_ref().map(String::as_str), &[]).await;
    }
}

/// Polls the history until every call has finished; how many succeeded.
async fn wait_all_finished(r: &Replicas) -> usize {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let url = r.url(r.any_running(), &format!("/api/org/{ORG}/functions/busy/invocations?limit=500"));
        let list: Value = r.client.get(url).bearer_auth(&r.token).send().await.unwrap().json().await.unwrap();
        let statuses: Vec<&str> = list["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|i| i["status"].as_str()).collect())
            .unwrap_or_default();
        let done = statuses.iter().filter(|s| matches!(**s, "succeeded" | "failed")).count();
        if statuses.len() == CALLS && done == CALLS {
            return statuses.iter().filter(|s| **s == "succeeded").count();
        }
        if Instant::now() > deadline {
            let items = list["items"].as_array().cloned().unwrap_or_default();
            let stuck: Vec<&str> = items
                .iter()
                .filter(|i| !matches!(i["status"].as_str(), Some("succeeded" | "failed")))
                .filter_map(|i| i["id"].as_str())
                .collect();
            let lines: Vec<AttemptLine> =
                r.attempts().into_iter().filter(|l| stuck.contains(&l.invocation.as_str())).collect();
            let logs: String = (0..r.count()).map(|i| format!("--- replica {i}\n{}", tail(&r.logs(i)))).collect();
            let jobs = job_rows(&r.database_url, &stuck).await;
            panic!(
                "{} of {CALLS} invocations unfinished after 90 s: {stuck:?}\ntheir jobs: {jobs:#?}\ntheir attempts: \
                 {lines:#?}\n{logs}",
                stuck.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The queue rows of `ids` and the replicas' heartbeats, read from the database to explain a
/// failure (the server's tables; only for the message).
async fn job_rows(url: &str, ids: &[&str]) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let Ok(pool) = sqlx::AnyPool::connect(url).await else { return vec!["no database connection".into()] };
    let mut rows = Vec::new();
    let jobs = "select invocation_id, status, attempts, lease_owner, next_attempt_at from async_job";
    for row in sqlx::query(jobs).fetch_all(&pool).await.unwrap_or_default() {
        let id: String = row.try_get(0).unwrap_or_default();
        if ids.contains(&id.as_str()) {
            let (status, attempts): (String, i64) =
                (row.try_get(1).unwrap_or_default(), row.try_get(2).unwrap_or_default());
            let (owner, due): (Option<String>, i64) =
                (row.try_get(3).unwrap_or_default(), row.try_get(4).unwrap_or_default());
            rows.push(format!("{id}: {status}, {attempts} attempts, owner {owner:?}, due {due}"));
        }
    }
    let beats = "select replica_id, heartbeat_at from replica";
    for row in sqlx::query(beats).fetch_all(&pool).await.unwrap_or_default() {
        let (id, at): (String, i64) = (row.try_get(0).unwrap_or_default(), row.try_get(1).unwrap_or_default());
        rows.push(format!("replica {id} beat at {at} ({} ms ago)", stratus_core::dates::now_millis() - at));
    }
    pool.close().await;
    rows
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// One invocation's side channel; `true` when the killed process stored its result but died
/// before logging the end (the log line cannot be atomic with the database). Every attempt
/// before the one that finished started on the killed process (replica `victim`'s first life)
/// and never finished; the one that finished started once, and the record counts it.
fn check_attempts(id: &str, lines: &[AttemptLine], victim: usize, attempts: u64) -> bool {
    let finished: Vec<&AttemptLine> = lines.iter().filter(|l| !l.is_start()).collect();
    let starts: Vec<&AttemptLine> = lines.iter().filter(|l| l.is_start()).collect();
    assert!(finished.len() <= 1, "{id} finished more than once: {lines:#?}");
    let (last, unlogged) = match finished.first() {
        Some(end) => {
            assert_eq!(end.outcome.as_deref(), Some("succeeded"), "{lines:#?}");
            (end.attempt, false)
        }
        None => {
            let last = starts.iter().max_by_key(|s| s.attempt).unwrap_or_else(|| panic!("{id} never started"));
            assert_eq!((last.replica, last.life), (victim, 0), "{id} succeeded without finishing: {lines:#?}");
            (last.attempt, true)
        }
    };
    assert_eq!(u64::from(last), attempts, "the record counts the attempts the logs show: {lines:#?}");
    let last_starts = starts.iter().filter(|s| s.attempt == last).count();
    assert_eq!(last_starts, 1, "{id}: its last attempt started once: {lines:#?}");
    for earlier in starts.iter().filter(|s| s.attempt != last) {
        assert!(earlier.attempt < last, "{lines:#?}");
        assert_eq!((earlier.replica, earlier.life), (victim, 0), "{id} ran again only after the kill: {lines:#?}");
    }
    unlogged
}
