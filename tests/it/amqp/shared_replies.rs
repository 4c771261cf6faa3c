//! Two replicas' bridges on one PostgreSQL database share their reply memory: a request that
//! one answered and that reaches the other again (as a redelivery whose first ack was lost
//! would) is answered with the stored reply, not run again.

use std::time::Duration;

use serde_json::json;
use stratus::host::amqp::{Bridge, BridgeConfig};

use super::fake_vcd::{self, ACME, FakeVcd, Names};
use super::{Stratus, function, orgs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_answered_by_one_replica_is_replayed_not_run_by_another() {
    let (database_url, database) = harness::fresh_postgres_database().await;
    let names = Names::unique("shared");
    let mut vcd = FakeVcd::start(names.clone()).await;
    let a = Stratus::start_on(&database_url, tempfile::tempdir().unwrap()).await;
    let b = Stratus::start_on(&database_url, tempfile::tempdir().unwrap()).await;
    let config = BridgeConfig::new(fake_vcd::BROKER, &names.exchange, &names.queue, &names.routing_key);

    let mut bridge_a = Bridge::spawn(config.clone(), a.router.clone(), orgs(), a.state.store.clone());
    tokio::time::timeout(Duration::from_secs(20), bridge_a.wait_sessions(1)).await.expect("bridge A consumes");
    let create = || Some(function("once"));
    let first = vcd.call("shared-1", "POST", "/api/stratus/org/acme/functions", create(), ACME).await;
    assert_eq!(first.status(), 202, "{:?}", first.body_json());
    assert_eq!(bridge_a.stats().replayed, 0);
    bridge_a.shutdown().await;

    // Only replica B consumes now; the same request comes again.
    let mut bridge_b = Bridge::spawn(config, b.router.clone(), orgs(), b.state.store.clone());
    tokio::time::timeout(Duration::from_secs(20), bridge_b.wait_sessions(1)).await.expect("bridge B consumes");
    let again = vcd.call("shared-1", "POST", "/api/stratus/org/acme/functions", create(), ACME).await;
    assert_eq!(again.status(), 202, "replayed: a second run would answer 409: {:?}", again.body_json());
    assert_eq!(again.json, first.json, "the very reply A sent");
    assert_eq!(again.correlation_id.as_deref(), Some("corr-shared-1"));
    assert_eq!(bridge_b.stats().replayed, 1);

    // A new request runs on B, and sees the one function A created.
    let list = vcd.call("shared-2", "GET", "/api/stratus/org/acme/functions", None, ACME).await;
    let listed: Vec<_> = list.body_json()["items"].as_array().unwrap().iter().map(|f| f["name"].clone()).collect();
    assert_eq!(listed, [json!("once")]);
    assert_eq!(bridge_b.stats().replayed, 1, "a new request is not a replay");

    bridge_b.shutdown().await;
    vcd.cleanup().await;
    a.shutdown().await;
    b.shutdown().await;
    drop_database(&database).await;
}

async fn drop_database(name: &str) {
    let pool = sqlx::AnyPool::connect(&harness::postgres_admin_url()).await.unwrap();
    let sql = format!("drop database if exists {name} with (force)");
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
    pool.close().await;
}
