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

/// Requests per second from wrk (a separate, light C load generator, as the functions issue
/// measured with), or `None` when wrk is not installed (`apt-get install wrk`).
pub fn wrk_throughput(url: &str, token: &str, clients: usize, duration: Duration) -> Option<f64> {
    let threads = clients.min(2).to_string();
    let output = std::process::Command::new("wrk")
        .args(["-t", &threads, "-c", &clients.to_string(), "-d", &format!("{}s", duration.as_secs().max(1))])
        .args(["-H", &format!("Authorization: Bearer {token}"), url])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let failed = text.lines().any(|l| l.contains("Non-2xx or 3xx responses"));
    assert!(!failed, "{url}: wrk saw error responses:\n{text}");
    let line = text.lines().find(|l| l.starts_with("Requests/sec:"))?;
    line.trim_start_matches("Requests/sec:").trim().parse().ok()
}

/// Whether wrk is installed.
pub fn have_wrk() -> bool {
    std::process::Command::new("wrk").arg("--version").output().is_ok()
}
