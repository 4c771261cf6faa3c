//! Load generators: sequential latency and closed-loop throughput.

use std::time::{Duration, Instant};

use crate::stats::Summary;

/// Latency of `n` sequential GETs (after 50 warm-up calls).
pub async fn latency(client: &reqwest::Client, url: &str, token: &str, n: usize) -> Summary {
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 50 {
        let started = Instant::now();
        let response = client.get(url).bearer_auth(token).send().await.expect("request");
        assert!(response.status().is_success(), "{url}: {}", response.status());
        response.bytes().await.expect("body");
        if i >= 50 {
            samples.push(started.elapsed());
        }
    }
    Summary::of(&mut samples)
}

/// Requests per second that `clients` concurrent loops of GETs complete in `duration`.
pub async fn throughput(client: &reqwest::Client, url: &str, token: &str, clients: usize, duration: Duration) -> f64 {
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, token) = (client.clone(), url.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                let response = client.get(&url).bearer_auth(&token).send().await.expect("request");
                let ok = response.status().is_success();
                response.bytes().await.expect("body");
                if ok {
                    done += 1;
                }
            }
            done
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("client task");
    }
    total as f64 / duration.as_secs_f64()
}
