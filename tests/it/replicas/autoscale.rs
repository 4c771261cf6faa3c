//! vROps retries an alert and a load balancer spreads the copies: 50 copies of one alert over
//! the replicas start one scale-out, and vCD (the simulator) sees one recompose.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use harness::replicas::{ORG, Replicas};
use harness::{Db, both_databases};
use serde_json::{Value, json};
use vcd_sim::Simulator;

use super::replica_count;
use crate::autoscale::vrops_alert;

async fn get(r: &Replicas, i: usize, path: &str) -> Value {
    let response = r.client.get(r.url(i, path)).bearer_auth(&r.token).send().await.expect("GET");
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.expect("JSON")
}

/// The id of the picker entry named `name` in `list` (`templates`, `vapps`, …).
async fn pick(r: &Replicas, list: &str, name: &str) -> String {
    let objects = get(r, 0, &format!("/api/org/{ORG}/autoscale/vcd/{list}")).await;
    let items = objects["items"].as_array().cloned().unwrap_or_default();
    let found = items.into_iter().find(|o| o["name"] == name).unwrap_or_else(|| panic!("no {list} named {name}"));
    found["id"].as_str().expect("an id").to_owned()
}

async fn one_alert_storm_scales_out_once(db: Db) {
    let sim = Simulator::start().await;
    let vcd = [
        "--vcd-url",
        sim.url(),
        "--vcd-user",
        "administrator@System",
        "--vcd-password",
        vcd_sim::PASSWORD,
        "--vcd-api-version",
        vcd_sim::API_VERSION,
        "--autoscale-lease-secs",
        "2",
    ];
    let r = Replicas::start(db, replica_count(db), &vcd).await;
    let n = r.count();
    let spec = json!({
        "name": "web",
        "template": pick(&r, "templates", "web-template").await,
        "vapp": pick(&r, "vapps", "web-app").await,
        "edge_gateway": pick(&r, "edge-gateways", "edge-v").await,
        "lb_pool": "web-pool",
        "cpu": {"scale_out": 80, "scale_in": 30},
        "memory": {"scale_out": 85, "scale_in": 40},
        "min_vms": 1, "max_vms": 4, "step": 1,
        "stabilization_secs": 0, "scale_in_cooldown_secs": 0, "scale_out_cooldown_secs": 600,
    });
    let url = r.url(0, &format!("/api/org/{ORG}/autoscale/rules"));
    let created = r.client.post(url).bearer_auth(&r.token).json(&spec).send().await.expect("create the rule");
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap_or_default());
    let created: Value = created.json().await.unwrap();
    let rule = created["rule"]["id"].as_str().expect("a rule id").to_owned();
    let secret = created["webhook_secret"].as_str().expect("a webhook secret").to_owned();
    sim.state().clear_request_log();

    let alert = vrops_alert("storm", "web-app CPU high", "ACTIVE", 1_700_000_100_000);
    let answers = join_all((0..50).map(|k| {
        let request = r.client.post(r.url(k % n, "/api/autoscale/alerts/vrops")).basic_auth(&rule, Some(&secret));
        request.json(&alert).send()
    }))
    .await;
    let mut started = Vec::new();
    for answer in answers {
        let answer = answer.expect("POST the alert");
        assert_eq!(answer.status(), 201);
        let evaluation: Value = answer.json().await.unwrap();
        started.extend(evaluation["action_id"].as_str().map(str::to_owned));
    }
    assert_eq!(started.len(), 1, "exactly one scale-out from 50 copies of one alert: {started:?}");

    let path = format!("/api/org/{ORG}/autoscale/rules/{rule}/actions/{}", started[0]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let detail = get(&r, n - 1, &path).await;
        if detail["status"] == "succeeded" {
            break;
        }
        assert!(Instant::now() < deadline && detail["status"] != "rolled_back", "the scale-out: {detail}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let actions = get(&r, n - 1, &format!("/api/org/{ORG}/autoscale/rules/{rule}/actions")).await;
    assert_eq!(actions["items"].as_array().map(Vec::len), Some(1), "{actions}");
    assert_eq!(sim.state().vms("web-app").len(), 3, "one VM more than the two seeded");
    let log = sim.state().request_log();
    let recomposes = log.iter().filter(|q| q.method == "POST" && q.path.ends_with("/action/recomposeVApp")).count();
    assert_eq!(recomposes, 1, "vCD saw one recompose: {log:?}");
    r.shutdown().await;
}

both_databases!(alert_storm, db => super::one_alert_storm_scales_out_once);
