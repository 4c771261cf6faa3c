//! Writes invocation history in batches, off the call path.
//!
//! A call only appends its row to a shared buffer under a short lock: the writer is not woken
//! per call (a wake-up per call costs a thread hand-off, often a futex), only when a batch is
//! full or someone waits for a flush. Otherwise it writes what piled up every [`LINGER`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};

use crate::store::{InvocationRow, Store};

/// Most rows written in one transaction.
const BATCH: usize = 500;
/// How long a row may wait before it is written.
const LINGER: Duration = Duration::from_millis(200);
/// Rows held at most while the database is slow; later rows are dropped (and logged).
const CAPACITY: usize = 20_000;
/// Finished invocations kept per function.
const KEEP_PER_FUNCTION: i64 = 1_000;

#[derive(Default)]
struct Queue {
    rows: Vec<InvocationRow>,
    /// Flushes waiting, each with the number of rows queued before it still to be written.
    waiting: Vec<(usize, oneshot::Sender<()>)>,
    /// The last handle is gone: write what is left and stop.
    closed: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Closes the queue when the last [`Recorder`] clone is dropped.
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
    }
}

/// A handle to the background writer.
#[derive(Clone)]
pub struct Recorder {
    handle: Arc<Handle>,
}

impl Recorder {
    /// Starts the writer task.
    pub fn start(store: Store) -> Self {
        let shared = Arc::new(Shared::default());
        tokio::spawn(write_loop(store, Arc::clone(&shared)));
        Self { handle: Arc::new(Handle { shared }) }
    }

    /// Queues a row; never waits. When the queue is full the row is dropped and logged.
    pub fn record(&self, row: InvocationRow) {
        let shared = &self.handle.shared;
        let full = {
            let mut queue = shared.lock();
            if queue.rows.len() >= CAPACITY {
                drop(queue);
                tracing::warn!("invocation history queue full; a record was dropped");
                return;
            }
            queue.rows.push(row);
            queue.rows.len() == BATCH
        };
        if full {
            shared.wake.notify_one();
        }
    }

    /// Returns once everything queued before the call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        {
            let mut queue = self.handle.shared.lock();
            let ahead = queue.rows.len();
            queue.waiting.push((ahead, done));
        }
        self.handle.shared.wake.notify_one();
        let _ = wait.await;
    }
}

async fn write_loop(store: Store, shared: Arc<Shared>) {
    let mut since_prune = 0usize;
    loop {
        // A notification sent while the last batch was being written is kept, so no wake-up is
        // lost; without one, whatever piled up is written after LINGER.
        let _ = tokio::time::timeout(LINGER, shared.wake.notified()).await;
        loop {
            let (rows, waiting, closed) = {
                let mut queue = shared.lock();
                let take = queue.rows.len().min(BATCH);
                let rows: Vec<InvocationRow> = queue.rows.drain(..take).collect();
                // A flush is answered once the rows queued before it are written.
                let mut answered = Vec::new();
                for (ahead, done) in std::mem::take(&mut queue.waiting) {
                    match ahead.checked_sub(take) {
                        Some(left) if left > 0 => queue.waiting.push((left, done)),
                        _ => answered.push(done),
                    }
                }
                (rows, answered, queue.closed && queue.rows.is_empty())
            };
            if !rows.is_empty() {
                if let Err(err) = store.save_invocations(&rows).await {
                    tracing::error!(%err, rows = rows.len(), "writing invocation history failed");
                }
                since_prune += rows.len();
            }
            for done in waiting {
                let _ = done.send(());
            }
            if since_prune >= 10_000 {
                since_prune = 0;
                if let Err(err) = store.prune_invocations(KEEP_PER_FUNCTION).await {
                    tracing::warn!(%err, "pruning invocation history failed");
                }
            }
            if closed {
                return;
            }
            if rows.len() < BATCH {
                break;
            }
        }
    }
}
