//! Content packages: export, archive, verify and plan of an org with 500 functions, and the
//! plan of that package against a target where 1 of the 500 changed (in-process on the same
//! database, as the CLI runs them); then plan and apply over the server's API, into an empty
//! org (500 functions compiled and written in one transaction) and with 1 of 500 changed.

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
    let limits = json!({"max_memory_mb": 256, "max_timeout_ms": 30000, "default_memory_mb": 64,
        "default_timeout_ms": 5000, "max_concurrency": 64, "max_function_concurrency": 32,
        "max_request_bytes": 6291456, "max_response_bytes": 6291456, "max_functions": 1000});
    server.set_limits(limits.clone()).await;
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
    let mut changed =
        stratus_core::packages::export_functions(&store, "acme", &Default::default()).await.expect("export");
    changed.sign(&key).expect("sign");
    let changed = changed.to_archive().expect("archive");
    apply_figures(&server, &limits, &archive, &changed).await;
    println!("(no autoscale rules here: this bench runs without a vCD, so rules are not measured)");
    store.close().await;
    server.stop().await;
}

/// Plan and apply over the API, as `stratus package apply` does: the package into an empty org
/// (500 functions compiled and written in one transaction; a new org each round), then into an
/// org that has it, alternating with the package where one function differs.
async fn apply_figures(server: &BenchServer, limits: &serde_json::Value, archive: &[u8], changed: &[u8]) {
    let (mut plans, mut applies) = (Vec::new(), Vec::new());
    let mut last = None;
    for round in 0..3 {
        let org = format!("prod{round}");
        let token = server.tenant_token(&org);
        server.set_org_limits(&org, limits).await;
        let (plan, apply) = plan_and_apply(server, &org, &token, archive, FUNCTIONS as u64).await;
        plans.push(plan);
        applies.push(apply);
        last = Some((org, token));
    }
    println!("{:<34} {}", "plan over the API, 500 creates", Summary::of(&mut plans));
    println!("{:<34} {}", "apply 500 creates (compile + tx)", Summary::of(&mut applies));
    let (org, token) = last.expect("a round");
    let (mut plans, mut applies) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let package = if round % 2 == 0 { changed } else { archive };
        let (plan, apply) = plan_and_apply(server, &org, &token, package, 1).await;
        plans.push(plan);
        applies.push(apply);
    }
    println!("{:<34} {}", "plan over the API, 1 of 500 changed", Summary::of(&mut plans));
    println!("{:<34} {}", "apply, 1 of 500 changed", Summary::of(&mut applies));
}

async fn plan_and_apply(
    server: &BenchServer,
    org: &str,
    token: &str,
    archive: &[u8],
    expect: u64,
) -> (Duration, Duration) {
    let url = |path: &str| format!("{}/api/org/{org}/packages/{path}", server.base);
    let started = Instant::now();
    let plan = server.client.post(url("plan")).bearer_auth(token).body(archive.to_vec()).send().await.expect("plan");
    let plan: serde_json::Value = plan.json().await.expect("a plan");
    let planned = started.elapsed();
    let fingerprint = plan["fingerprint"].as_str().expect("a fingerprint").to_owned();
    let started = Instant::now();
    let apply = server.client.post(url("apply")).query(&[("plan", fingerprint)]).bearer_auth(token);
    let done: serde_json::Value = apply.body(archive.to_vec()).send().await.expect("apply").json().await.expect("json");
    let applied = started.elapsed();
    assert_eq!(done["changed"].as_u64(), Some(expect), "{done}");
    (planned, applied)
}
