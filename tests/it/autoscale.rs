//! Autoscale end to end against the vCD simulator: rules and their validation, signals,
//! scale-out and scale-in through vCD, rollback, restarts and concurrency.

mod metering;
mod recovery;
mod rules;
mod scaling;

use std::time::{Duration, Instant};

use api_types::{ActionDetail, ActionStatus, ActionSummary, ListResponse, Role, RuleWithSecret, VcdObject};
use harness::vcd::start_with_vcd;
use harness::{Db, TestApp};
use serde_json::{Value, json};
use vcd_sim::Simulator;

/// Stratus on its own database, the simulator, and an acme tenant-admin token.
pub struct Ctx {
    pub app: TestApp,
    pub sim: Simulator,
    pub token: String,
}

impl Ctx {
    pub async fn start(db: Db) -> Ctx {
        let (app, sim) = start_with_vcd(db).await;
        let token = app.token(Role::TenantAdmin, Some("acme")).await;
        Ctx { app, sim, token }
    }

    pub async fn stop(self) {
        self.app.shutdown().await;
    }

    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.app.get(path, &self.token).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON body")
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> reqwest::Response {
        let request = self.app.client.request(method, self.app.url(path)).bearer_auth(&self.token);
        request.json(body).send().await.expect("send")
    }

    /// The id of the acme picker entry named `name` in `list` (`templates`, `vapps`, …).
    pub async fn pick(&self, list: &str, name: &str) -> String {
        let objects: ListResponse<VcdObject> = self.get_json(&format!("/api/org/acme/autoscale/vcd/{list}")).await;
        objects.items.into_iter().find(|o| o.name == name).unwrap_or_else(|| panic!("no {list} named {name}")).id
    }

    /// A valid rule for acme's `web-app` behind `edge`'s `pool`, with `overrides` merged in.
    pub async fn spec(&self, edge: &str, pool: &str, overrides: Value) -> Value {
        let mut spec = json!({
            "name": "web",
            "template": self.pick("templates", "web-template").await,
            "vapp": self.pick("vapps", "web-app").await,
            "edge_gateway": self.pick("edge-gateways", edge).await,
            "lb_pool": pool,
            "cpu": {"scale_out": 80, "scale_in": 30},
            "memory": {"scale_out": 85, "scale_in": 40},
            "min_vms": 1, "max_vms": 4, "step": 1,
            "stabilization_secs": 0, "scale_in_cooldown_secs": 0, "scale_out_cooldown_secs": 0,
        });
        merge(&mut spec, overrides);
        spec
    }

    /// Creates a rule; its id and webhook secret.
    pub async fn create(&self, spec: &Value) -> (String, String) {
        let response = self.send(reqwest::Method::POST, "/api/org/acme/autoscale/rules", spec).await;
        assert_eq!(response.status(), 201, "create rule: {}", response.text().await.unwrap_or_default());
        let created: RuleWithSecret = response.json().await.unwrap();
        (created.rule.id, created.webhook_secret)
    }

    pub async fn push(&self, rule: &str, cpu: f64, memory: f64) -> Value {
        let path = format!("/api/org/acme/autoscale/rules/{rule}/metrics");
        let response = self.send(reqwest::Method::POST, &path, &json!({"cpu": cpu, "memory": memory})).await;
        assert_eq!(response.status(), 200, "push metrics");
        response.json().await.unwrap()
    }

    /// Posts a vROps alert with HTTP Basic `rule:secret`.
    pub async fn alert(&self, rule: &str, secret: &str, alert: &Value) -> reqwest::Response {
        let url = self.app.url("/api/autoscale/alerts/vrops");
        self.app.client.post(url).basic_auth(rule, Some(secret)).json(alert).send().await.unwrap()
    }

    /// Waits until the action has ended and returns it with its journal.
    pub async fn finished(&self, rule: &str, action: &str) -> ActionDetail {
        let path = format!("/api/org/acme/autoscale/rules/{rule}/actions/{action}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let detail: ActionDetail = self.get_json(&path).await;
            if matches!(detail.summary.status, ActionStatus::Succeeded | ActionStatus::RolledBack) {
                return detail;
            }
            assert!(Instant::now() < deadline, "action {action} did not finish: {detail:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn actions(&self, rule: &str) -> Vec<ActionSummary> {
        let list: ListResponse<ActionSummary> =
            self.get_json(&format!("/api/org/acme/autoscale/rules/{rule}/actions")).await;
        list.items
    }

    /// The timeline's messages, oldest first.
    pub async fn timeline(&self, rule: &str) -> Vec<String> {
        let list: ListResponse<api_types::AutoscaleEvent> =
            self.get_json(&format!("/api/org/acme/autoscale/rules/{rule}/events")).await;
        list.items.into_iter().rev().map(|e| e.message).collect()
    }
}

/// A vROps REST-notification alert on acme's vApp.
pub fn vrops_alert(id: &str, name: &str, status: &str, update: i64) -> Value {
    json!({
        "alertId": id, "alertName": name, "status": status,
        "criticality": "ALERT_CRITICALITY_LEVEL_WARNING", "type": "ALERT_TYPE_APPLICATION_PROBLEM",
        "resourceId": "a7e1c2f0-vrops-web-app", "resourceName": "web-app",
        "startDate": 1_700_000_000_000_i64, "updateDate": update,
    })
}

fn merge(base: &mut Value, overrides: Value) {
    if let (Some(base), Value::Object(overrides)) = (base.as_object_mut(), overrides) {
        for (key, value) in overrides {
            base.insert(key, value);
        }
    }
}
