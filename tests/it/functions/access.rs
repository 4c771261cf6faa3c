//! Who may call a function: the org's credentials (the default), a key of the function's
//! (`x-functions-key` or `?code=`), or anyone when it is public and the provider allows it.

use api_types::{ListResponse, Role};
use harness::{TestApp, both_databases};
use serde_json::{Value, json};

use super::{call, deploy, error_code, tenant};

const ECHO: &str = "export default { fetch(request) { \
    const url = new URL(request.url); \
    return Response.json({ query: url.search, key: request.headers.get('x-functions-key') }); } };";

async fn anonymous(app: &TestApp, path: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(key) = key {
        request = request.header("x-functions-key", key);
    }
    request.send().await.unwrap()
}

async fn new_key(app: &TestApp, token: &str, function: &str, name: &str) -> Value {
    let url = app.url(&format!("/api/org/acme/functions/{function}/keys"));
    let r = app.client.post(url).bearer_auth(token).json(&json!({"name": name})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn keys_open_one_function_and_nothing_else(app: &TestApp) {
    let token = tenant(app, "acme").await;
    deploy(app, &token, "acme", "hook", ECHO, json!({"access": "keys"})).await;
    deploy(app, &token, "acme", "other", ECHO, json!({"access": "keys"})).await;
    deploy(app, &token, "acme", "private", ECHO, json!({})).await;
    assert_eq!(anonymous(app, "/api/org/acme/hook", None).await.status(), 401);
    assert_eq!(anonymous(app, "/api/org/acme/private", None).await.status(), 401, "org access by default");

    let key = new_key(app, &token, "hook", "chat tool").await;
    let secret = key["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("sfk_"), "{secret}");
    let r = anonymous(app, "/api/org/acme/hook?a=1", Some(&secret)).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("server-timing").is_none(), "how busy the workers are is not a key holder's business");
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"query": "?a=1", "key": null}), "the key is not passed on");
    let r = anonymous(app, &format!("/api/org/acme/hook?a=1&code={secret}"), None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["query"], "?a=1", "?code= is not passed on");
    assert_eq!(anonymous(app, "/api/org/acme/hook", Some("sfk_wrong")).await.status(), 401);
    assert_eq!(anonymous(app, "/api/org/acme/other", Some(&secret)).await.status(), 401, "another function's key");
    assert_eq!(anonymous(app, "/api/org/acme/private", Some(&secret)).await.status(), 401);
    assert_eq!(anonymous(app, "/api/org/acme/functions", Some(&secret)).await.status(), 401, "not the org API");
    assert_eq!(call(app, &token, "GET", "/api/org/acme/hook", None).await.status(), 200, "org credentials still work");

    let listed: ListResponse<Value> = app.get("/api/org/acme/functions/hook/keys", &token).await.json().await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0]["name"], "chat tool");
    assert!(listed.items[0].get("secret").is_none(), "secrets are shown once");
    let globex = tenant(app, "globex").await;
    assert_eq!(app.get("/api/org/acme/functions/hook/keys", &globex).await.status(), 404);

    let id = key["id"].as_str().unwrap();
    let url = app.url(&format!("/api/org/acme/functions/hook/keys/{id}"));
    assert_eq!(app.client.delete(&url).bearer_auth(&token).send().await.unwrap().status(), 204);
    assert_eq!(anonymous(app, "/api/org/acme/hook", Some(&secret)).await.status(), 401, "refused at once");
    assert_eq!(app.client.delete(&url).bearer_auth(&token).send().await.unwrap().status(), 404);

    let bad = app.client.post(app.url("/api/org/acme/functions/hook/keys")).bearer_auth(&token);
    let r = bad.json(&json!({"name": " "})).send().await.unwrap();
    assert_eq!(r.status(), 422);
}
both_databases!(function_keys, super::keys_open_one_function_and_nothing_else);

async fn public_functions_answer_anyone_unless_the_provider_forbids_them(app: &TestApp) {
    let token = tenant(app, "acme").await;
    deploy(app, &token, "acme", "open", ECHO, json!({"access": "public"})).await;
    assert_eq!(anonymous(app, "/api/org/acme/open", None).await.status(), 200);
    let globex = tenant(app, "globex").await;
    assert_eq!(call(app, &globex, "GET", "/api/org/acme/open", None).await.status(), 200, "anyone");
    assert_eq!(anonymous(app, "/api/org/nosuch/open", None).await.status(), 401, "no org: the usual refusal");

    let provider = app.token(Role::Provider, None).await;
    let mut limits: Value = app.get("/api/provider/orgs/acme/limits", &provider).await.json().await.unwrap();
    assert_eq!(limits["allow_public"], true, "allowed unless the provider says otherwise");
    limits["allow_public"] = false.into();
    let put = app.client.put(app.url("/api/provider/orgs/acme/limits")).bearer_auth(&provider).json(&limits);
    assert_eq!(put.send().await.unwrap().status(), 200);
    assert_eq!(anonymous(app, "/api/org/acme/open", None).await.status(), 401, "forbidden at once");
    assert_eq!(call(app, &token, "GET", "/api/org/acme/open", None).await.status(), 200, "the org still may");

    let body = json!({"name": "open2", "route": "open2", "code": ECHO, "access": "public"});
    let r = app.client.post(app.url("/api/org/acme/functions")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let details: Value = r.json().await.unwrap();
    assert_eq!(details["error"]["details"][0]["field"], "access");
    let r = app
        .client
        .post(app.url("/api/org/acme/functions"))
        .bearer_auth(&token)
        .json(&json!({
        "name": "x", "route": "x", "code": ECHO, "access": "everyone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, "validation_failed", "an unknown access is a field error");
}
both_databases!(public_functions, super::public_functions_answer_anyone_unless_the_provider_forbids_them);
