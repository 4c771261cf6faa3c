//! vCD auth mode against the simulator: vCD session tokens, role mapping, tenant context, the
//! token cache, legacy tokens, API tokens alongside, and CORS for the vCD portal's origin.

use std::time::Duration;
use stratus_core::testing::StoreAccess as _;

use api_types::{Budget, ErrorBody, Me, Role};
use harness::vcd::sim_endpoint;
use harness::{Db, TestApp, both_databases};
use stratus::config::AuthMode;
use vcd_sim::Simulator;

const PORTAL: &str = "https://vcd.example.com";
const CURRENT: &str = "/cloudapi/1.0.0/sessions/current";
const TENANT_CONTEXT: &str = "x-vmware-vcloud-tenant-context";

/// A simulator and a Stratus in vCD auth mode on `db`, trusting checked tokens for `ttl`.
async fn start(db: Db, ttl: Duration) -> (TestApp, Simulator) {
    let sim = Simulator::start().await;
    let endpoint = sim_endpoint(&sim);
    let app = TestApp::start_with(db, |mut config| {
        config.vcd = Some(endpoint);
        config.auth.mode = AuthMode::Vcd;
        config.auth.cache_ttl = ttl;
        config.cors_origins = vec![PORTAL.into()];
        config
    })
    .await;
    (app, sim)
}

/// A GET with extra headers.
async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn me(app: &TestApp, token: &str, context: Option<&str>) -> Me {
    let mut headers = vec![("authorization", format!("Bearer {token}"))];
    headers.extend(context.map(|c| (TENANT_CONTEXT, c.to_owned())));
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = get(app, "/api/me", &headers).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.json::<ErrorBody>().await.unwrap().error.code)
}

fn session_checks(sim: &Simulator) -> usize {
    sim.state().request_log().iter().filter(|r| r.path == CURRENT).count()
}

async fn put_budget(app: &TestApp, org: &str, headers: &[(&str, &str)], amount: &str) -> reqwest::Response {
    let mut request = app.client.put(app.url(&format!("/api/org/{org}/showback/budget")));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.json(&serde_json::json!({"amount": amount, "currency": "EUR"})).send().await.unwrap()
}

