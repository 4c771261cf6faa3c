//! Autoscale rules in packages, dev → prod, each instance with its own vCD simulator and its
//! own environment: the rule travels without vCD ids, its references become configuration
//! elements with dev's values; prod has no values of its own at first (the rule is blocked), then
//! the folder gets prod values (another edge gateway and pool) and prod resolves them by name in
//! its vCD; a name prod's vCD does not have is a 422 naming the element. The org's budget
//! travels with them, and a rollback puts a rule edited since back as the release wrote it.

use api_types::{ListResponse, Role, Rule, VcdObject};
use harness::vcd::{fast_autoscale, sim_endpoint};
use harness::{Db, TestApp};
use package::Package;
use serde_json::{Value, json};
use vcd_sim::Simulator;

async fn start(db: Db, environment: &str) -> (TestApp, Simulator, String) {
    let sim = Simulator::start().await;
    let endpoint = sim_endpoint(&sim);
    let environment = environment.to_owned();
    let app = TestApp::start_with(db, move |mut config| {
        config.vcd = Some(endpoint);
        config.autoscale = fast_autoscale();
        config.environment = environment;
        config
    })
    .await;
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    (app, sim, token)
}

async fn pick(app: &TestApp, token: &str, list: &str, name: &str) -> String {
    let objects: ListResponse<VcdObject> =
        app.get(&format!("/api/org/acme/autoscale/vcd/{list}"), token).await.json().await.unwrap();
    objects.items.into_iter().find(|o| o.name == name).unwrap_or_else(|| panic!("no {list} {name}")).id
}

async fn plan(app: &TestApp, token: &str, archive: &[u8]) -> Value {
    let r = app.client.post(app.url("/api/org/acme/packages/plan")).bearer_auth(token).body(archive.to_vec());
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn apply(app: &TestApp, token: &str, archive: &[u8], plan: &Value) -> (u16, Value) {
    let fingerprint = plan["fingerprint"].as_str().unwrap();
    let url = app.url("/api/org/acme/packages/apply");
    let r = app.client.post(url).query(&[("plan", fingerprint)]).bearer_auth(token).body(archive.to_vec());
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn element<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["elements"].as_array().unwrap().iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("no {id} in {plan}"))
}

/// The package with each configuration element's values for `prod` set as given (as a
/// person would in the git folder), sealed again.
pub(crate) fn with_prod_values(archive: &[u8], values: &[(&str, &str)]) -> Vec<u8> {
    let package = Package::from_archive(archive, package::Caps::default()).unwrap();
    let manifest = package.manifest().unwrap();
    let mut files = package.files().clone();
    files.retain(|path, _| path != package::MANIFEST && path != package::SIGNATURES);
    for (key, value) in values {
        let path = format!("config/{key}.json");
        let mut file: Value = serde_json::from_slice(&files[&path]).unwrap();
        file["values"]["prod"] = json!(value);
        files.insert(path, serde_json::to_vec_pretty(&file).unwrap());
    }
    Package::seal(manifest.kind, &manifest.name, manifest.elements, files).unwrap().to_archive().unwrap()
}

