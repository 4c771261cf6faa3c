//! The reply memory of the AMQP bridge (vCD's legacy API extensions), shared by every replica.
//!
//! The broker redelivers a request whose ack it did not see, possibly to another replica. The
//! bridge looks here before running a request and stores the reply after running it and before
//! acknowledging, so a redelivery anywhere replays the first run's reply instead of running the
//! request again. Replies are kept for the replay window (vCD has long given up on a request by
//! then), then pruned.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::Store;
use crate::dates::now_millis;

/// How often replies older than the window are deleted, at most.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Replies by request id, kept in the database for `window`. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AmqpReplies {
    store: Store,
    window: Duration,
}

impl AmqpReplies {
    pub fn new(store: Store, window: Duration) -> Self {
        Self { store, window }
    }

    /// The oldest reply (epoch ms) still replayed at `now`.
    fn since(&self, now: i64) -> i64 {
        now.saturating_sub(i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX))
    }

    /// The reply stored for `request_id` within the window.
    pub async fn find(&self, request_id: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
        self.store.find_amqp_reply(request_id, self.since(now_millis())).await
    }

    /// Stores `reply` for `request_id`; returns the reply every delivery of the request gets:
    /// this one, or the one a concurrent run (on another replica) stored first.
    pub async fn keep(&self, request_id: &str, reply: &[u8]) -> Result<Vec<u8>, sqlx::Error> {
        let now = now_millis();
        self.store.keep_amqp_reply(request_id, reply, now, self.since(now)).await
    }

    /// Deletes the replies older than the window; returns how many.
    pub async fn prune(&self) -> Result<u64, sqlx::Error> {
        self.store.prune_amqp_replies(self.since(now_millis())).await
    }

    /// Prunes every window (at most every minute, at least every second) for as long as the
    /// process lives; the caller aborts the task when the bridge stops.
    pub fn spawn_pruning(&self) -> JoinHandle<()> {
        let this = self.clone();
        let every = self.window.clamp(Duration::from_secs(1), PRUNE_EVERY);
        crate::periodic::every(every, "pruning old AMQP replies", move || {
            let this = this.clone();
            async move { this.prune().await.map(|_| ()) }
        })
    }
}
