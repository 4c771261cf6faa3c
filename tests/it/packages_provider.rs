//! Provider packages, dev → prod on SQLite and PostgreSQL: the rate card, an org's overrides,
//! its limits and an HTTP collector travel; the collector's URL is a `url` configuration
//! element valued per environment and its credential is sealed to prod (the collector then runs
//! there against the billing API); an org prod does not have blocks its elements (422 naming
//! them); the same plan twice, a stale plan (409), a conflict with an edit made on prod, drift
//! and rollback; a key trusted for one org only, a tenant package and a tenant token are refused.

use std::time::Duration;

use api_types::Role;
use harness::{Db, TestApp};
use package::{Package, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::functions::tenant;
use crate::packages_rules::with_prod_values;
use crate::showback::collectors::fake_billing;

const CREDENTIAL: &str = "Bearer s3cret";

async fn start(db: Db, environment: &str) -> (TestApp, String) {
    let environment = environment.to_owned();
    let app = TestApp::start_with(db, move |mut config| {
        config.environment = environment;
        config
    })
    .await;
    let provider = app.token(Role::Provider, None).await;
    (app, provider)
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, token: &str, body: Value) -> (u16, Value) {
    let r = app.client.request(method, app.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn plan(app: &TestApp, token: &str, archive: &[u8]) -> (u16, Value) {
    let r = app.client.post(app.url("/api/provider/packages/plan")).bearer_auth(token).body(archive.to_vec());
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn apply(app: &TestApp, token: &str, archive: &[u8], plan: &Value, select: Option<&str>) -> (u16, Value) {
    let mut query = vec![("plan", plan["fingerprint"].as_str().unwrap())];
    query.extend(select.map(|s| ("select", s)));
    let url = app.url("/api/provider/packages/apply");
    let r = app.client.post(url).query(&query).bearer_auth(token).body(archive.to_vec()).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn element<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["elements"].as_array().unwrap().iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("no {id} in {plan}"))
}

fn signed(archive: &[u8], key: &SigningKey) -> Vec<u8> {
    let mut package = Package::from_archive(archive, package::Caps::default()).unwrap();
    package.sign(key).unwrap();
    package.to_archive().unwrap()
}

async fn export(app: &TestApp, token: &str, seal_to: &str) -> Vec<u8> {
    let url = app.url("/api/provider/packages/export");
    let r = app.client.get(url).query(&[("seal_to", seal_to)]).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

fn rate(price: &str, day: &str) -> Value {
    json!({ "service": "compute", "unit": "vcpu-hour", "unit_price": price, "currency": "EUR", "effective_from": day })
}

async fn prices(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let body: Value = app.get(path, token).await.json().await.unwrap();
    let items = body.as_array().unwrap();
    items
        .iter()
        .map(|r| format!("{} {}", r["effective_from"].as_str().unwrap(), r["unit_price"].as_str().unwrap()))
        .collect()
}

async fn max_functions(app: &TestApp, token: &str) -> u64 {
    let limits: Value = app.get("/api/provider/orgs/acme/limits", token).await.json().await.unwrap();
    limits["max_functions"].as_u64().unwrap()
}

async fn provider_content(db: Db) {
    let (dev, dev_p) = start(db, "dev").await;
    let (prod, prod_p) = start(db, "prod").await;
    tenant(&dev, "acme").await;
    tenant(&dev, "globex").await;
    tenant(&prod, "acme").await;
    let (billing, calls) = fake_billing(Duration::ZERO).await;
    let post = reqwest::Method::POST;
    for (path, body) in [
        ("/api/provider/showback/rates", rate("0.02", "2026-01-01")),
        ("/api/provider/orgs/acme/showback/rates", rate("0.015", "2026-01-01")),
        ("/api/provider/orgs/globex/showback/rates", rate("0.01", "2026-01-01")),
    ] {
        assert_eq!(send(&dev, post.clone(), path, &dev_p, body).await.0, 201);
    }
    let mut limits: Value = dev.get("/api/provider/orgs/acme/limits", &dev_p).await.json().await.unwrap();
    limits["max_functions"] = json!(7);
    let (status, _) = send(&dev, reqwest::Method::PUT, "/api/provider/orgs/acme/limits", &dev_p, limits.clone()).await;
    assert_eq!(status, 200);
    let collector = json!({"name": "billing", "schedule": "0 3 * * *", "source": {
        "kind": "http", "url": "http://billing-dev.example/usage?from={from}&to={to}",
        "auth_header": "Authorization", "auth_value": CREDENTIAL, "records_path": "data.lines",
        "fields": {"date": "day", "org": "tenant.name", "service": "=backup", "resource": "item",
                   "quantity": "usage.amount", "unit": "=GB", "cost": "price", "currency": "=EUR"}}});
    assert_eq!(send(&dev, post.clone(), "/api/provider/showback/collectors", &dev_p, collector).await.0, 201);

    // Exported with the credential sealed to prod: no value and no hash of it in the archive.
    let recipient: Value = prod.get("/api/provider/packages/recipient", &prod_p).await.json().await.unwrap();
    let archive = export(&dev, &dev_p, recipient["recipient"].as_str().unwrap()).await;
    let hash = hex::encode(Sha256::digest(CREDENTIAL.as_bytes()));
    let package = Package::from_archive(&archive, package::Caps::default()).unwrap();
    for (path, bytes) in package.files() {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("s3cret") && !text.contains(&hash), "{path}: the credential travels sealed only");
    }
    assert!(package.files().contains_key("collectors/billing.age"), "sealed to prod");
    let config: Value = serde_json::from_slice(&package.files()["config/billing-url.json"]).unwrap();
    assert_eq!(
        config,
        json!({ "type": "url", "values": { "dev": "http://billing-dev.example/usage?from={from}&to={to}" } })
    );

    // Prod trusts alice for every org and enforces a signature on provider packages.
    let (alice, scoped) = (SigningKey::generate(), SigningKey::generate());
    for (principal, key, orgs) in [("alice@dev", &alice, json!([])), ("bob@acme", &scoped, json!(["acme"]))] {
        let trust = json!({ "principal": principal, "public_key": key.public_key(), "orgs": orgs });
        assert_eq!(send(&prod, post.clone(), "/api/provider/package-keys", &prod_p, trust).await.0, 201);
    }
    let policy = json!({ "mode": "enforce", "min_signatures": 1 });
    assert_eq!(send(&prod, reqwest::Method::PUT, "/api/provider/package-policy", &prod_p, policy).await.0, 200);
    let (status, body) = plan(&prod, &prod_p, &signed(&archive, &scoped)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("is trusted for some orgs only"), "{body}");
    let refusals: Value = prod.get("/api/provider/packages/refusals", &prod_p).await.json().await.unwrap();
    assert!(refusals["items"][0]["reasons"].to_string().contains("is trusted for some orgs only"), "{refusals}");

    // Hand-edited packages that say the wrong thing are refused, naming the element: a credential
    // in clear, a rate card named after no card.
    let edited = |path: &str, edit: &dyn Fn(&mut Value), rename: Option<(&str, &str)>| {
        let manifest = package.manifest().unwrap();
        let mut files = package.files().clone();
        files.retain(|p, _| p != package::MANIFEST && p != package::SIGNATURES);
        let mut file: Value = serde_json::from_slice(&files[path]).unwrap();
        edit(&mut file);
        files.insert(path.to_owned(), serde_json::to_vec_pretty(&file).unwrap());
        let mut elements = manifest.elements;
        if let Some((from, to)) = rename {
            elements.iter_mut().filter(|e| e.name == from).for_each(|e| e.name = to.to_owned());
        }
        let edited = Package::seal(manifest.kind, &manifest.name, elements, files).unwrap().to_archive().unwrap();
        signed(&edited, &alice)
    };
    let clear = edited("collectors/billing.json", &|f| f["source"]["auth_value"] = json!("Bearer leaked"), None);
    let (status, body) = plan(&prod, &prod_p, &clear).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string().contains("collector:billing") && body.to_string().contains("never travels in clear"),
        "{body}"
    );
    let renamed = edited("rates/provider.json", &|_| {}, Some(("provider", "acme")));
    let (status, body) = plan(&prod, &prod_p, &renamed).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("a rate card is `provider` or `org:<org>`"), "{body}");

    // Prod has no URL of its own yet, nor org globex: those elements are blocked.
    let first = signed(&archive, &alice);
    let (status, planned) = plan(&prod, &prod_p, &first).await;
    assert_eq!(status, 200, "{planned}");
    assert_eq!(planned["signers"][0]["principal"], "alice@dev");
    let blocked = |id: &str| element(&planned, id)["blocked"].as_str().unwrap_or_default().to_owned();
    assert_eq!(blocked("rate_card:org:globex"), "org globex does not exist on this instance");
    assert!(blocked("collector:billing").contains("config:billing-url"), "{planned}");
    assert_eq!(element(&planned, "rate_card:provider")["action"], "create");
    assert_eq!(
        element(&planned, "collector:billing")["secrets"],
        json!([{ "name": "auth_value", "status": "sealed" }])
    );
    let (status, body) = apply(&prod, &prod_p, &first, &planned, None).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("rate_card:org:globex"), "{body}");

    // With prod's URL (added in git), everything but globex's card applies as release 1.
    let url = format!("http://{billing}/usage?from={{from}}&to={{to}}");
    let second = signed(&with_prod_values(&archive, &[("billing-url", &url)]), &alice);
    let (_, planned) = plan(&prod, &prod_p, &second).await;
    assert!(!planned.to_string().contains("s3cret"));
    let select = "rate_card:provider,rate_card:org:acme,org_limits:acme,collector:billing,config:billing-url";
    let (status, applied) = apply(&prod, &prod_p, &second, &planned, Some(select)).await;
    assert_eq!((status, applied["changed"].clone()), (200, json!(4)), "{applied}");
    assert_eq!(applied["release"]["number"], 1);
    assert_eq!(prices(&prod, &prod_p, "/api/provider/showback/rates").await, ["2026-01-01 0.02"]);
    assert_eq!(prices(&prod, &prod_p, "/api/provider/orgs/acme/showback/rates").await, ["2026-01-01 0.015"]);
    assert_eq!(max_functions(&prod, &prod_p).await, 7);
    let collectors: Value = prod.get("/api/provider/showback/collectors", &prod_p).await.json().await.unwrap();
    let made = &collectors[0];
    assert_eq!(
        (made["source"]["url"].as_str(), made["source"]["auth_value"].as_str()),
        (Some(url.as_str()), Some("********"))
    );
    let run_path = format!("/api/provider/showback/collectors/{}/run", made["id"].as_str().unwrap());
    let (status, run) = send(&prod, post.clone(), &run_path, &prod_p, json!({})).await;
    // The billing API answered with records (it answers 401 to a wrong credential: a failed run).
    assert_eq!(status, 200, "{run}");
    assert!(run["status"] != "failed" && run["imported"].as_u64() >= Some(1), "the sealed credential works: {run}");
    assert!(calls.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    let (status, again) = apply(&prod, &prod_p, &second, &planned, Some(select)).await;
    assert_eq!((status, again["changed"].clone()), (200, json!(0)), "the same plan twice: {again}");

    // Prod edits acme's limits (drift); dev raises its price: the update over prod's edit is a conflict.
    limits["max_functions"] = json!(9);
    send(&prod, reqwest::Method::PUT, "/api/provider/orgs/acme/limits", &prod_p, limits).await;
    let drift: Value = prod.get("/api/provider/packages/drift", &prod_p).await.json().await.unwrap();
    assert_eq!(drift["items"][0]["id"], "org_limits:acme", "{drift}");
    let rates: Value = dev.get("/api/provider/showback/rates", &dev_p).await.json().await.unwrap();
    let path = format!("/api/provider/showback/rates/{}", rates[0]["id"].as_str().unwrap());
    assert_eq!(send(&dev, reqwest::Method::PUT, &path, &dev_p, rate("0.03", "2026-01-01")).await.0, 200);
    let newer = export(&dev, &dev_p, recipient["recipient"].as_str().unwrap()).await;
    let third = signed(&with_prod_values(&newer, &[("billing-url", &url)]), &alice);
    let (_, planned) = plan(&prod, &prod_p, &third).await;
    let card = element(&planned, "rate_card:provider");
    assert_eq!(
        card["fields"],
        json!([{ "field": "compute/vcpu-hour from 2026-01-01", "from": "0.02 EUR", "to": "0.03 EUR" }])
    );
    assert_eq!(element(&planned, "org_limits:acme")["action"], "conflict", "{planned}");
    assert_eq!(element(&planned, "collector:billing")["action"], "unchanged");

    // Prod adds a price after the plan: the apply is refused and writes nothing.
    let (status, _) =
        send(&prod, post.clone(), "/api/provider/showback/rates", &prod_p, rate("0.05", "2027-01-01")).await;
    assert_eq!(status, 201);
    let (status, body) = apply(&prod, &prod_p, &third, &planned, Some("rate_card:provider")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("stale_plan")), "{body}");
    assert_eq!(prices(&prod, &prod_p, "/api/provider/showback/rates").await, ["2026-01-01 0.02", "2027-01-01 0.05"]);

    // Rollback to release 1: the card and acme's limits exactly as it wrote them.
    let r = prod.client.post(prod.url("/api/provider/packages/releases/1/rollback")).bearer_auth(&prod_p);
    let body: Value = r.send().await.unwrap().json().await.unwrap();
    assert_eq!((body["changed"].clone(), body["release"]["rollback_of"].clone()), (json!(2), json!(1)), "{body}");
    assert_eq!(prices(&prod, &prod_p, "/api/provider/showback/rates").await, ["2026-01-01 0.02"]);
    assert_eq!(max_functions(&prod, &prod_p).await, 7);
    let releases: Value = prod.get("/api/provider/packages/releases", &prod_p).await.json().await.unwrap();
    assert_eq!(releases["items"].as_array().unwrap().len(), 2);

    // Tenants have no way in; a tenant package is not a provider package, nor the other way.
    let token = tenant(&prod, "acme").await;
    assert_eq!(plan(&prod, &token, &second).await.0, 403);
    assert_eq!(prod.get("/api/provider/packages/releases", &token).await.status(), 403);
    let mut functions =
        stratus_core::packages::export_functions(&dev.store, "acme", &Default::default()).await.unwrap();
    functions.sign(&alice).unwrap();
    let (status, body) = plan(&prod, &prod_p, &functions.to_archive().unwrap()).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("this is a tenant package"), "{body}");
    let r = prod.client.post(prod.url("/api/org/acme/packages/plan")).bearer_auth(&token).body(second.clone());
    let body: Value = r.send().await.unwrap().json().await.unwrap();
    assert!(body.to_string().contains("this is a provider package"), "{body}");

    dev.shutdown().await;
    prod.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_content_on_sqlite() {
    provider_content(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_content_on_postgres() {
    provider_content(Db::Postgres).await;
}
