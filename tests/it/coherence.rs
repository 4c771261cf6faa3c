//! Two replicas in one process on one database: a change made through one is served by the
//! other at once (PostgreSQL `LISTEN/NOTIFY`), and `/readyz` says when that channel is down.
//! The multi-process cases (kill -9, rolling restarts) are in `replicas`.

use std::time::{Duration, Instant};

use harness::{Db, TestApp};
use serde_json::{Value, json};

use crate::functions::{call, deploy, tenant};

const HELLO: &str = "export default { fetch() { return new Response('hello'); } };";

/// Polls `path` on `app` until it answers `status`; returns how long that took.
async fn until_status(app: &TestApp, token: &str, path: &str, status: u16) -> Duration {
    let started = Instant::now();
    loop {
        let got = call(app, token, "GET", path, None).await.status().as_u16();
        if got == status {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_millis(500), "{path} still answers {got}, not {status}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn readyz(app: &TestApp) -> (u16, Value) {
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_replica_is_served_by_the_other_at_once() {
    let a = TestApp::start(Db::Postgres).await;
    let b = a.join(|config| config).await;
    let token = tenant(&a, "acme").await;
    // B remembers that nothing answers on the route, and A's org limits.
    assert_eq!(call(&b, &token, "GET", "/api/org/acme/hello", None).await.status(), 404);

    deploy(&a, &token, "acme", "hello", HELLO, json!({})).await;
    let created = until_status(&b, &token, "/api/org/acme/hello", 200).await;
    let r = a.client.delete(a.url("/api/org/acme/functions/hello")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let deleted = until_status(&b, &token, "/api/org/acme/hello", 404).await;
    eprintln!("replica B served the new function after {created:?} and the deletion after {deleted:?}");

    // Org limits: the provider lowers the org's timeout ceiling through A; B validates with it.
    let provider = a.token(api_types::Role::Provider, None).await;
    let limits = a.get("/api/provider/orgs/acme/limits", &provider).await.json::<Value>().await.unwrap();
    let mut lower = limits.clone();
    lower["max_timeout_ms"] = json!(100);
    lower["default_timeout_ms"] = json!(100);
    let r = a.client.put(a.url("/api/provider/orgs/acme/limits")).bearer_auth(&provider).json(&lower).send().await;
    assert_eq!(r.unwrap().status(), 200);
    let body = json!({"name": "slow", "route": "slow", "code": HELLO, "limits": {"timeout_ms": 5000}});
    let r = b.client.post(b.url("/api/org/acme/functions")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 422, "B must check against the limits A just set");

    b.shutdown().await;
    a.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_degraded_while_the_coherence_channel_is_down() {
    let app = TestApp::start_with(Db::Postgres, |mut config| {
        config.heartbeat = Duration::from_millis(50);
        config
    })
    .await;
    // A replica starts degraded until its listener has connected and heard a heartbeat.
    let started = Instant::now();
    let (status, body) = loop {
        let (status, body) = readyz(&app).await;
        if body["status"] == "ok" || started.elapsed() > Duration::from_secs(10) {
            break (status, body);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")), "{body}");
    assert_eq!(body["replica"].as_str(), Some(app.cluster.id()));

    // New connections to the database are refused, and the listener's is cut: the pool's open
    // connections go on serving, the listener cannot come back.
    let admin = sqlx::PgPool::connect(&harness::postgres_admin_url()).await.unwrap();
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    sqlx::query(sqlx::AssertSqlSafe(format!("alter database {name} allow_connections false")))
        .execute(&admin)
        .await
        .unwrap();
    let cut = "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query ilike 'listen%'";
    let terminated = sqlx::query(cut).bind(&name).fetch_all(&admin).await.unwrap();
    assert_eq!(terminated.len(), 1, "one listener per replica");
    let started = Instant::now();
    let degraded = loop {
        let (status, body) = readyz(&app).await;
        if body["status"] == "degraded" {
            break (status, started.elapsed());
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never degraded: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(degraded.0, 200, "a degraded replica still serves");
    assert!(!app.cluster.coherence().is_live());

    sqlx::query(sqlx::AssertSqlSafe(format!("alter database {name} allow_connections true")))
        .execute(&admin)
        .await
        .unwrap();
    let started = Instant::now();
    while readyz(&app).await.1["status"] != "ok" {
        assert!(started.elapsed() < Duration::from_secs(10), "the listener never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("degraded {:?} after the cut; back {:?} after connections were allowed", degraded.1, started.elapsed());
    admin.close().await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_one_process_is_always_coherent() {
    let app = TestApp::start(Db::Sqlite).await;
    let (status, body) = readyz(&app).await;
    assert_eq!((status, body["status"].as_str(), body["database"].as_str()), (200, Some("ok"), Some("sqlite")));
    let token = tenant(&app, "acme").await;
    deploy(&app, &token, "acme", "hello", HELLO, json!({})).await;
    assert_eq!(call(&app, &token, "GET", "/api/org/acme/hello", None).await.status(), 200);
    app.client.delete(app.url("/api/org/acme/functions/hello")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(call(&app, &token, "GET", "/api/org/acme/hello", None).await.status(), 404, "gone at once");
    app.shutdown().await;
}
