//! The API contract, checked from outside: the pinned schemathesis (installed by `cargo xtask
//! test` into target/tools) fuzzes every operation of `/api/openapi.json` of a demo server on the
//! vCD simulator, with all checks, once as acme's tenant admin and once as the provider. Any
//! server error, undocumented status, schema-valid request rejected (beyond the exceptions in
//! tests/contract/schemathesis.toml), schema-violating request accepted or response that does
//! not match its schema fails the test.

use std::path::PathBuf;
use std::process::Command;

use harness::process::ServeProcess;
use harness::workspace_root;
use vcd_sim::Simulator;

fn schemathesis() -> PathBuf {
    let exe = workspace_root().join("target/tools/schemathesis/bin/schemathesis");
    assert!(exe.is_file(), "{} is missing: `cargo xtask test` installs the pinned schemathesis", exe.display());
    exe
}

/// The demo's token for `who` (`acme`, `globex` or `provider`) from the server's output.
fn demo_token(output: &str, who: &str) -> String {
    output
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{who} ")))
        .and_then(|l| l.split("#token=").nth(1))
        .unwrap_or_else(|| panic!("no demo token for {who} in: {output}"))
        .trim()
        .to_owned()
}

/// Ids of the demo's autoscale rule, its edge gateway and one of its VMs, so that the fuzzer
/// reaches the operations under them (tests/contract/schemathesis.toml reads these variables).
async fn demo_ids(base: &str, acme: &str) -> Vec<(&'static str, String)> {
    let client = reqwest::Client::new();
    let get = |path: String| {
        let request = client.get(format!("{base}{path}")).bearer_auth(acme);
        async move { request.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let rules = get("/api/org/acme/autoscale/rules".into()).await;
    let rule = &rules["items"][0];
    let id = rule["id"].as_str().unwrap_or_else(|| panic!("the demo has an autoscale rule: {rules}")).to_owned();
    let vms = get(format!("/api/org/acme/autoscale/rules/{id}/vms")).await;
    let vm = vms["items"][0]["id"].as_str().unwrap_or_else(|| panic!("the demo vApp has VMs: {vms}")).to_owned();
    let rule = get(format!("/api/org/acme/autoscale/rules/{id}")).await;
    let edge = rule["edge_gateway"].as_str().unwrap_or_else(|| panic!("the rule's edge gateway: {rule}")).to_owned();
    vec![("STRATUS_FUZZ_RULE", id), ("STRATUS_FUZZ_EDGE", edge), ("STRATUS_FUZZ_VM", vm)]
}

fn fuzz(base: &str, token: &str, who: &str, ids: &[(&str, String)]) {
    let seed = std::env::var("STRATUS_FUZZ_SEED").unwrap_or_else(|_| "20261203".into());
    let report = tempfile::tempdir().unwrap();
    let out = Command::new(schemathesis())
        .current_dir(report.path())
        .arg("--config-file")
        .arg(workspace_root().join("tests/contract/schemathesis.toml"))
        .args(["run", &format!("{base}/api/openapi.json"), "--checks", "all", "--workers", "1"])
        .args(["--seed", &seed, "--header", &format!("Authorization: Bearer {token}")])
        .env("NO_COLOR", "1")
        .envs(ids.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis as {who} (seed {seed}) found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Tested: "), "schemathesis tested nothing:\n{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_keeps_its_documented_contract_under_fuzzing() {
    let sim = Simulator::start().await;
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("serve.log");
    let envs = [
        ("STRATUS_VCD_URL", sim.url()),
        ("STRATUS_VCD_USER", "administrator@System"),
        ("STRATUS_VCD_PASSWORD", vcd_sim::PASSWORD),
    ];
    let server =
        ServeProcess::start(&["--demo", "--data-dir", data.path().to_str().unwrap()], &envs, log.clone()).await;
    let output = server.output();
    let base = server.base.clone();
    let ids = demo_ids(&base, &demo_token(&output, "acme")).await;
    for who in ["acme", "provider"] {
        let (token, base, ids) = (demo_token(&output, who), base.clone(), ids.clone());
        tokio::task::spawn_blocking(move || fuzz(&base, &token, who, &ids)).await.unwrap();
    }
    let log = server.output();
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
    server.kill().await;
}
