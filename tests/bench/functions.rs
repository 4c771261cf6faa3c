//! Functions: deploy time, cold and warm calls, throughput — and, in the same run and in
//! alternating rounds, the peers serving the same hello (`peers`): the seed's Node express
//! server and Cloudflare's workerd, with Stratus/Node and Stratus/workerd ratios.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::load::{have_wrk, latency, throughput, wrk_throughput};
use crate::peers::{start_node, start_workerd};
use crate::server::{BenchServer, free_port, wait_ready};
use crate::stats::Summary;

const HELLO: &str = "module.exports = async (event, context) => ({ hello: 'world' });\n";
/// The same hello in the Workers shape, for Stratus and workerd.
const WORKERS_HELLO: &str = "export default { async fetch() { return Response.json({ hello: 'world' }); } };\n";

/// Client counts of the throughput rounds.
const CLIENTS: [usize; 3] = [1, 16, 64];
/// Length of one throughput round.
const ROUND: Duration = Duration::from_secs(3);
/// Rounds per server and client count, taken in turns; the median round is reported.
const ROUNDS: usize = 3;

pub(crate) async fn create_with(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: serde_json::Value,
) -> Duration {
    let name = body["name"].as_str().unwrap_or_default().to_owned();
    let started = Instant::now();
    let r = client.post(format!("{base}/api/org/acme/functions")).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 202, "{name}: {}", r.text().await.unwrap_or_default());
    wait_deployed(client, base, token, &name).await;
    started.elapsed()
}

async fn create(client: &reqwest::Client, base: &str, token: &str, name: &str) -> Duration {
    create_with(client, base, token, json!({"name": name, "route": name, "code": HELLO})).await
}

/// Polls a function until it is ready (panics when it failed).
async fn wait_deployed(client: &reqwest::Client, base: &str, token: &str, name: &str) {
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
            Some("ready") => return,
            Some("initializing") => tokio::time::sleep(Duration::from_micros(500)).await,
            other => panic!("{name}: {other:?} {f}"),
        }
    }
}

