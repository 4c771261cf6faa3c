//! Scale-out (issue #12): several real `stratus serve` processes on one fresh PostgreSQL
//! database and the real RabbitMQ behave as one service. What one replica changes the others
//! serve at once; accepted work is done exactly once although a replica is `kill -9`'d; a
//! rolling restart loses no call; replicas starting together migrate once. Each case that
//! applies to one process also runs on SQLite, where a "crash" is a `kill -9` and a restart.

mod async_calls;
mod autoscale;
mod caps;
mod coherence;
mod events;
mod extensions;
mod rolling;
mod startup;

use std::time::{Duration, Instant};

use harness::Db;
use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Connection, ConnectionProperties};
use rand::RngCore as _;

/// Failure detection and retries short enough for a test: a replica silent for 1 s is dead.
pub const FAST: [&str; 4] = ["--heartbeat-ms", "200", "--retry-delays-ms", "200,400"];

/// Three replicas on PostgreSQL; SQLite is one process.
pub fn replica_count(db: Db) -> usize {
    match db {
        Db::Postgres => 3,
        Db::Sqlite => 1,
    }
}

pub fn broker_url() -> String {
    std::env::var("STRATUS_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// `prefix.<12 hex>`, for queues and exchanges no other test uses.
pub fn unique(prefix: &str) -> String {
    let mut id = [0u8; 6];
    rand::rng().fill_bytes(&mut id);
    format!("{prefix}.{}", id.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Deletes queues and exchanges a test (or the replicas) declared; missing ones are fine.
pub async fn delete_broker_objects(queues: &[&str], exchanges: &[&str]) {
    let Ok(connection) = Connection::connect(&broker_url(), ConnectionProperties::default()).await else { return };
    // A failed delete closes its channel, so each gets its own.
    for queue in queues {
        if let Ok(channel) = connection.create_channel().await {
            let _ = channel.queue_delete((*queue).into(), QueueDeleteOptions::default()).await;
        }
    }
    for exchange in exchanges {
        if let Ok(channel) = connection.create_channel().await {
            let _ = channel.exchange_delete((*exchange).into(), ExchangeDeleteOptions::default()).await;
        }
    }
    let _ = connection.close(200, "done".into()).await;
}

/// Polls `probe` until it is true, for at most `limit`; how long that took, `None` if never.
pub async fn within<F, Fut>(limit: Duration, mut probe: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if probe().await {
            return Some(started.elapsed());
        }
        if started.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
