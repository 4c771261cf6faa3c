//! Writes invocation history in batches, off the call path.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::store::{InvocationRow, Store};

/// Most rows written in one transaction.
const BATCH: usize = 500;
/// How long a row may wait before it is written.
const LINGER: Duration = Duration::from_millis(200);
/// Finished invocations kept per function.
const KEEP_PER_FUNCTION: i64 = 1_000;

enum Command {
    Record(Box<InvocationRow>),
    Flush(oneshot::Sender<()>),
}

/// A handle to the background writer.
#[derive(Clone)]
pub struct Recorder {
    tx: mpsc::Sender<Command>,
}

impl Recorder {
    /// Starts the writer task.
    pub fn start(store: Store) -> Self {
        let (tx, rx) = mpsc::channel(20_000);
        tokio::spawn(write_loop(store, rx));
        Self { tx }
    }

    /// Queues a row; never waits. When the queue is full the row is dropped and logged.
    pub fn record(&self, row: InvocationRow) {
        if self.tx.try_send(Command::Record(Box::new(row))).is_err() {
            tracing::warn!("invocation history queue full; a record was dropped");
        }
    }

    /// Returns once everything queued before the call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Command::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_loop(store: Store, mut rx: mpsc::Receiver<Command>) {
    let mut batch: Vec<InvocationRow> = Vec::new();
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    let mut deadline = Instant::now();
    let mut since_prune = 0usize;
    let mut open = true;
    while open {
        // `None` means: the first queued row has waited long enough.
        let next = if batch.is_empty() {
            rx.recv().await
        } else {
            tokio::time::timeout_at(deadline, rx.recv()).await.unwrap_or_default()
        };
        let write_now = match next {
            Some(Command::Record(row)) => {
                if batch.is_empty() {
                    deadline = Instant::now() + LINGER;
                }
                batch.push(*row);
                batch.len() >= BATCH
            }
            Some(Command::Flush(done)) => {
                waiting.push(done);
                true
            }
            None if batch.is_empty() => {
                open = false;
                true
            }
            None => true,
        };
        if !write_now {
            continue;
        }
        if !batch.is_empty() {
            if let Err(err) = store.save_invocations(&batch).await {
                tracing::error!(%err, rows = batch.len(), "writing invocation history failed");
            }
            since_prune += batch.len();
            batch.clear();
        }
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
        if since_prune >= 10_000 {
            since_prune = 0;
            if let Err(err) = store.prune_invocations(KEEP_PER_FUNCTION).await {
                tracing::warn!(%err, "pruning invocation history failed");
            }
        }
    }
}
