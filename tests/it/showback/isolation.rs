//! Every org endpoint answers 404 for another tenant's org; provider endpoints refuse tenants.

use api_types::Role;
use harness::{TestApp, both_databases};

const ORG_GETS: [&str; 9] = [
    "summary",
    "overview",
    "costs",
    "export.csv",
    "budget",
    "chart/services-by-month.svg",
    "chart/month-trend.svg",
    "chart/top-resources.svg",
    "summary?month=2026-01",
];

const PROVIDER_GETS: [&str; 7] = [
    "/api/provider/showback/costs",
    "/api/provider/showback/top",
    "/api/provider/showback/rates",
    "/api/provider/orgs/acme/showback/rates",
    "/api/provider/showback/collectors",
    "/api/provider/showback/collectors/col_metering/runs",
    "/api/provider/showback/chart/top-tenants.svg",
];

async fn tenants_see_only_their_org(app: &TestApp) {
    let acme = app.token(Role::TenantAdmin, Some("acme")).await;
    let globex = app.token(Role::TenantAdmin, Some("globex")).await;
    let budget = serde_json::json!({"amount": "100", "currency": "EUR"});
    let put = |token: &str, org: &str| {
        let url = app.url(&format!("/api/org/{org}/showback/budget"));
        app.client.put(url).bearer_auth(token).json(&budget).send()
    };
    assert_eq!(put(&acme, "acme").await.unwrap().status(), 200);
    for path in ORG_GETS {
        let own = app.get(&format!("/api/org/acme/showback/{path}"), &acme).await;
        assert_eq!(own.status(), 200, "acme {path}");
        for (token, org) in [(&globex, "acme"), (&acme, "nobody")] {
            let response = app.get(&format!("/api/org/{org}/showback/{path}"), token).await;
            assert_eq!(response.status(), 404, "{org} {path}");
            let body: api_types::ErrorBody = response.json().await.unwrap();
            assert_eq!(body.error.code, "not_found");
        }
    }
    assert_eq!(put(&globex, "acme").await.unwrap().status(), 404);
    let delete = app.client.delete(app.url("/api/org/acme/showback/budget")).bearer_auth(&globex).send().await.unwrap();
    assert_eq!(delete.status(), 404);
    assert_eq!(app.get("/api/org/acme/showback/budget", &acme).await.status(), 200, "still there");

    for path in PROVIDER_GETS {
        assert_eq!(app.get(path, &acme).await.status(), 403, "{path}");
    }
    let run = app.client.post(app.url("/api/provider/showback/collectors/col_metering/run")).bearer_auth(&acme);
    assert_eq!(run.send().await.unwrap().status(), 403);
    let provider = app.token(Role::Provider, None).await;
    assert_eq!(put(&provider, "globex").await.unwrap().status(), 200, "the provider sets any org's budget");
    for path in ORG_GETS {
        assert_eq!(
            app.get(&format!("/api/org/globex/showback/{path}"), &provider).await.status(),
            200,
            "provider {path}"
        );
    }
}
both_databases!(isolation, super::tenants_see_only_their_org);
