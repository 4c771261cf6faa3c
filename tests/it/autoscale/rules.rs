//! Rules: pickers from vCD, validation with field messages, CRUD, tenant isolation.

use api_types::{AutoscaleRuleSummary, ErrorBody, ListResponse, Role, Rule, RuleStatus};
use harness::{Db, both_databases};
use reqwest::Method;
use serde_json::json;

use super::Ctx;

fn fields(body: &ErrorBody) -> Vec<String> {
    body.error.details.iter().filter_map(|d| d.field.clone()).collect()
}

async fn refused(ctx: &Ctx, method: Method, path: &str, spec: &serde_json::Value) -> ErrorBody {
    let response = ctx.send(method, path, spec).await;
    assert_eq!(response.status(), 422, "{path} must refuse {spec}");
    response.json().await.unwrap()
}

async fn rules_are_validated_against_vcd(db: Db) {
    let ctx = Ctx::start(db).await;
    let edges: ListResponse<api_types::VcdObject> = ctx.get_json("/api/org/acme/autoscale/vcd/edge-gateways").await;
    let kinds: Vec<_> = edges.items.iter().map(|e| (e.name.as_str(), e.lb_kind)).collect();
    assert!(kinds.contains(&("edge-v", Some(api_types::LbKind::NsxV))), "{kinds:?}");
    assert!(kinds.contains(&("edge-t", Some(api_types::LbKind::NsxTAlb))), "{kinds:?}");
    assert!(!edges.items.iter().any(|e| e.name == "globex-edge"), "acme must not see globex's edge");
    let pools: ListResponse<api_types::VcdObject> = ctx
        .get_json(&format!(
            "/api/org/acme/autoscale/vcd/edge-gateways/{}/pools",
            ctx.pick("edge-gateways", "edge-v").await
        ))
        .await;
    assert_eq!(pools.items.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["web-pool"]);

    let path = "/api/org/acme/autoscale/rules";
    let bad = ctx
        .spec(
            "edge-v",
            "web-pool",
            json!({"name": "", "cpu": {"scale_out": 120, "scale_in": 30}, "memory": {"scale_out": 50, "scale_in": 60},
                   "min_vms": 5, "max_vms": 3, "step": 0}),
        )
        .await;
    let body = refused(&ctx, Method::POST, path, &bad).await;
    assert_eq!(body.error.code, "validation_failed");
    assert_eq!(fields(&body), ["name", "cpu.scale_out", "memory.scale_in", "min_vms", "step"]);

    let missing = ctx
        .spec(
            "edge-v",
            "no-such-pool",
            json!({"template": "urn:vcloud:vapptemplate:0000", "vapp": "urn:vcloud:vapp:0000"}),
        )
        .await;
    let body = refused(&ctx, Method::POST, path, &missing).await;
    assert_eq!(fields(&body), ["template", "vapp", "lb_pool"]);
    // globex's edge gateway is not acme's.
    let mut foreign = ctx.spec("edge-v", "web-pool", json!({})).await;
    foreign["edge_gateway"] = json!(ctx.sim.state().edge_id("globex-edge").unwrap());
    assert_eq!(fields(&refused(&ctx, Method::POST, path, &foreign).await), ["edge_gateway"]);
    let listed: ListResponse<AutoscaleRuleSummary> = ctx.get_json(path).await;
    assert!(listed.items.is_empty(), "refused rules leave nothing behind");

    let (id, secret) = ctx.create(&ctx.spec("edge-v", "web-pool", json!({})).await).await;
    assert!(secret.len() > 20);
    let rule: Rule = ctx.get_json(&format!("{path}/{id}")).await;
    assert_eq!((rule.targets.vapp_name.as_str(), rule.targets.lb_kind), ("web-app", Some(api_types::LbKind::NsxV)));
    assert_eq!(rule.status, RuleStatus::Ok);
    assert_eq!(rule.webhook_path, "/api/autoscale/alerts/vrops");
    let duplicate = refused(&ctx, Method::POST, path, &ctx.spec("edge-v", "web-pool", json!({})).await).await;
    assert_eq!(fields(&duplicate), ["name"]);

    let changed = ctx.spec("edge-t", "web-alb", json!({"max_vms": 6, "enabled": false})).await;
    let response = ctx.send(Method::PUT, &format!("{path}/{id}"), &changed).await;
    assert_eq!(response.status(), 200);
    let rule: Rule = response.json().await.unwrap();
    assert_eq!(
        (rule.spec.max_vms, rule.status, rule.targets.lb_kind),
        (6, RuleStatus::Disabled, Some(api_types::LbKind::NsxTAlb))
    );
    let body = refused(
        &ctx,
        Method::PUT,
        &format!("{path}/{id}"),
        &ctx.spec("edge-t", "web-alb", json!({"min_vms": 9})).await,
    )
    .await;
    assert_eq!(fields(&body), ["min_vms"]);
    let rule: Rule = ctx.get_json(&format!("{path}/{id}")).await;
    assert_eq!(rule.spec.max_vms, 6, "a refused update changes nothing");

    let listed: ListResponse<AutoscaleRuleSummary> = ctx.get_json(path).await;
    assert_eq!(listed.items.len(), 1);
    assert_eq!((listed.items[0].vapp_name.as_str(), listed.items[0].max_vms), ("web-app", 6));
    let response = ctx.send(Method::DELETE, &format!("{path}/{id}"), &json!({})).await;
    assert_eq!(response.status(), 204);
    assert_eq!(ctx.app.get(&format!("{path}/{id}"), &ctx.token).await.status(), 404);
    ctx.stop().await;
}

