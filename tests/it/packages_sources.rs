//! Sync: prod's provider registers dev as a package source for acme (its URL and a provider
//! token of dev, kept sealed); acme on prod plans and applies its own export from dev, other
//! orgs cannot; a change at dev
//! between plan and apply is a stale plan; tenants cannot register sources, and a source that
//! refuses the token says so.

use api_types::Role;
use harness::{Db, TestApp};
use serde_json::{Value, json};

use crate::functions::{call, deploy, tenant};

fn code(text: &str) -> String {
    format!("export default {{ fetch() {{ return new Response('{text}'); }} }};")
}

async fn post(app: &TestApp, token: &str, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let r = app.client.post(app.url(path)).query(query).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn sync(db: Db) {
    let (dev, prod) = (TestApp::start(db).await, TestApp::start(db).await);
    let (dev_token, token) = (tenant(&dev, "acme").await, tenant(&prod, "acme").await);
    deploy(&dev, &dev_token, "acme", "hello", &code("v1"), json!({})).await;
    let (dev_provider, provider) = (dev.token(Role::Provider, None).await, prod.token(Role::Provider, None).await);

    let body = json!({ "name": "dev", "url": dev.url(""), "token": dev_provider, "orgs": ["acme"] });
    let sources = prod.url("/api/provider/package-sources");
    let r = prod.client.post(&sources).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 403, "only the provider registers sources");
    let r = prod.client.post(&sources).bearer_auth(&provider).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let listed = prod.client.get(&sources).bearer_auth(&provider).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains("\"name\":\"dev\"") && !listed.contains(&dev_provider), "never the token: {listed}");
    let bad = json!({ "name": "x", "url": "ftp://nope", "token": "t", "orgs": ["acme"] });
    let r = prod.client.post(&sources).bearer_auth(&provider).json(&bad).send().await.unwrap();
    let error: Value = r.json().await.unwrap();
    assert_eq!(error["error"]["details"][0]["field"], "url", "{error}");

    let (status, plan) = post(&prod, &token, "/api/org/acme/packages/sources/dev/plan", &[]).await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["elements"][0]["action"], "create");
    // Dev moves on between plan and apply: the pulled package is another one.
    let put = dev.client.put(dev.url("/api/org/acme/functions/hello")).bearer_auth(&dev_token);
    assert_eq!(put.json(&json!({ "route": "hello", "code": code("v2") })).send().await.unwrap().status(), 202);
    crate::functions::wait_settled(&dev, &dev_token, "acme", "hello").await;
    let fingerprint = plan["fingerprint"].as_str().unwrap();
    let (status, body) =
        post(&prod, &token, "/api/org/acme/packages/sources/dev/apply", &[("plan", fingerprint)]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("stale_plan")), "{body}");
    let (_, plan) = post(&prod, &token, "/api/org/acme/packages/sources/dev/plan", &[]).await;
    let fingerprint = plan["fingerprint"].as_str().unwrap();
    let (status, body) =
        post(&prod, &token, "/api/org/acme/packages/sources/dev/apply", &[("plan", fingerprint)]).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(1)), "{body}");
    let served = call(&prod, &token, "GET", "/api/org/acme/hello", None).await.text().await.unwrap();
    assert_eq!(served, "v2");

    // Unknown source, another tenant, a source that refuses the token.
    let (status, _) = post(&prod, &token, "/api/org/acme/packages/sources/nope/plan", &[]).await;
    assert_eq!(status, 404);
    let other = tenant(&prod, "globex").await;
    let (status, _) = post(&prod, &other, "/api/org/acme/packages/sources/dev/plan", &[]).await;
    assert_eq!(status, 404);
    // A source is bound to the orgs the provider named: globex cannot pull its namesake.
    let (status, _) = post(&prod, &other, "/api/org/globex/packages/sources/dev/plan", &[]).await;
    assert_eq!(status, 404);
    let listed: Value = prod.get("/api/org/globex/packages/sources", &other).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
    let revoked = json!({ "name": "stale", "url": dev.url(""), "token": "stratus_not-a-token", "orgs": ["acme"] });
    let r = prod.client.post(&sources).bearer_auth(&provider).json(&revoked).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let (status, body) = post(&prod, &token, "/api/org/acme/packages/sources/stale/plan", &[]).await;
    assert_eq!(status, 503, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("refused this instance's token"), "{body}");
    dev.shutdown().await;
    prod.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_syncs_from_a_registered_source_on_sqlite() {
    sync(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_syncs_from_a_registered_source_on_postgres() {
    sync(Db::Postgres).await;
}
