//! Replies by request id, so a redelivered request is answered without running it again, by
//! whichever replica the broker hands it to.
//!
//! The broker redelivers a request whose ack it did not see (the connection dropped, or the
//! replica died). Its first run may have finished (then the stored reply is sent again), may
//! still be running in this process (then the redelivery waits for it), or may have been lost
//! with its process (then it runs). Two layers:
//! - the database ([`AmqpReplies`], every replica's): looked up before a request runs, written
//!   after it ran and before its ack, so a redelivery to any replica replays the reply;
//! - a cell per id in this process, stored before the run starts: a redelivery to the same
//!   process waits for the run in progress, and a finished one is replayed without a query.
//!
//! What remains: a redelivery that reaches another replica while the first run is still going
//! (its replica lost the connection but lives on) runs again; both runs' deliveries then get
//! the reply stored first.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;

use stratus_core::amqp_replies::AmqpReplies;
use stratus_core::cache::TtlCache;

/// An encoded reply, shared between a request and its redeliveries.
pub type Encoded = Arc<[u8]>;

/// How a reply came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// This call ran the request.
    Ran,
    /// An earlier run's reply, from this process or from the database.
    Replayed,
}

/// Replies remembered for `window`: in the database for every replica, and in this process at
/// most `capacity` of them (oldest forgotten first).
pub struct Replies {
    cells: TtlCache<String, Arc<OnceCell<Encoded>>>,
    shared: AmqpReplies,
}

impl Replies {
    pub fn new(shared: AmqpReplies, window: Duration, capacity: usize) -> Self {
        Self { cells: TtlCache::new(window, capacity), shared }
    }

    /// The reply for `id`: the remembered one, the one being computed here, or `run()`'s (stored
    /// for the other replicas before it is returned). An error means the database could not be
    /// asked before running: nothing ran and nothing is remembered.
    pub async fn get_or_run<F, Fut>(&self, id: &str, run: F) -> Result<(Encoded, Origin), sqlx::Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Encoded>,
    {
        let cell = self.cells.get_or_insert_with(id.to_owned(), || Arc::new(OnceCell::new()));
        let mut origin = Origin::Replayed;
        let ran = &mut origin;
        let reply = cell
            .get_or_try_init(|| async move {
                if let Some(stored) = self.shared.find(id).await? {
                    return Ok::<_, sqlx::Error>(Encoded::from(stored));
                }
                *ran = Origin::Ran;
                let reply = run().await;
                match self.shared.keep(id, &reply).await {
                    Ok(stored) if *stored == *reply => Ok(reply),
                    Ok(stored) => {
                        tracing::info!(%id, "another replica ran this request too; its stored reply is sent");
                        Ok(Encoded::from(stored))
                    }
                    Err(err) => {
                        // The reply is still sent; only a redelivery to another replica would
                        // not find it.
                        tracing::warn!(%err, %id, "could not store a reply for the other replicas");
                        Ok(reply)
                    }
                }
            })
            .await?
            .clone();
        Ok((reply, origin))
    }

    /// How many ids this process remembers.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}
