//! How accepted async jobs reach the replicas that run them. The job's row is the truth (who
//! may start it, how it ended); a queue only tells replicas when to look. Two engines: RabbitMQ
//! (in the backend: competing consumers, manual acks, a delay queue for retries and a
//! dead-letter queue) where it is configured, and [`DbQueue`] (replicas poll the table) where not.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::cluster::{Coherence, Invalidation};

/// Why a queue could not take a message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct QueueError(pub String);

pub type QueueFuture<'a> = Pin<Box<dyn Future<Output = Result<(), QueueError>> + Send + 'a>>;

/// A queue engine.
pub trait JobQueue: Send + Sync {
    /// `database` or `rabbitmq`.
    fn kind(&self) -> &'static str;

    /// Announces job `id`, to start after `delay`. Called once its row is committed; a message
    /// that is lost is found again by the sweeper (see `AsyncJobs::sweep`).
    fn publish<'a>(&'a self, id: &'a str, delay: Duration) -> QueueFuture<'a>;

    /// Job `id` ran out of attempts (its row is `dead` already): it goes where dead letters go.
    fn dead_letter<'a>(&'a self, id: &'a str) -> QueueFuture<'a>;

    /// Whether replicas poll the table themselves (then `AsyncJobs` runs its database consumer).
    fn polls_database(&self) -> bool {
        false
    }
}

/// The database queue: every replica polls the job table (`FOR UPDATE SKIP LOCKED` on
/// PostgreSQL), woken at once by a publish here and, on PostgreSQL, by the coherence channel's
/// `jobs_due` announcement from other replicas. Dead letters stay in the table as `dead` rows.
pub struct DbQueue {
    coherence: Arc<Coherence>,
    wake: Arc<Notify>,
}

impl DbQueue {
    /// A queue that wakes `wake` (the database consumer's) on every publish, here or on another
    /// replica.
    pub fn new(coherence: Arc<Coherence>, wake: Arc<Notify>) -> Self {
        let woken = Arc::clone(&wake);
        coherence.subscribe(move |change| {
            if *change == Invalidation::JobsDue {
                woken.notify_one();
            }
        });
        Self { coherence, wake }
    }
}

impl JobQueue for DbQueue {
    fn kind(&self) -> &'static str {
        "database"
    }

    fn publish<'a>(&'a self, _id: &'a str, delay: Duration) -> QueueFuture<'a> {
        Box::pin(async move {
            // A delayed job is found by a later poll; one due now is worth waking everyone for.
            if delay.is_zero() {
                self.wake.notify_one();
                self.coherence.announce(&Invalidation::JobsDue).await;
            }
            Ok(())
        })
    }

    fn dead_letter<'a>(&'a self, _id: &'a str) -> QueueFuture<'a> {
        Box::pin(async { Ok(()) })
    }

    fn polls_database(&self) -> bool {
        true
    }
}