pub(crate) async fn first_call(client: &reqwest::Client, url: &str, token: &str) -> Duration {
    let started = Instant::now();
    let r = client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap();
    started.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The release server with the org's concurrency caps lifted: Node has none, so the throughput
/// figures compare the same thing (the defaults are 64 per org and 32 per function).
async fn start_uncapped() -> BenchServer {
    let server = BenchServer::start("stratus-bench", true).await;
    println!("data and server log in {}", server.data.path().display());
    server
        .set_limits(json!({"max_memory_mb": 256, "max_timeout_ms": 30000, "default_memory_mb": 64,
            "default_timeout_ms": 5000, "max_concurrency": 1000, "max_function_concurrency": 1000,
            "max_request_bytes": 6291456, "max_response_bytes": 6291456, "max_functions": 200}))
        .await;
    server
}

/// Only the comparison with the peers (`cargo xtask bench functions-peers`), with the stages.
pub async fn run_peers() {
    println!("== functions: Stratus (release, separate process) vs the seed's Node express server and workerd ==");
    let mut server = start_uncapped().await;
    let (client, base, token) = (server.client.clone(), server.base.clone(), server.token.clone());
    compare(&client, &base, &token).await;
    server.stop().await;
}

pub async fn run() {
    println!("== functions: Stratus (release, separate process) vs the seed's Node express server and workerd ==");
    let mut server = start_uncapped().await;
    let (client, base, token) = (server.client.clone(), server.base.clone(), server.token.clone());
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

    compare(&client, &base, &token).await;
    crate::functions_io::run(&client, &base, &token, &server.provider).await;

    server.stop().await;
    let restarted = Instant::now();
    server.launch().await;
    let ready_after = restarted.elapsed();
    let after_restart = first_call(&client, &hello, &token).await;
    println!("restart → ready {:.1} ms; first call after restart {:.3} ms", ms(ready_after), ms(after_restart));
    server.stop().await;
}

/// Stratus (the Workers-shaped hello, sandboxed and limited as every call) against the peers
/// that start: p50/p99 at one client, then throughput rounds at each client count, the servers
/// taking turns within each count so that a slower stretch of the machine hits them alike.
async fn compare(client: &reqwest::Client, base: &str, token: &str) {
    let mut targets = vec![("Stratus", format!("{base}/api/org/acme/workers-hello"), None)];
    let body = json!({"name": "workers-hello", "route": "workers-hello", "code": WORKERS_HELLO});
    let created = client.post(format!("{base}/api/org/acme/functions")).bearer_auth(token).json(&body).send().await;
    assert_eq!(created.unwrap().status(), 202);
    wait_ready_with(client, &targets[0].1, token).await;
    crate::stages::breakdown(client, &targets[0].1, &format!("{base}/healthz"), token, 2_000).await;
    let (node_port, workerd_port) = (free_port(), free_port());
    for (name, port, child) in [
        ("Node", node_port, start_node(node_port, HELLO)),
        ("workerd", workerd_port, start_workerd(workerd_port, WORKERS_HELLO)),
    ] {
        match child {
            Some(child) => {
                let url = format!("http://127.0.0.1:{port}/");
                wait_ready(client, &url).await;
                targets.push((name, url, Some(child)));
            }
            None => println!("{name}: could not be installed or started (npm); no ratios against it"),
        }
    }
    let named: Vec<(&str, String)> = targets.iter().map(|(name, url, _)| (*name, url.clone())).collect();
    race(client, token, &named, &CLIENTS).await;
    for (_, _, child) in &mut targets {
        if let Some(child) = child {
            child.kill().await.ok();
        }
    }
}

/// p50/p99 of each target at one client (the first target is Stratus, the others its peers),
/// then throughput rounds at each client count, the targets taking turns within each count so
/// that a slower stretch of the machine hits them alike; prints Stratus/peer ratios.
pub(crate) async fn race(client: &reqwest::Client, token: &str, targets: &[(&str, String)], clients: &[usize]) {
    let mut p50 = Vec::new();
    for (name, url) in targets {
        let one = latency(client, url, token, 2_000).await;
        println!("{name:<8} 1 client   {one}");
        p50.push(one.p50.as_secs_f64());
    }
    for (i, (name, _)) in targets.iter().enumerate().skip(1) {
        println!("latency ratio Stratus/{name} p50: {:.2} (above 1: Stratus is slower)", p50[0] / p50[i]);
    }
    let wrk = have_wrk();
    println!(
        "load generator: {}",
        if wrk {
            "wrk (a separate process)"
        } else {
            "in-process reqwest (install wrk for lighter load: apt-get install wrk)"
        }
    );
    for &clients in clients {
        let mut rounds = vec![Vec::new(); targets.len()];
        for _round in 0..ROUNDS {
            for (i, (_, url)) in targets.iter().enumerate() {
                let round = match wrk.then(|| wrk_throughput(url, token, clients, ROUND)).flatten() {
                    Some(rate) => rate,
                    None => throughput(client, url, token, clients, ROUND).await,
                };
                rounds[i].push(round);
            }
        }
        // The median round of each server.
        let rps: Vec<f64> = rounds
            .iter_mut()
            .map(|r| {
                r.sort_by(f64::total_cmp);
                r[r.len() / 2]
            })
            .collect();
        let mut line = format!("{clients:>2} clients:");
        for (i, (name, _)) in targets.iter().enumerate() {
            line.push_str(&format!("  {name} {:>7.0} req/s", rps[i]));
        }
        for (i, (name, _)) in targets.iter().enumerate().skip(1) {
            line.push_str(&format!("  Stratus/{name} {:.2}", rps[0] / rps[i]));
        }
        println!("{line}");
    }
}

/// Waits until `url` answers 200 with `token`.
pub(crate) async fn wait_ready_with(client: &reqwest::Client, url: &str, token: &str) {
    for _ in 0..3000 {
        if client.get(url).bearer_auth(token).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{url} never answered");
}