both_databases!(validation, db => super::rules_are_validated_against_vcd);

async fn other_tenants_get_404(db: Db) {
    let ctx = Ctx::start(db).await;
    let (id, _) = ctx.create(&ctx.spec("edge-v", "web-pool", json!({})).await).await;
    let globex = ctx.app.token(Role::TenantAdmin, Some("globex")).await;
    let base = format!("/api/org/acme/autoscale/rules/{id}");
    for path in [
        "/api/org/acme/autoscale/rules".to_owned(),
        base.clone(),
        format!("{base}/events"),
        format!("{base}/actions"),
        format!("{base}/vms"),
        format!("{base}/chart/vm-count.svg"),
        "/api/org/acme/autoscale/vcd/templates".to_owned(),
    ] {
        assert_eq!(ctx.app.get(&path, &globex).await.status(), 404, "GET {path} as globex");
    }
    // Globex addressing the rule through its own org finds nothing either.
    assert_eq!(ctx.app.get(&format!("/api/org/globex/autoscale/rules/{id}"), &globex).await.status(), 404);
    let client = &ctx.app.client;
    let push = client.post(ctx.app.url(&format!("{base}/metrics"))).bearer_auth(&globex);
    assert_eq!(push.json(&json!({"cpu": 99})).send().await.unwrap().status(), 404);
    let delete = client.delete(ctx.app.url(&base)).bearer_auth(&globex).send().await.unwrap();
    assert_eq!(delete.status(), 404);
    assert_eq!(ctx.app.get(&base, &ctx.token).await.status(), 200, "the rule is still there");
    ctx.stop().await;
}

both_databases!(isolation, db => super::other_tenants_get_404);

async fn bad_signals_are_refused(db: Db) {
    let ctx = Ctx::start(db).await;
    let (id, secret) = ctx.create(&ctx.spec("edge-v", "web-pool", json!({})).await).await;
    let path = format!("/api/org/acme/autoscale/rules/{id}/metrics");
    for (body, field) in [
        (json!({"cpu": 101}), "cpu"),
        (json!({"memory": -1}), "memory"),
        (json!({}), "cpu"),
        (json!({"cpu": 50, "at": "yesterday"}), "at"),
    ] {
        let response = ctx.send(Method::POST, &path, &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: ErrorBody = response.json().await.unwrap();
        assert_eq!(fields(&error), [field], "{body}");
    }
    let alert = super::vrops_alert("a-1", "web CPU high", "ACTIVE", 1);
    assert_eq!(ctx.alert(&id, "wrong-secret", &alert).await.status(), 401);
    let unsigned = ctx.app.client.post(ctx.app.url("/api/autoscale/alerts/vrops")).json(&alert).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
    let disk = super::vrops_alert("a-2", "web disk latency", "ACTIVE", 1);
    let response = ctx.alert(&id, &secret, &disk).await;
    assert_eq!(response.status(), 422);
    let mut elsewhere = alert.clone();
    elsewhere["resourceName"] = json!("some-other-vapp");
    elsewhere["resourceId"] = json!("x");
    assert_eq!(ctx.alert(&id, &secret, &elsewhere).await.status(), 422);
    assert!(ctx.actions(&id).await.is_empty(), "no refused signal scales anything");
    assert_eq!(ctx.sim.state().vms("web-app").len(), 2);
    ctx.stop().await;
}

both_databases!(signal_validation, db => super::bad_signals_are_refused);
