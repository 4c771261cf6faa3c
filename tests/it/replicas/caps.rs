//! Concurrency caps hold for the whole service: each live replica enforces its share,
//! `ceil(cap / live replicas)`, with no database round trip per call; when a replica dies the
//! others' shares grow back.

use std::time::Duration;

use harness::Db;
use harness::replicas::{ORG, Replicas};
use serde_json::Value;

use super::FAST;

/// Busy for 1.5 s, so that calls sent together overlap.
const SLOW: &str = "export default { fetch() { const t = Date.now(); while (Date.now() - t < 1500) {} \
                    return new Response('done'); } };";

/// The statuses of `calls` calls of `slow` sent at once, one per entry of `replicas`.
async fn together(r: &Replicas, replicas: &[usize]) -> Vec<u16> {
    let calls = replicas.iter().map(|&i| async move {
        let url = r.url(i, &format!("/api/org/{ORG}/slow"));
        r.client.get(url).bearer_auth(&r.token).send().await.expect("call").status().as_u16()
    });
    let mut statuses = futures_util::future::join_all(calls).await;
    statuses.sort_unstable();
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caps_are_shared_among_the_live_replicas() {
    let mut r = Replicas::start(Db::Postgres, 2, &FAST).await;
    let limits_url = r.url(0, &format!("/api/provider/orgs/{ORG}/limits"));
    let mut limits: Value =
        r.client.get(&limits_url).bearer_auth(&r.provider).send().await.unwrap().json().await.unwrap();
    limits["max_function_concurrency"] = 2.into();
    let put = r.client.put(&limits_url).bearer_auth(&r.provider).json(&limits).send().await.unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap_or_default());
    r.create_function(0, "slow", SLOW).await;
    r.wait_function(1, "slow").await;
    // Both replicas have beaten since the other started (a beat is 200 ms).
    tokio::time::sleep(Duration::from_secs(1)).await;

    assert_eq!(together(&r, &[0, 0]).await, [200, 429], "replica 0's share of a cap of 2 is 1");
    assert_eq!(together(&r, &[0, 1]).await, [200, 200], "one on each replica: the cap of 2 holds");

    // Replica 1 dies: after five missed beats replica 0 has the whole cap again.
    r.kill9(1).await;
    let started = std::time::Instant::now();
    while together(&r, &[0, 0]).await != [200, 200] {
        assert!(started.elapsed() < Duration::from_secs(20), "replica 0 never took the whole cap back");
    }
    eprintln!("replica 0 took the whole cap back {:?} after the kill", started.elapsed());
    assert_eq!(together(&r, &[0, 0, 0]).await, [200, 200, 429], "and no more than the cap");
    r.shutdown().await;
}