async fn tenants_providers_and_tenant_context(db: Db) {
    let (app, sim) = start(db, Duration::from_secs(30)).await;
    let acme = sim.state().issue_token("admin", "acme");
    let acme_auth = format!("Bearer {acme}");
    let acme_id = sim.state().org_id("acme").unwrap();
    let globex_id = sim.state().org_id("globex").unwrap();

    // An Organization Administrator is the tenant admin of the org of the same name, which
    // exists from the first call on.
    let me_acme = me(&app, &acme, None).await;
    assert_eq!(
        (me_acme.role, me_acme.org.as_deref(), me_acme.subject.as_str()),
        (Role::TenantAdmin, Some("acme"), "admin@acme")
    );
    assert_eq!(get(&app, "/api/org/acme", &[("authorization", &acme_auth)]).await.status(), 200);
    assert_eq!(put_budget(&app, "acme", &[("authorization", &acme_auth)], "1234").await.status(), 200);
    assert_eq!(
        code(get(&app, "/api/org/globex", &[("authorization", &acme_auth)]).await).await,
        (404, "not_found".into())
    );
    assert_eq!(
        code(get(&app, "/api/provider/orgs", &[("authorization", &acme_auth)]).await).await,
        (403, "forbidden".into())
    );

    // A tenant may name its own org as tenant context, never another one.
    let own = [("authorization", acme_auth.as_str()), (TENANT_CONTEXT, acme_id.as_str())];
    assert_eq!(get(&app, "/api/org/acme", &own).await.status(), 200);
    let foreign = [("authorization", acme_auth.as_str()), (TENANT_CONTEXT, globex_id.as_str())];
    let (status, error) = code(get(&app, "/api/org/acme", &foreign).await).await;
    assert_eq!((status, error.as_str()), (403, "forbidden"));
    assert_eq!(get(&app, "/api/org/globex", &foreign).await.status(), 403);

    // A System Administrator is the provider.
    let provider = sim.state().issue_token("administrator", "System");
    let provider_auth = format!("Bearer {provider}");
    let me_provider = me(&app, &provider, None).await;
    assert_eq!((me_provider.role, me_provider.org), (Role::Provider, None));
    assert_eq!(get(&app, "/api/provider/orgs", &[("authorization", &provider_auth)]).await.status(), 200);
    assert_eq!(get(&app, "/api/org/acme", &[("authorization", &provider_auth)]).await.status(), 200);

    // With a tenant context the provider acts inside that org, and sees its data.
    let uuid = acme_id.rsplit(':').next().unwrap();
    for context in [acme_id.as_str(), uuid] {
        let inside = [("authorization", provider_auth.as_str()), (TENANT_CONTEXT, context)];
        let budget = get(&app, "/api/org/acme/showback/budget", &inside).await;
        assert_eq!(budget.status(), 200, "context {context}");
        assert_eq!(budget.json::<Budget>().await.unwrap().amount, "1234.00");
        assert_eq!(get(&app, "/api/org/globex", &inside).await.status(), 404);
        assert_eq!(get(&app, "/api/provider/orgs", &inside).await.status(), 403);
        let me_inside = me(&app, &provider, Some(context)).await;
        assert_eq!((me_inside.role, me_inside.org.as_deref()), (Role::TenantAdmin, Some("acme")));
        assert_eq!(me_inside.subject, "administrator@System");
    }
    // Globex has no Stratus data yet; acting inside it creates its org.
    let in_globex = [("authorization", provider_auth.as_str()), (TENANT_CONTEXT, globex_id.as_str())];
    assert_eq!(put_budget(&app, "globex", &in_globex, "10").await.status(), 200);
    assert!(app.store.find_org("globex").await.unwrap().is_some());
    // The System org itself as context leaves the provider a provider; an unknown org or a
    // malformed id is refused.
    let system = sim.state().org_id("System").unwrap();
    assert_eq!(me(&app, &provider, Some(&system)).await.role, Role::Provider);
    for bad in ["urn:vcloud:org:00000000-0000-4000-8000-000000000000", "acme"] {
        let headers = [("authorization", provider_auth.as_str()), (TENANT_CONTEXT, bad)];
        assert_eq!(code(get(&app, "/api/me", &headers).await).await, (403, "forbidden".into()), "{bad}");
    }
    app.shutdown().await;
}
both_databases!(tenant_and_provider_sessions, db => super::tenants_providers_and_tenant_context);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_unknown_and_missing_tokens_are_401_and_other_roles_403() {
    let (app, sim) = start(Db::Sqlite, Duration::from_secs(30)).await;
    let token = sim.state().issue_token("admin", "globex");
    sim.state().expire_token(&token);
    let expired = get(&app, "/api/me", &[("authorization", &format!("Bearer {token}"))]).await;
    assert_eq!(expired.headers()["www-authenticate"], "Bearer");
    assert_eq!(code(expired).await, (401, "unauthorized".into()));
    let forged = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.forged-signature-forged-signature";
    assert_eq!(get(&app, "/api/me", &[("authorization", &format!("Bearer {forged}"))]).await.status(), 401);
    assert_eq!(get(&app, "/api/me", &[("x-vcloud-authorization", "0123456789abcdef")]).await.status(), 401);
    assert_eq!(get(&app, "/api/me", &[]).await.status(), 401);
    assert_eq!(get(&app, "/api/me", &[("authorization", "Bearer stratus_forged")]).await.status(), 401);

    // A valid vCD user whose role maps to nothing in Stratus.
    let user = sim.state().issue_token("jane", "acme");
    let (status, error) = code(get(&app, "/api/me", &[("authorization", &format!("Bearer {user}"))]).await).await;
    assert_eq!((status, error.as_str()), (403, "forbidden"));
    for org in ["acme", "globex"] {
        assert!(app.store.find_org(org).await.unwrap().is_none(), "refused callers create nothing");
    }
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checked_tokens_are_cached_for_the_ttl_then_checked_again() {
    let (app, sim) = start(Db::Sqlite, Duration::from_secs(1)).await;
    let token = sim.state().issue_token("admin", "acme");
    let auth = [("authorization", format!("Bearer {token}"))];
    let auth = [(auth[0].0, auth[0].1.as_str())];
    assert_eq!(get(&app, "/api/org/acme", &auth).await.status(), 200);
    assert_eq!(get(&app, "/api/org/acme/showback/costs", &auth).await.status(), 200);
    assert_eq!(session_checks(&sim), 1, "the second call within the TTL asks vCD nothing");

    // vCD ends the session: trusted until the TTL runs out, refused afterwards.
    sim.state().expire_token(&token);
    assert_eq!(get(&app, "/api/org/acme", &auth).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&app, "/api/org/acme", &auth).await.status(), 401);
    assert_eq!(get(&app, "/api/org/acme", &auth).await.status(), 401);
    assert_eq!(session_checks(&sim), 3, "refusals are not cached");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_tokens_and_stratus_api_tokens_work_alongside() {
    let (app, sim) = start(Db::Sqlite, Duration::from_secs(30)).await;
    let login = app
        .client
        .post(format!("{}/api/sessions", sim.url()))
        .basic_auth("admin@acme", Some(vcd_sim::PASSWORD))
        .header("accept", format!("application/*+xml;version={}", vcd_sim::API_VERSION))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let legacy = login.headers()["x-vcloud-authorization"].to_str().unwrap().to_owned();
    assert!(legacy.len() <= 32, "a legacy token, sent to vCD as x-vcloud-authorization");
    let response = get(&app, "/api/org/acme", &[("x-vcloud-authorization", &legacy)]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(get(&app, "/api/org/globex", &[("x-vcloud-authorization", &legacy)]).await.status(), 404);

    // Stratus API tokens never reach vCD.
    sim.state().clear_request_log();
    let api_token = app.token(Role::TenantAdmin, Some("globex")).await;
    assert_eq!(app.get("/api/org/globex", &api_token).await.status(), 200);
    assert_eq!(app.get("/api/org/acme", &api_token).await.status(), 404);
    let provider = app.token(Role::Provider, None).await;
    assert_eq!(app.get("/api/provider/orgs", &provider).await.status(), 200);
    assert_eq!(session_checks(&sim), 0);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vcd_portal_origin_may_call_the_api_cross_origin() {
    let (app, sim) = start(Db::Sqlite, Duration::from_secs(30)).await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/org/acme/functions"))
        .header("origin", PORTAL)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,x-vmware-vcloud-tenant-context,content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let headers = preflight.headers();
    assert_eq!(headers["access-control-allow-origin"], PORTAL);
    let allowed = headers["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    for header in ["authorization", "x-vcloud-authorization", TENANT_CONTEXT, "content-type"] {
        assert!(allowed.contains(header), "{header} in {allowed}");
    }
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("POST"));

    let token = sim.state().issue_token("admin", "acme");
    let auth = format!("Bearer {token}");
    let response = get(&app, "/api/org/acme", &[("origin", PORTAL), ("authorization", &auth)]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], PORTAL);
    let exposed = response.headers()["access-control-expose-headers"].to_str().unwrap();
    assert!(exposed.contains("x-stratus-invocation-id"), "{exposed}");

    // Other origins get no CORS headers.
    let other = get(&app, "/api/org/acme", &[("origin", "https://evil.example.com"), ("authorization", &auth)]).await;
    assert!(other.headers().get("access-control-allow-origin").is_none());
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vcd_auth_mode_without_a_vcd_does_not_start() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = stratus::config::Config::with_data_dir(data_dir.path());
    config.auth.mode = AuthMode::Vcd;
    let store = stratus_core::store::Store::connect(&config.database_url()).await.unwrap();
    let err = stratus::AppState::build(config, store.clone()).await.err().expect("no vCD configured");
    assert!(err.to_string().contains("--vcd-url"), "{err}");
    store.close().await;
}

/// The app also sends its vCD token in `x-stratus-vcd-token`, which Stratus reads first: it
/// works whatever vCD's `/ext-api` proxy put in `Authorization`, is checked with vCD like any
/// vCD token, and, like every credential header, never reaches function code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_own_token_header_works_whatever_authorization_carries() {
    let (app, sim) = start(Db::Sqlite, Duration::from_secs(30)).await;
    let token = sim.state().issue_token("admin", "acme");
    let header = api_types::VCD_TOKEN_HEADER;
    let proxied = [("authorization", "Bearer what-the-proxy-put-here"), (header, token.as_str())];
    assert_eq!(get(&app, "/api/org/acme", &proxied).await.status(), 200);
    assert_eq!(get(&app, "/api/org/acme", &[(header, &token)]).await.status(), 200, "without Authorization");
    assert_eq!(get(&app, "/api/org/globex", &[(header, &token)]).await.status(), 404, "another tenant's org");
    let bearer = format!("Bearer {token}");
    let forged = [("authorization", bearer.as_str()), (header, "forged")];
    assert_eq!(code(get(&app, "/api/org/acme", &forged).await).await, (401, "unauthorized".to_owned()));

    let api_token = app.token(Role::TenantAdmin, Some("acme")).await;
    let echo = "module.exports = async (event) => Object.keys(event.headers).sort().join(',')";
    crate::functions::deploy(&app, &api_token, "acme", "echo", echo, serde_json::json!({})).await;
    let call = [(header, token.as_str()), ("authorization", "Bearer proxy"), ("x-vcloud-authorization", "legacy")];
    let response = get(&app, "/api/org/acme/echo", &call).await;
    assert_eq!(response.status(), 200);
    let seen = response.text().await.unwrap();
    for secret in [header, "authorization", "x-vcloud-authorization"] {
        assert!(!seen.split(',').any(|h| h == secret), "the function saw {secret}: {seen}");
    }
    app.shutdown().await;
}
