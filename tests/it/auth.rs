//! Tokens, roles and tenant isolation.

use api_types::{ErrorBody, ListResponse, Me, Org, Role};
use harness::{TestApp, both_databases};
use stratus_core::testing::StoreAccess as _;

async fn missing_or_bad_tokens_get_401(app: &TestApp) {
    let none = app.client.get(app.url("/api/me")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    assert_eq!(none.json::<ErrorBody>().await.unwrap().error.code, "unauthorized");
    for bad in ["nope", "stratus_forged", ""] {
        assert_eq!(app.get("/api/me", bad).await.status(), 401, "token {bad:?}");
    }
}
both_databases!(unauthenticated, super::missing_or_bad_tokens_get_401);

async fn tenants_see_only_their_org(app: &TestApp) {
    let acme = app.token(Role::TenantAdmin, Some("acme")).await;
    let globex = app.token(Role::TenantAdmin, Some("globex")).await;
    let me: Me = app.get("/api/me", &acme).await.json().await.unwrap();
    assert_eq!((me.role, me.org.as_deref(), me.orgs), (Role::TenantAdmin, Some("acme"), vec!["acme".to_string()]));
    for path in
        ["/api/org/acme", "/api/org/acme/functions", "/api/org/acme/autoscale/rules", "/api/org/acme/showback/costs"]
    {
        assert_eq!(app.get(path, &acme).await.status(), 200, "{path} as acme");
        let other = app.get(path, &globex).await;
        assert_eq!(other.status(), 404, "{path} as globex");
        assert_eq!(other.json::<ErrorBody>().await.unwrap().error.code, "not_found");
    }
    // A missing org and a foreign org answer alike.
    let missing: ErrorBody = app.get("/api/org/initech/functions", &acme).await.json().await.unwrap();
    let foreign: ErrorBody = app.get("/api/org/globex/functions", &acme).await.json().await.unwrap();
    assert_eq!(missing.error.code, foreign.error.code);
    assert_eq!(app.get("/api/provider/orgs", &acme).await.status(), 403);
}
both_databases!(tenant_isolation, super::tenants_see_only_their_org);

async fn providers_see_every_org_and_create_orgs(app: &TestApp) {
    let _ = app.token(Role::TenantAdmin, Some("acme")).await;
    let provider = app.token(Role::Provider, None).await;
    let created = app
        .client
        .post(app.url("/api/provider/orgs"))
        .bearer_auth(&provider)
        .json(&serde_json::json!({"name": "globex", "display_name": "Globex Inc."}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.json::<Org>().await.unwrap().display_name, "Globex Inc.");
    let again = app
        .client
        .post(app.url("/api/provider/orgs"))
        .bearer_auth(&provider)
        .json(&serde_json::json!({"name": "globex"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let bad = app
        .client
        .post(app.url("/api/provider/orgs"))
        .bearer_auth(&provider)
        .json(&serde_json::json!({"name": "bad/name"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let body: ErrorBody = bad.json().await.unwrap();
    assert_eq!(body.error.details[0].field.as_deref(), Some("name"));

    let orgs: ListResponse<Org> = app.get("/api/provider/orgs", &provider).await.json().await.unwrap();
    let names: Vec<_> = orgs.items.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["acme", "globex"]);
    let me: Me = app.get("/api/me", &provider).await.json().await.unwrap();
    assert_eq!((me.role, me.org, me.orgs.len()), (Role::Provider, None, 2));
    assert_eq!(app.get("/api/org/globex/functions", &provider).await.status(), 200);
    assert_eq!(app.get("/api/org/initech/functions", &provider).await.status(), 404);
}
both_databases!(provider_access, super::providers_see_every_org_and_create_orgs);

async fn revoked_tokens_stop_working(app: &TestApp) {
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    assert_eq!(app.get("/api/me", &token).await.status(), 200);
    let id = app.store.list_tokens().await.unwrap().pop().unwrap().token_id;
    // As `stratus token revoke` does, from outside the server: on PostgreSQL the replicas hear
    // of it at once, on SQLite (another process could not tell them) within a heartbeat.
    assert!(stratus_core::tokens::revoke(&app.store, &id).await.unwrap());
    let revoked = std::time::Instant::now();
    while app.get("/api/me", &token).await.status() != 401 {
        assert!(revoked.elapsed() < std::time::Duration::from_secs(5), "the revoked token still works");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    eprintln!("refused {:?} after the revocation", revoked.elapsed());
    assert!(!stratus_core::tokens::revoke(&app.store, &id).await.unwrap(), "revoking twice reports nothing to revoke");
}
both_databases!(revocation, super::revoked_tokens_stop_working);
