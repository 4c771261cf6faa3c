//! Foundation endpoints over real HTTP on loopback, and the idle footprint of `stratus serve`.

use std::time::Duration;

use api_types::Role;
use harness::{Db, TestApp};

use crate::load::{latency, throughput};

pub async fn run() {
    println!("== api: foundation endpoints over real HTTP on loopback ==");
    for db in [Db::Sqlite, Db::Postgres] {
        let app = TestApp::start(db).await;
        stratus_core::demo::seed(&app.store, chrono::Utc::now().date_naive()).await.expect("seed");
        let token = app.token(Role::TenantAdmin, Some("acme")).await;
        for (name, path) in [
            ("healthz", "/healthz".to_owned()),
            ("me (token check)", "/api/me".to_owned()),
            ("costs by service, month", "/api/org/acme/showback/costs?group_by=service".to_owned()),
            ("costs by month, 13 months", "/api/org/acme/showback/costs?group_by=month&from=2025-10-01".to_owned()),
        ] {
            let sequential = latency(&app.client, &app.url(&path), &token, 1_000).await;
            let rps = throughput(&app.client, &app.url(&path), &token, 8, Duration::from_secs(2)).await;
            println!("{:<9} {name:<28} {sequential}  8 clients: {rps:>7.0} req/s", format!("{db:?}"));
        }
        app.shutdown().await;
    }
    idle_rss().await;
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
