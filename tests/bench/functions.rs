//! Functions: deploy time, cold and warm calls, throughput — and, in the same run, the seed's
//! architecture for the same handler (a Node.js express `server.js` requiring `handler.js`, as
//! the seed's container did, minus Docker), with Stratus/Node ratios.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::process::{Child, Command};

use crate::load::{latency, throughput};
use crate::stats::Summary;

const HELLO: &str = "module.exports = async (event, context) => ({ hello: 'world' });\n";

const SERVER_JS: &str = r#"// The seed's function container: express serving handler.js.
const express = require('express');
const handler = require('./handler');
const app = express();
app.use(express.text({ type: '*/*' }));
app.all('*', async (req, res) => {
  const event = { body: req.body, headers: req.headers, method: req.method, query: req.query, path: req.path };
  const context = {};
  try {
    const result = await handler(event, context);
    res.status(200).json(result);
  } catch (e) {
    res.status(500).send(String(e));
  }
});
app.listen(Number(process.env.PORT), '127.0.0.1');
"#;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

async fn wait_ready(client: &reqwest::Client, url: &str) {
    for _ in 0..600 {
        if client.get(url).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{url} never became ready");
}

async fn start_stratus(data_dir: &Path, port: u16) -> Child {
    Command::new(harness::process::stratus_bin())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .env("STRATUS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(data_dir.join("server.log")).map_or_else(|_| Stdio::null(), Stdio::from))
        .kill_on_drop(true)
        .spawn()
        .expect("start stratus")
}

/// Installs express into target/bench-node once, writes the seed's files, starts node.
async fn start_node(port: u16) -> Option<Child> {
    let dir: PathBuf = harness::workspace_root().join("target").join("bench-node");
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(dir.join("server.js"), SERVER_JS).ok()?;
    std::fs::write(dir.join("handler.js"), HELLO).ok()?;
    if !dir.join("node_modules").join("express").is_dir() {
        std::fs::write(dir.join("package.json"), r#"{"name":"seed-function","private":true}"#).ok()?;
        let status = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "express@4"])
            .current_dir(&dir)
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
    }
    Command::new("node")
        .arg("server.js")
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()
}

async fn create(client: &reqwest::Client, base: &str, token: &str, name: &str) -> Duration {
    let started = Instant::now();
    let body = json!({"name": name, "route": name, "code": HELLO});
    let r = client.post(format!("{base}/api/org/acme/functions")).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 202, "{name}: {}", r.text().await.unwrap_or_default());
    loop {
        let f: serde_json::Value = client
            .get(format!("{base}/api/org/acme/functions/{name}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match f["status"].as_str() {
            Some("ready") => return started.elapsed(),
            Some("initializing") => tokio::time::sleep(Duration::from_micros(500)).await,
            other => panic!("{name}: {other:?} {f}"),
        }
    }
}

async fn first_call(client: &reqwest::Client, url: &str, token: &str) -> Duration {
    let started = Instant::now();
    let r = client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap();
    started.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub async fn run() {
    println!("== functions: Stratus (release, separate process) vs the seed's Node express server ==");
    let data = tempfile::Builder::new().prefix("stratus-bench").disable_cleanup(true).tempdir().expect("temp dir");
    println!("data and server log in {}", data.path().display());
    let data_dir = data.path().to_str().unwrap();
    let out = harness::process::run_stratus(
        &["token", "create", "--org", "acme", "--role", "tenant-admin", "--data-dir", data_dir],
        &[],
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let out = harness::process::run_stratus(&["token", "create", "--role", "provider", "--data-dir", data_dir], &[]);
    let provider = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start_stratus(data.path(), port).await;
    wait_ready(&client, &format!("{base}/readyz")).await;

    // Node has no concurrency caps; lift the org's (defaults 64 per org, 32 per function) so the
    // throughput figures compare the same thing.
    let limits = json!({"max_memory_mb": 256, "max_timeout_ms": 30000, "default_memory_mb": 64,
        "default_timeout_ms": 5000, "max_concurrency": 1000, "max_function_concurrency": 1000,
        "max_request_bytes": 6291456, "max_response_bytes": 6291456, "max_functions": 200});
    let put = client.put(format!("{base}/api/provider/orgs/acme/limits")).bearer_auth(&provider).json(&limits);
    assert!(put.send().await.unwrap().status().is_success(), "raising the org's concurrency caps");
    let mut deploys = Vec::new();
    let mut colds = Vec::new();
    for i in 0..20 {
        let name = format!("hello{i}");
        deploys.push(create(&client, &base, &token, &name).await);
        colds.push(first_call(&client, &format!("{base}/api/org/acme/{name}"), &token).await);
    }
    let deploy = Summary::of(&mut deploys);
    let cold = Summary::of(&mut colds);
    println!("create → ready          {deploy}");
    println!("first call after deploy {cold}");

    let hello = format!("{base}/api/org/acme/hello0");
    let warm = latency(&client, &hello, &token, 2_000).await;
    let baseline = latency(&client, &format!("{base}/healthz"), &token, 2_000).await;
    println!("warm call via gateway   {warm}");
    println!("/healthz (HTTP floor)   {baseline}");
    println!(
        "added by gateway+sandbox: p50 {:.3} ms, p99 {:.3} ms",
        ms(warm.p50.saturating_sub(baseline.p50)),
        ms(warm.p99.saturating_sub(baseline.p99))
    );

    let node_port = free_port();
    let node = start_node(node_port).await;
    let node_url = format!("http://127.0.0.1:{node_port}/");
    if node.is_some() {
        wait_ready(&client, &node_url).await;
        let node_warm = latency(&client, &node_url, &token, 2_000).await;
        println!("node express warm call  {node_warm}");
        println!("latency ratio Stratus/Node p50: {:.2}", warm.p50.as_secs_f64() / node_warm.p50.as_secs_f64());
    } else {
        println!("node express: could not be started (npm install express failed); no ratios");
    }
    for clients in [1, 8, 64] {
        let stratus = throughput(&client, &hello, &token, clients, Duration::from_secs(3)).await;
        if node.is_some() {
            let node_rps = throughput(&client, &node_url, &token, clients, Duration::from_secs(3)).await;
            println!(
                "{clients:>2} clients: Stratus {stratus:>8.0} req/s  Node {node_rps:>8.0} req/s  ratio {:.2}",
                stratus / node_rps
            );
        } else {
            println!("{clients:>2} clients: Stratus {stratus:>8.0} req/s");
        }
    }

    server.kill().await.ok();
    let mut server = start_stratus(data.path(), port).await;
    let restarted = Instant::now();
    wait_ready(&client, &format!("{base}/readyz")).await;
    let ready_after = restarted.elapsed();
    let after_restart = first_call(&client, &hello, &token).await;
    println!("restart → ready {:.1} ms; first call after restart {:.3} ms", ms(ready_after), ms(after_restart));
    server.kill().await.ok();
    if let Some(mut node) = node {
        node.kill().await.ok();
    }
}
