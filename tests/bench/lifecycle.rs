//! Content packages: export, archive, verify and plan of an org with 500 functions, and the
//! plan of that package against a target where 1 of the 500 changed (in-process on the same
//! database, as the CLI runs them); then, with 50 autoscale rules beside the functions (each
//! instance with its own vCD simulator), export, plan and apply over the servers' APIs: into an
//! empty org (500 functions compiled and 50 rules checked against vCD, written in one
//! transaction) and with 1 of 550 elements changed.

use std::time::{Duration, Instant};

use package::{Caps, Package, Policy, SigningKey, TrustedKey, verify};
use serde_json::json;
use vcd_sim::Simulator;

use crate::functions::create_with;
use crate::server::BenchServer;
use crate::stats::Summary;

const FUNCTIONS: usize = 500;
const RULES: usize = 50;
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

/// A `stratus serve` whose vCD is `sim`.
async fn server_on(prefix: &str, sim: &Simulator) -> BenchServer {
    let env = vec![
        ("STRATUS_VCD_URL".to_owned(), sim.url().to_owned()),
        ("STRATUS_VCD_USER".to_owned(), "administrator@System".to_owned()),
        ("STRATUS_VCD_PASSWORD".to_owned(), vcd_sim::PASSWORD.to_owned()),
    ];
    BenchServer::start_with(prefix, false, env).await
}

async fn pick(server: &BenchServer, list: &str, name: &str) -> String {
    let url = format!("{}/api/org/acme/autoscale/vcd/{list}", server.base);
    let body: serde_json::Value =
        server.client.get(url).bearer_auth(&server.token).send().await.expect(list).json().await.expect("json");
    let items = body["items"].as_array().expect("items");
    let found = items.iter().find(|o| o["name"] == name).unwrap_or_else(|| panic!("no {list} {name}"));
    found["id"].as_str().expect("an id").to_owned()
}

/// `RULES` rules on acme's `web-app`, each with its own name and thresholds.
async fn create_rules(server: &BenchServer) {
    let (template, vapp, edge) = (
        pick(server, "templates", "web-template").await,
        pick(server, "vapps", "web-app").await,
        pick(server, "edge-gateways", "edge-v").await,
    );
    for i in 0..RULES {
        let spec = json!({
            "name": format!("web{i:02}"), "template": template, "vapp": vapp, "edge_gateway": edge,
            "lb_pool": "web-pool", "cpu": {"scale_out": 60 + i % 30, "scale_in": 20},
            "memory": {"scale_out": 85, "scale_in": 40}, "min_vms": 1, "max_vms": 4, "step": 1,
        });
        let url = format!("{}/api/org/acme/autoscale/rules", server.base);
        let r = server.client.post(url).bearer_auth(&server.token).json(&spec).send().await.expect("rule");
        assert_eq!(r.status(), 201, "rule {i}: {}", r.text().await.unwrap_or_default());
    }
}

/// `GET /api/org/acme/packages/export` of `server`: every function, rule and configuration value.
async fn export_api(server: &BenchServer) -> Vec<u8> {
    let url = format!("{}/api/org/acme/packages/export", server.base);
    let r = server.client.get(url).bearer_auth(&server.token).send().await.expect("export");
    assert!(r.status().is_success(), "export: {}", r.status());
    r.bytes().await.expect("archive").to_vec()
}

pub async fn run() {
    println!("== content packages: {FUNCTIONS} functions, then {RULES} autoscale rules beside them ==");
    let dev_vcd = Simulator::start().await;
    let mut server = server_on("stratus-bench-lifecycle", &dev_vcd).await;
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
    // The package carries what fn250 was before the edit: the plan says downgrade.
    let changed = plan.elements.iter().filter(|e| e.action != stratus_core::packages::Action::Unchanged).count();
    println!("plan found {changed} change(s) among {} elements", plan.elements.len());

    create_rules(&server).await;
    println!("-- with {RULES} autoscale rules (on web-app, each instance with its own vCD simulator) --");
    let with_rules = timed("export over the API", || export_api(&server)).await;
    let package = Package::from_archive(&with_rules, Caps::default()).expect("read");
    let elements = package.manifest().expect("manifest").elements.len();
    println!(
        "archive: {elements} elements, {} files, {:.1} KiB",
        package.files().len(),
        with_rules.len() as f64 / 1024.0
    );
    let back = json!({ "route": "fn250", "code": code(250) });
    let put = client.put(format!("{base}/api/org/acme/functions/fn250")).bearer_auth(&token).json(&back).send();
    assert!(put.await.unwrap().status().is_success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let changed = export_api(&server).await;
    apply_figures(&limits, &with_rules, &changed).await;
    store.close().await;
    server.stop().await;
}

/// Plan and apply over the API, as `stratus package apply` does: the package into a new
/// instance's empty org (500 functions compiled and 50 rules checked, written in one
/// transaction; a new instance and simulator each round), then into an org that has it,
/// alternating with the package where one function differs.
async fn apply_figures(limits: &serde_json::Value, archive: &[u8], changed: &[u8]) {
    let elements = (FUNCTIONS + RULES) as u64;
    let (mut plans, mut applies) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..3 {
        let vcd = Simulator::start().await;
        let server = server_on("stratus-bench-lifecycle-prod", &vcd).await;
        server.set_limits(limits.clone()).await;
        let (plan, apply) = plan_and_apply(&server, archive, elements).await;
        plans.push(plan);
        applies.push(apply);
        if let Some((mut old, _)) = last.replace((server, vcd)) {
            BenchServer::stop(&mut old).await;
        }
    }
    println!("{:<34} {}", format!("plan over the API, {elements} creates"), Summary::of(&mut plans));
    println!("{:<34} {}", format!("apply {elements} creates (+ tx)"), Summary::of(&mut applies));
    let (mut server, _vcd) = last.expect("a round");
    let (mut plans, mut applies) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let package = if round % 2 == 0 { changed } else { archive };
        let (plan, apply) = plan_and_apply(&server, package, 1).await;
        plans.push(plan);
        applies.push(apply);
    }
    println!("{:<34} {}", format!("plan over the API, 1 of {elements} changed"), Summary::of(&mut plans));
    println!("{:<34} {}", format!("apply, 1 of {elements} changed"), Summary::of(&mut applies));
    server.stop().await;
}

async fn plan_and_apply(server: &BenchServer, archive: &[u8], expect: u64) -> (Duration, Duration) {
    let url = |path: &str| format!("{}/api/org/acme/packages/{path}", server.base);
    let token = &server.token;
    let started = Instant::now();
    let plan = server.client.post(url("plan")).bearer_auth(token).body(archive.to_vec()).send().await.expect("plan");
    let plan: serde_json::Value = plan.json().await.expect("a plan");
    let planned = started.elapsed();
    let fingerprint = plan["fingerprint"].as_str().expect("a fingerprint").to_owned();
    // What changes is picked by name, as a person would: alternating packages go back and forth,
    // and a downgrade is applied only when named.
    let elements = plan["elements"].as_array().expect("elements");
    let moving = elements.iter().filter(|e| e["action"] != "unchanged" && e["config"].is_null());
    let select: Vec<&str> = moving.filter_map(|e| e["id"].as_str()).collect();
    let started = Instant::now();
    let query = [("plan", fingerprint), ("select", select.join(","))];
    let apply = server.client.post(url("apply")).query(&query).bearer_auth(token);
    let done: serde_json::Value = apply.body(archive.to_vec()).send().await.expect("apply").json().await.expect("json");
    let applied = started.elapsed();
    assert_eq!(done["changed"].as_u64(), Some(expect), "{done}");
    (planned, applied)
}
