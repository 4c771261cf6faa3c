//! The reply memory on its own: a redelivery to this process or to another one on the same
//! database replays the first run's reply; nothing runs when the database cannot be asked.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use stratus::host::amqp::replies::{Encoded, Origin, Replies};
use stratus_core::amqp_replies::AmqpReplies;
use stratus_core::store::Store;

fn encoded(text: &str) -> Encoded {
    Arc::from(text.as_bytes())
}

async fn database() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&stratus_core::sqlite_url(&dir.path().join("t.db"))).await.unwrap();
    store.migrate().await.unwrap();
    (dir, store)
}

fn replies(store: &Store, window: Duration, capacity: usize) -> Replies {
    Replies::new(AmqpReplies::new(store.clone(), window), window, capacity)
}

#[tokio::test]
async fn a_second_delivery_gets_the_first_reply_without_running() {
    let (_dir, store) = database().await;
    let replies = replies(&store, Duration::from_secs(60), 100);
    let (first, origin) = replies.get_or_run("m1", || async { encoded("one") }).await.unwrap();
    assert_eq!(origin, Origin::Ran);
    let (second, origin) = replies.get_or_run("m1", || async { encoded("two") }).await.unwrap();
    assert_eq!(origin, Origin::Replayed);
    assert_eq!((&*first, &*second), (&b"one"[..], &b"one"[..]));
}

#[tokio::test]
async fn another_process_replays_the_stored_reply() {
    let (_dir, store) = database().await;
    let a = replies(&store, Duration::from_secs(60), 100);
    let b = replies(&store, Duration::from_secs(60), 100);
    a.get_or_run("m1", || async { encoded("from a") }).await.unwrap();
    let (reply, origin) = b.get_or_run("m1", || async { encoded("from b") }).await.unwrap();
    assert_eq!((&*reply, origin), (&b"from a"[..], Origin::Replayed));
    // Both ran (a redelivery overtook the first run): both send the reply stored first.
    let (reply, origin) = b
        .get_or_run("m2", || async {
            a.get_or_run("m2", || async { encoded("a first") }).await.unwrap();
            encoded("b second")
        })
        .await
        .unwrap();
    assert_eq!((&*reply, origin), (&b"a first"[..], Origin::Ran));
}

#[tokio::test]
async fn a_redelivery_waits_for_the_run_in_progress() {
    let (_dir, store) = database().await;
    let replies = Arc::new(replies(&store, Duration::from_secs(60), 100));
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
    while runs.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    let again = {
        let replies = replies.clone();
        tokio::spawn(async move { replies.get_or_run("m1", || async { encoded("again") }).await })
    };
    release.send(()).unwrap();
    assert_eq!(&*slow.await.unwrap().unwrap().0, b"slow");
    assert_eq!(&*again.await.unwrap().unwrap().0, b"slow");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn replies_older_than_the_window_run_again() {
    let (_dir, store) = database().await;
    let short = replies(&store, Duration::ZERO, 100);
    short.get_or_run("x", || async { encoded("x") }).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (_, origin) = short.get_or_run("x", || async { encoded("x") }).await.unwrap();
    assert_eq!(origin, Origin::Ran, "a reply older than the window is not replayed");
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(AmqpReplies::new(store.clone(), Duration::ZERO).prune().await.unwrap(), 1, "and is pruned");
    assert_eq!(AmqpReplies::new(store, Duration::from_secs(60)).find("x").await.unwrap(), None);
}

#[tokio::test]
async fn this_process_forgets_its_oldest_cells_first() {
    let (_dir, store) = database().await;
    let replies = replies(&store, Duration::from_secs(60), 2);
    for id in ["a", "b", "c"] {
        replies.get_or_run(id, || async { encoded(id) }).await.unwrap();
    }
    assert_eq!(replies.len(), 2);
    let (reply, origin) = replies.get_or_run("a", || async { encoded("a2") }).await.unwrap();
    assert_eq!((&*reply, origin), (&b"a"[..], Origin::Replayed), "the database still has it");
}

#[tokio::test]
async fn a_database_that_does_not_answer_runs_nothing() {
    let (_dir, store) = database().await;
    let replies = replies(&store, Duration::from_secs(60), 100);
    store.close().await;
    let runs = AtomicUsize::new(0);
    let result = replies
        .get_or_run("m1", || async {
            runs.fetch_add(1, Ordering::SeqCst);
            encoded("ran")
        })
        .await;
    assert!(result.is_err());
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}
