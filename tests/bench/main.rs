//! `cargo xtask bench [area]`: prints figures; asserts nothing.
//!
//! Areas: `api` (request latency and throughput of the foundation endpoints on SQLite and
//! PostgreSQL, idle RSS of the `stratus` binary). Later features add theirs.

mod stats;

use std::time::{Duration, Instant};

use api_types::Role;
use harness::{Db, TestApp};
use stats::Summary;

#[tokio::main]
async fn main() {
    let area = std::env::args().nth(1).unwrap_or_else(|| "api".into());
    match area.as_str() {
        "api" | "all" => api().await,
        other => {
            eprintln!("unknown benchmark area '{other}': use api or all");
            std::process::exit(2);
        }
    }
}

async fn api() {
    println!("== api: foundation endpoints over real HTTP on loopback ==");
    for db in [Db::Sqlite, Db::Postgres] {
        let app = TestApp::start(db).await;
        stratus::demo::seed(&app.store, chrono::Utc::now().date_naive()).await.expect("seed");
        let token = app.token(Role::TenantAdmin, Some("acme")).await;
        for (name, path) in [
            ("healthz", "/healthz".to_owned()),
            ("me (token check)", "/api/me".to_owned()),
            ("costs by service, month", "/api/org/acme/showback/costs?group_by=service".to_owned()),
            ("costs by month, 13 months", "/api/org/acme/showback/costs?group_by=month&from=2025-10-01".to_owned()),
        ] {
            let sequential = latency(&app, &path, &token, 1_000).await;
            let rps = throughput(&app, &path, &token, 8, Duration::from_secs(2)).await;
            println!("{:<9} {name:<28} {sequential}  8 clients: {rps:>7.0} req/s", format!("{db:?}"));
        }
        app.shutdown().await;
    }
    idle_rss().await;
}

async fn latency(app: &TestApp, path: &str, token: &str, n: usize) -> Summary {
    let url = app.url(path);
    let mut samples = Vec::with_capacity(n);
    for i in 0..n + 50 {
        let started = Instant::now();
        let response = app.client.get(&url).bearer_auth(token).send().await.expect("request");
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.bytes().await.expect("body");
        if i >= 50 {
            samples.push(started.elapsed());
        }
    }
    Summary::of(&mut samples)
}

async fn throughput(app: &TestApp, path: &str, token: &str, clients: usize, duration: Duration) -> f64 {
    let url = app.url(path);
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, token) = (app.client.clone(), url.clone(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                let response = client.get(&url).bearer_auth(&token).send().await.expect("request");
                response.bytes().await.expect("body");
                done += 1;
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

/// Resident memory of an idle `stratus serve` (the binary beside this one).
async fn idle_rss() {
    let bin = harness::process::stratus_bin();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = tokio::process::Command::new(&bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start stratus serve");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = child.id().expect("pid");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: unknown");
    println!("idle `stratus serve` ({}): {}", bin.display(), rss.trim_start_matches("VmRSS:").trim());
    child.kill().await.ok();
}
