//! A Stratus killed in the middle of an action: the next one resumes it from its journal.

use std::time::{Duration, Instant};

use api_types::{ActionDetail, ActionStatus, Evaluation, StepState};
use harness::process::{ServeProcess, run_stratus};
use serde_json::json;
use vcd_sim::Simulator;

struct Server {
    process: ServeProcess,
    client: reqwest::Client,
    token: String,
}

impl Server {
    async fn start(data_dir: &std::path::Path, sim: &Simulator, token: &str, log: &str) -> Server {
        let data = data_dir.to_str().unwrap();
        let envs = [
            ("STRATUS_DATA_DIR", data),
            ("STRATUS_VCD_URL", sim.url()),
            ("STRATUS_VCD_USER", "administrator@System"),
            ("STRATUS_VCD_PASSWORD", vcd_sim::PASSWORD),
            ("STRATUS_AUTOSCALE_TICK", "1"),
            ("STRATUS_AUTOSCALE_LEASE_SECS", "2"),
            ("STRATUS_WORKERS", "1"),
            ("STRATUS_COLLECTOR_TICK", "0"),
        ];
        let process = ServeProcess::start(&[], &envs, data_dir.join(log)).await;
        Server { process, client: reqwest::Client::new(), token: token.to_owned() }
    }

    async fn get(&self, path: &str) -> serde_json::Value {
        let url = format!("{}{path}", self.process.base);
        let response = self.client.get(url).bearer_auth(&self.token).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        let url = format!("{}{path}", self.process.base);
        self.client.post(url).bearer_auth(&self.token).json(&body).send().await.unwrap()
    }

    async fn pick(&self, list: &str, name: &str) -> String {
        let objects = self.get(&format!("/api/org/acme/autoscale/vcd/{list}")).await;
        let items = objects["items"].as_array().unwrap();
        items.iter().find(|o| o["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
    }

    async fn action(&self, rule: &str, action: &str) -> ActionDetail {
        let detail = self.get(&format!("/api/org/acme/autoscale/rules/{rule}/actions/{action}")).await;
        serde_json::from_value(detail).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_action_resumes_it() {
    let sim = Simulator::start().await;
    // Slow tasks, so the process can be killed while the recompose runs.
    sim.state().set_task_duration(Duration::from_millis(1500));
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().to_str().unwrap();
    let out = run_stratus(&["token", "create", "--org", "acme", "--role", "tenant-admin", "--data-dir", data], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let first = Server::start(data_dir.path(), &sim, &token, "first.log").await;
    let spec = json!({
        "name": "web",
        "template": first.pick("templates", "web-template").await,
        "vapp": first.pick("vapps", "web-app").await,
        "edge_gateway": first.pick("edge-gateways", "edge-v").await,
        "lb_pool": "web-pool",
        "cpu": {"scale_out": 80, "scale_in": 30}, "memory": {"scale_out": 85, "scale_in": 40},
    });
    let created = first.post("/api/org/acme/autoscale/rules", spec).await;
    assert_eq!(created.status(), 201);
    let rule = created.json::<serde_json::Value>().await.unwrap()["rule"]["id"].as_str().unwrap().to_owned();
    let pushed = first.post(&format!("/api/org/acme/autoscale/rules/{rule}/metrics"), json!({"cpu": 95})).await;
    let evaluation: Evaluation = pushed.json().await.unwrap();
    let action = evaluation.action_id.expect("a scale-out started");

    // Kill it once the recompose is journaled as running (its task href recorded).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let detail = first.action(&rule, &action).await;
        if detail.steps[0].state == StepState::Running && detail.steps[0].detail.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the recompose never started: {detail:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.process.kill().await;

    let second = Server::start(data_dir.path(), &sim, &token, "second.log").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let detail = loop {
        let detail = second.action(&rule, &action).await;
        if matches!(detail.summary.status, ActionStatus::Succeeded | ActionStatus::RolledBack) {
            break detail;
        }
        assert!(Instant::now() < deadline, "the action was not resumed: {detail:?}\n{}", second.process.output());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(detail.summary.status, ActionStatus::Succeeded, "{detail:?}");
    let vms = sim.state().vms("web-app");
    assert_eq!(vms.len(), 3, "one VM added, not two: {vms:?}");
    let recomposes = sim.state().request_log().iter().filter(|r| r.path.ends_with("/action/recomposeVApp")).count();
    assert_eq!(recomposes, 1, "the resumed journal waited for the first recompose instead of starting another");
    let new_ip = vms.iter().find(|vm| vm.name == detail.steps[0].vm_name).and_then(|vm| vm.ip.clone()).unwrap();
    assert!(sim.state().pool_members("edge-v", "web-pool").contains(&(new_ip, true)));
    second.process.kill().await;
}
