//! Content packages: export, archive, verify and plan of an org with 500 functions, and the
//! plan of that package against a target where 1 of the 500 changed. The server deploys the
//! functions; the package steps run in-process on the same database, as the CLI runs them.

use std::time::{Duration, Instant};

use package::{Caps, Package, Policy, SigningKey, TrustedKey, verify};
use serde_json::json;

use crate::functions::create_with;
use crate::server::BenchServer;
use crate::stats::Summary;

const FUNCTIONS: usize = 500;
const ROUNDS: usize = 7;

fn code(i: usize) -> String {
    format!(
        "// function {i}\nconst greeting = 'hello from {i}';\nmodule.exports = async (event) => {{\n  \
         const name = (event.query && event.query.name) || 'world';\n  return {{ greeting, name, n: {i} }};\n}};\n"
    )
}

async fn timed<T, F: Future<Output = T>>(label: &str, mut step: impl FnMut() -> F) -> T {
    let mut samples = Vec::new();
    let mut last = None;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        last = Some(step().await);
        samples.push(started.elapsed());
    }
    println!("{label:<34} {}", Summary::of(&mut samples));
    last.expect("at least one round")
}

pub async fn run() {
    println!("== content packages: {FUNCTIONS} functions ==");
    let mut server = BenchServer::start("stratus-bench-lifecycle", false).await;
    let (client, base, token) = (server.client.clone(), server.base.clone(), server.token.clone());
    server
        .set_limits(json!({"max_memory_mb": 256, "max_timeout_ms": 30000, "default_memory_mb": 64,
            "default_timeout_ms": 5000, "max_concurrency": 64, "max_function_concurrency": 32,
            "max_request_bytes": 6291456, "max_response_bytes": 6291456, "max_functions": 1000}))
        .await;
    let started = Instant::now();
    for i in 0..FUNCTIONS {
        let name = format!("fn{i:03}");
        let body = json!({ "name": name, "route": name, "code": code(i), "env": { "INDEX": i.to_string() } });
        create_with(&client, &base, &token, body).await;
    }
    println!("deployed {FUNCTIONS} functions in {:.1} s", started.elapsed().as_secs_f64());

    let store = stratus_core::Store::connect(&stratus::config::sqlite_url(&server.data.path().join("stratus.db")))
        .await
        .expect("store");
    let key = SigningKey::generate();
    let trust = [TrustedKey::new("bench@dev", &key.public_key()).expect("key")];
    let package = timed("export (read + seal)", || async {
        stratus_core::packages::export_functions(&store, "acme", &Default::default()).await.expect("export")
    })
    .await;
    let mut signed = package.clone();
    signed.sign(&key).expect("sign");
    let archive = timed("build archive", || async { signed.to_archive().expect("archive") }).await;
    println!("archive: {} files, {:.1} KiB", signed.files().len(), archive.len() as f64 / 1024.0);
    let read = timed("read archive (caps, paths)", || async {
        Package::from_archive(&archive, Caps::default()).expect("read")
    })
    .await;
    let now = stratus_core::dates::now_millis();
    timed("verify (hashes + signature)", || async {
        verify(&read, &trust, Some("acme"), now, Policy::Enforce { min_signatures: 1 }).expect("verify")
    })
    .await;
    let plan = timed("plan, nothing changed", || async {
        stratus_core::packages::plan(&store, "acme", &read, &[]).await.expect("plan")
    })
    .await;
    assert!(plan.elements.iter().all(|e| e.action == stratus_core::packages::Action::Unchanged));

    let changed = json!({ "route": "fn250", "code": code(250).replace("hello", "hi") });
    let put = client.put(format!("{base}/api/org/acme/functions/fn250")).bearer_auth(&token).json(&changed).send();
    assert!(put.await.unwrap().status().is_success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let plan = timed("plan, 1 of 500 changed", || async {
        stratus_core::packages::plan(&store, "acme", &read, &[]).await.expect("plan")
    })
    .await;
    let updates = plan.elements.iter().filter(|e| e.action == stratus_core::packages::Action::Update).count();
    println!("plan found {updates} update(s) among {} elements", plan.elements.len());
    println!("(autoscale rules in packages and apply are not built yet: no figures for them)");
    store.close().await;
    server.stop().await;
}
