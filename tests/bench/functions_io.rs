//! Functions that do real work: a `fetch()` of JSON from a local upstream under the org's
//! egress policy, against the seed's Node express server doing the same fetch; and a function
//! of several files with `node_modules` (lodash, dayjs, uuid): deploy, cold start, warm call.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use serde_json::json;

use crate::functions::{create_with, first_call, race};
use crate::load::latency;
use crate::peers::start_node;
use crate::stats::Summary;

/// What the upstream answers (about 1 KiB of JSON, one field of which the functions return).
fn upstream_body() -> serde_json::Value {
    json!({ "value": 42, "items": (0..40).map(|i| json!({ "id": i, "name": format!("item {i}") })).collect::<Vec<_>>() })
}

async fn start_upstream() -> String {
    let body = upstream_body();
    let router = Router::new().route("/data", get(move || async move { axum::Json(body) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind upstream");
    let url = format!("http://{}/data", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await.expect("upstream") });
    url
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub async fn run(client: &reqwest::Client, base: &str, token: &str, provider: &str) {
    println!("== functions that fetch: Stratus vs the seed's Node express server, same upstream ==");
    let upstream = start_upstream().await;
    let policy = json!({ "allow": ["127.0.0.1/32"], "deny": [] });
    let put = client.put(format!("{base}/api/provider/orgs/acme/egress")).bearer_auth(provider).json(&policy);
    assert!(put.send().await.expect("egress").status().is_success(), "setting the egress policy");
    let stratus_code = format!(
        "export default {{ async fetch() {{ const r = await fetch('{upstream}'); const j = await r.json(); \
         return Response.json({{ value: j.value }}); }} }};\n"
    );
    create_with(client, base, token, json!({"name": "fetcher", "route": "fetcher", "code": stratus_code})).await;
    let mut targets = vec![("Stratus", format!("{base}/api/org/acme/fetcher"))];
    let node_code = format!(
        "module.exports = async () => {{ const r = await fetch('{upstream}'); const j = await r.json(); \
         return {{ value: j.value }}; }};\n"
    );
    let port = crate::server::free_port();
    let node = start_node(port, &node_code);
    match node {
        Some(_) => {
            let url = format!("http://127.0.0.1:{port}/");
            for _ in 0..600 {
                if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            targets.push(("Node", url));
        }
        None => println!("Node: could not be installed or started (npm); no ratio against it"),
    }
    race(client, token, &targets, &[1, 16]).await;
    drop(node);

    println!("== a function of several files with node_modules (lodash, dayjs, uuid) ==");
    let project = harness::npm::project("stratus-bench-deps", &["lodash@4.17.21", "dayjs@1.11.13", "uuid@11.1.0"]);
    let entry = "const _ = require('lodash');\nconst dayjs = require('dayjs');\nconst { v4 } = require('uuid');\n\
                 module.exports = async () => ({ n: _.sum([1, 2, 3]), day: dayjs('2026-01-31').format('DD'), id: v4().length });\n";
    let files = harness::npm::files(&project, &[("index.js", entry)]);
    let bytes: usize = files.values().map(String::len).sum();
    println!("{} files, {:.2} MiB of code", files.len(), bytes as f64 / (1024.0 * 1024.0));
    let (mut deploys, mut colds) = (Vec::new(), Vec::new());
    for i in 0..5 {
        let name = format!("deps{i}");
        let body = json!({ "name": name, "route": name, "files": files, "limits": { "memory_mb": 128 } });
        deploys.push(create_with(client, base, token, body).await);
        colds.push(first_call(client, &format!("{base}/api/org/acme/{name}"), token).await);
    }
    println!("create → ready (compile) {}", Summary::of(&mut deploys));
    println!("cold first call          {}", Summary::of(&mut colds));
    let warm = latency(client, &format!("{base}/api/org/acme/deps0"), token, 1_000).await;
    println!("warm call                {warm}  (p50 {:.3} ms)", ms(warm.p50));
}