async fn rules_travel(db: Db) {
    let (dev, _dev_sim, dev_token) = start(db, "dev").await;
    let (prod, _prod_sim, token) = start(db, "prod").await;
    let spec = json!({
        "name": "web",
        "template": pick(&dev, &dev_token, "templates", "web-template").await,
        "vapp": pick(&dev, &dev_token, "vapps", "web-app").await,
        "edge_gateway": pick(&dev, &dev_token, "edge-gateways", "edge-v").await,
        "lb_pool": "web-pool",
        "cpu": {"scale_out": 80, "scale_in": 30},
        "memory": {"scale_out": 85, "scale_in": 40},
        "min_vms": 1, "max_vms": 4, "step": 1,
    });
    let r = dev.client.post(dev.url("/api/org/acme/autoscale/rules")).bearer_auth(&dev_token).json(&spec);
    assert_eq!(r.send().await.unwrap().status(), 201);
    let budget = json!({ "amount": "1500.00", "currency": "EUR", "thresholds": [50, 90] });
    let r = dev.client.put(dev.url("/api/org/acme/showback/budget")).bearer_auth(&dev_token).json(&budget);
    assert_eq!(r.send().await.unwrap().status(), 200);

    let preview: Value = dev.get("/api/org/acme/packages/export/elements", &dev_token).await.json().await.unwrap();
    let config = preview["items"].as_array().unwrap().iter().find(|e| e["id"] == "config:web-vapp").cloned();
    assert_eq!(config.map(|c| c["reason"].clone()), Some(json!("required by rule web")), "{preview}");
    let r = dev.client.get(dev.url("/api/org/acme/packages/export")).bearer_auth(&dev_token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let archive = r.bytes().await.unwrap().to_vec();
    let package = Package::from_archive(&archive, package::Caps::default()).unwrap();
    let rule = String::from_utf8(package.files()["autoscale/web/rule.json"].clone()).unwrap();
    assert!(rule.contains("${config:web-vapp}") && !rule.contains("urn:vcloud"), "no vCD id travels: {rule}");
    let edge: Value = serde_json::from_slice(&package.files()["config/web-edge-gateway.json"]).unwrap();
    assert_eq!(edge, json!({ "type": "vcd:edge-gateway", "values": { "dev": "edge-v" } }));
    let manifest = package.manifest().unwrap();
    let config = manifest.elements.iter().find(|e| e.name == "web-lb-pool").unwrap();
    assert_eq!(config.reason.as_deref(), Some("required by rule web"));
    let web = manifest.elements.iter().find(|e| e.name == "web").unwrap();
    assert_eq!(web.requires.len(), 4, "{web:?}");

    // Prod has no values of its own: each configuration element and the rule are blocked.
    let planned = plan(&prod, &token, &archive).await;
    let vapp = element(&planned, "config:web-vapp");
    assert_eq!(vapp["config"]["problem"], "no value for environment 'prod' (nor a default)", "{vapp}");
    assert!(element(&planned, "autoscale_rule:web")["blocked"].as_str().unwrap().contains("config:web-vapp"));
    let (status, body) = apply(&prod, &token, &archive, &planned).await;
    assert_eq!(status, 422, "{body}");

    // Prod values, as added in git: another edge gateway and its pool.
    let values = [
        ("web-template", "web-template"),
        ("web-vapp", "web-app"),
        ("web-edge-gateway", "edge-t"),
        ("web-lb-pool", "web-alb"),
    ];
    let edited = with_prod_values(&archive, &values);
    let planned = plan(&prod, &token, &edited).await;
    let edge = element(&planned, "config:web-edge-gateway");
    let edge_t = pick(&prod, &token, "edge-gateways", "edge-t").await;
    assert_eq!((edge["config"]["value"].clone(), edge["config"]["resolved"].clone()), (json!("edge-t"), json!(edge_t)));
    assert_eq!(element(&planned, "autoscale_rule:web")["action"], "create");
    assert_eq!(element(&planned, "budget:budget")["action"], "create");
    let (status, body) = apply(&prod, &token, &edited, &planned).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(2)), "the rule and the budget: {body}");
    let copied: Value = prod.get("/api/org/acme/showback/budget", &token).await.json().await.unwrap();
    assert_eq!(copied, budget, "the budget travelled as it was");
    let rules: ListResponse<Value> = prod.get("/api/org/acme/autoscale/rules", &token).await.json().await.unwrap();
    let id = rules.items[0]["id"].as_str().unwrap();
    let rule: Rule = prod.get(&format!("/api/org/acme/autoscale/rules/{id}"), &token).await.json().await.unwrap();
    assert_eq!((rule.spec.edge_gateway.as_str(), rule.spec.lb_pool.as_str()), (edge_t.as_str(), "web-alb"));
    assert_eq!(rule.targets.edge_gateway_name, "edge-t");
    let again = plan(&prod, &token, &edited).await;
    assert_eq!(element(&again, "autoscale_rule:web")["action"], "unchanged", "{again}");
    assert_eq!(element(&again, "budget:budget")["action"], "unchanged", "{again}");

    // Edited on prod, then rolled back to release 1: the rule holds release 1's definition again.
    let mut edit = serde_json::to_value(&rule.spec).unwrap();
    edit["max_vms"] = json!(6);
    let url = prod.url(&format!("/api/org/acme/autoscale/rules/{id}"));
    assert_eq!(prod.client.put(&url).bearer_auth(&token).json(&edit).send().await.unwrap().status(), 200);
    let drift: Value = prod.get("/api/org/acme/packages/drift", &token).await.json().await.unwrap();
    let rule_drift = drift["items"].as_array().unwrap().iter().find(|d| d["id"] == "autoscale_rule:web").cloned();
    assert_eq!(rule_drift.map(|d| d["detail"].clone()), Some(json!("edited since release 1")), "{drift}");
    let r = prod.client.post(prod.url("/api/org/acme/packages/releases/1/rollback")).bearer_auth(&token);
    let rolled: Value = r.send().await.unwrap().json().await.unwrap();
    assert_eq!((rolled["changed"].clone(), rolled["release"]["rollback_of"].clone()), (json!(1), json!(1)), "{rolled}");
    let back: Rule = prod.get(&format!("/api/org/acme/autoscale/rules/{id}"), &token).await.json().await.unwrap();
    assert_eq!((back.spec.max_vms, back.spec.edge_gateway.as_str()), (4, edge_t.as_str()));

    // A name prod's vCD does not have.
    let missing = with_prod_values(&edited, &[("web-vapp", "nope")]);
    let planned = plan(&prod, &token, &missing).await;
    let problem = element(&planned, "config:web-vapp")["config"]["problem"].clone();
    assert_eq!(problem, "no vcd:vapp named 'nope' in this org's vCD");
    let (status, body) = apply(&prod, &token, &missing, &planned).await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> =
        body["error"]["details"].as_array().unwrap().iter().filter_map(|d| d["field"].as_str()).collect();
    assert!(fields.contains(&"config:web-vapp"), "{body}");

    dev.shutdown().await;
    prod.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_travel_with_configuration_elements_on_sqlite() {
    rules_travel(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_travel_with_configuration_elements_on_postgres() {
    rules_travel(Db::Postgres).await;
}
