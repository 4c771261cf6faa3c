//! Recent replies by request id, so a redelivered request is answered without running it again.
//!
//! The broker redelivers a request whose ack it did not see (the connection dropped). Its first
//! run may have finished (then the stored reply is sent again), may still be running (then the
//! redelivery waits for it), or may have been lost with the process (then it runs). A POST is
//! therefore not executed twice by one process within the window.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;

use stratus_core::cache::TtlCache;

/// An encoded reply, shared between a request and its redeliveries.
pub type Encoded = Arc<[u8]>;

/// Replies remembered for `window`, at most `capacity` of them (oldest forgotten first). Each
/// id's cell is stored before its run starts, so a redelivery finds the run in progress.
pub struct Replies {
    cells: TtlCache<String, Arc<OnceCell<Encoded>>>,
}

impl Replies {
    pub fn new(window: Duration, capacity: usize) -> Self {
        Self { cells: TtlCache::new(window, capacity) }
    }

    /// The reply for `id`: the remembered one, the one being computed, or `run()`'s.
    /// The flag says whether this call ran `run`.
    pub async fn get_or_run<F, Fut>(&self, id: &str, run: F) -> (Encoded, bool)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Encoded>,
    {
        let cell = self.cells.get_or_insert_with(id.to_owned(), || Arc::new(OnceCell::new()));
        let mut ran = false;
        let reply = cell
            .get_or_init(|| {
                ran = true;
                run()
            })
            .await
            .clone();
        (reply, ran)
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn encoded(text: &str) -> Encoded {
        Arc::from(text.as_bytes())
    }

    #[tokio::test]
    async fn a_second_delivery_gets_the_first_reply_without_running() {
        let replies = Replies::new(Duration::from_secs(60), 100);
        let (first, ran) = replies.get_or_run("m1", || async { encoded("one") }).await;
        assert!(ran);
        let (second, ran) = replies.get_or_run("m1", || async { encoded("two") }).await;
        assert!(!ran);
        assert_eq!((&*first, &*second), (&b"one"[..], &b"one"[..]));
    }

    #[tokio::test]
    async fn a_redelivery_waits_for_the_run_in_progress() {
        let replies = Arc::new(Replies::new(Duration::from_secs(60), 100));
        let runs = Arc::new(AtomicUsize::new(0));
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let (replies, runs) = (replies.clone(), runs.clone());
            tokio::spawn(async move {
                replies
                    .get_or_run("m1", || async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        wait.await.ok();
                        encoded("slow")
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        while runs.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let again = {
            let replies = replies.clone();
            tokio::spawn(async move { replies.get_or_run("m1", || async { encoded("again") }).await })
        };
        release.send(()).unwrap();
        assert_eq!(&*slow.await.unwrap().0, b"slow");
        assert_eq!(&*again.await.unwrap().0, b"slow");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn old_and_excess_ids_are_forgotten() {
        let replies = Replies::new(Duration::from_secs(60), 2);
        for id in ["a", "b", "c"] {
            replies.get_or_run(id, || async { encoded(id) }).await;
        }
        assert_eq!(replies.len(), 2);
        let (_, ran) = replies.get_or_run("a", || async { encoded("a2") }).await;
        assert!(ran, "the oldest id was forgotten");

        let short = Replies::new(Duration::ZERO, 100);
        short.get_or_run("x", || async { encoded("x") }).await;
        let (_, ran) = short.get_or_run("x", || async { encoded("x") }).await;
        assert!(ran);
    }
}
