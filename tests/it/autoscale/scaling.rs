//! Scaling through vCD: alerts and metrics in, VMs and pool members out.

use api_types::{ActionStatus, Direction, Evaluation, ListResponse, RuleVm, StepState};
use harness::{Db, both_databases};
use reqwest::Method;
use serde_json::json;
use vcd_sim::TaskKind;

use super::{Ctx, vrops_alert};

async fn an_alert_scales_out_into_the_pool(db: Db) {
    let ctx = Ctx::start(db).await;
    let (id, secret) = ctx.create(&ctx.spec("edge-v", "web-pool", json!({})).await).await;
    let before: Vec<String> = ctx.sim.state().vms("web-app").into_iter().map(|vm| vm.name).collect();

    let alert = vrops_alert("alert-1", "web-app CPU high", "ACTIVE", 1_700_000_060_000);
    let response = ctx.alert(&id, &secret, &alert).await;
    assert_eq!(response.status(), 201);
    let evaluation: Evaluation = response.json().await.unwrap();
    assert_eq!(
        (evaluation.decision.direction, evaluation.decision.from_vms, evaluation.decision.to_vms),
        (Direction::ScaleOut, 2, 3)
    );
    let action = evaluation.action_id.expect("an action started");
    let detail = ctx.finished(&id, &action).await;
    assert_eq!(detail.summary.status, ActionStatus::Succeeded, "{detail:?}");
    let steps: Vec<(&str, StepState)> = detail.steps.iter().map(|s| (s.step.as_str(), s.state)).collect();
    assert_eq!(steps, [("recompose", StepState::Done), ("power_on", StepState::Done), ("pool_add", StepState::Done)]);

    let vms = ctx.sim.state().vms("web-app");
    assert_eq!(vms.len(), 3);
    let new = vms.iter().find(|vm| !before.contains(&vm.name)).expect("a new VM");
    assert_eq!(new.name, detail.steps[0].vm_name);
    assert!(new.powered_on);
    let ip = new.ip.clone().expect("the new VM has an IP");
    let members = ctx.sim.state().pool_members("edge-v", "web-pool");
    assert!(members.contains(&(ip, true)), "{members:?}");
    assert_eq!(members.len(), 3);

    // The same alert again (vROps retries) is a duplicate and changes nothing.
    let again: Evaluation = ctx.alert(&id, &secret, &alert).await.json().await.unwrap();
    assert!(again.duplicate && again.action_id.is_none());
    assert_eq!(ctx.actions(&id).await.len(), 1);

    let rule_vms: ListResponse<RuleVm> = ctx.get_json(&format!("/api/org/acme/autoscale/rules/{id}/vms")).await;
    assert!(rule_vms.items.iter().all(|vm| vm.in_pool && vm.powered_on), "{:?}", rule_vms.items);
    // The action's last event is written just after its last step: wait for it.
    let started = std::time::Instant::now();
    let mut timeline = ctx.timeline(&id).await.join("\n");
    while !timeline.contains("succeeded in") && started.elapsed() < std::time::Duration::from_secs(10) {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        timeline = ctx.timeline(&id).await.join("\n");
    }
    for expected in ["vROps alert 'web-app CPU high' (cpu high) active", "scale-out 2 → 3", "pool_add", "succeeded in"]
    {
        assert!(timeline.contains(expected), "timeline lacks {expected:?}:\n{timeline}");
    }
    let svg = ctx.app.get(&format!("/api/org/acme/autoscale/rules/{id}/chart/vm-count.svg"), &ctx.token).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
    ctx.stop().await;
}

both_databases!(scale_out_by_alert, db => super::an_alert_scales_out_into_the_pool);

/// NSX-T ALB pools take the same path through cloudapi JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_scale_out_behind_an_nsx_t_pool() {
    let ctx = Ctx::start(Db::Sqlite).await;
    let (id, _) = ctx.create(&ctx.spec("edge-t", "web-alb", json!({"step": 2})).await).await;
    let evaluation: Evaluation = serde_json::from_value(ctx.push(&id, 50.0, 92.0).await).unwrap();
    assert!(evaluation.decision.reason.contains("memory 92% ≥ 85%"), "{:?}", evaluation.decision);
    let detail = ctx.finished(&id, &evaluation.action_id.unwrap()).await;
    assert_eq!((detail.summary.status, detail.summary.to_vms), (ActionStatus::Succeeded, 4));
    let members = ctx.sim.state().pool_members("edge-t", "web-alb");
    let ips: Vec<String> = ctx.sim.state().vms("web-app").into_iter().filter_map(|vm| vm.ip).collect();
    for ip in &ips[2..] {
        assert!(members.contains(&(ip.clone(), true)), "{ip} not in {members:?}");
    }
    ctx.stop().await;
}

async fn scale_in_drains_before_deleting_and_spares_protected_vms(db: Db) {
    let ctx = Ctx::start(db).await;
    let (id, _) = ctx.create(&ctx.spec("edge-v", "web-pool", json!({"victim_policy": "newest"})).await).await;
    // Grow to 4 first, so there is a newest VM to protect and one to remove.
    for _ in 0..2 {
        let grow: Evaluation = serde_json::from_value(ctx.push(&id, 95.0, 50.0).await).unwrap();
        ctx.finished(&id, &grow.action_id.expect("scale-out")).await;
    }
    let vms: ListResponse<RuleVm> = ctx.get_json(&format!("/api/org/acme/autoscale/rules/{id}/vms")).await;
    let mut by_age = vms.items.clone();
    by_age.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    let (newest, second) = (by_age[3].clone(), by_age[2].clone());
    let path = format!("/api/org/acme/autoscale/rules/{id}/vms/{}/protection", newest.id);
    let protected: RuleVm = ctx.send(Method::PUT, &path, &json!({"protected": true})).await.json().await.unwrap();
    assert!(protected.protected);

    ctx.sim.state().clear_request_log();
    let shrink: Evaluation = serde_json::from_value(ctx.push(&id, 10.0, 10.0).await).unwrap();
    assert_eq!(shrink.decision.direction, Direction::ScaleIn, "{:?}", shrink.decision);
    let detail = ctx.finished(&id, &shrink.action_id.unwrap()).await;
    assert_eq!(detail.summary.status, ActionStatus::Succeeded, "{detail:?}");
    assert!(detail.steps.iter().all(|s| s.vm_name == second.name), "the newest unprotected VM goes: {detail:?}");

    let names: Vec<String> = ctx.sim.state().vms("web-app").into_iter().map(|vm| vm.name).collect();
    assert!(names.contains(&newest.name) && !names.contains(&second.name), "{names:?}");
    let second_ip = second.ip.unwrap();
    assert!(!ctx.sim.state().pool_members("edge-v", "web-pool").iter().any(|(ip, _)| *ip == second_ip));
    // vCD saw: pool updates (disable, then remove) before the power-off, and the delete last.
    let log = ctx.sim.state().request_log();
    let position = |f: &dyn Fn(&vcd_sim::RequestRecord) -> bool| log.iter().position(f);
    let pool_put = |r: &vcd_sim::RequestRecord| r.method == "PUT" && r.path.contains("/loadbalancer/config/pools/");
    let last_pool = log.iter().rposition(pool_put).expect("pool updated");
    let first_pool = position(&pool_put).unwrap();
    let undeploy = position(&|r| r.path.ends_with("/action/undeploy")).expect("powered off");
    let delete = position(&|r| r.method == "DELETE" && r.path.contains("/api/vApp/vm-")).expect("deleted");
    assert!(first_pool < last_pool && last_pool < undeploy && undeploy < delete, "{log:?}");
    ctx.stop().await;
}

both_databases!(scale_in, db => super::scale_in_drains_before_deleting_and_spares_protected_vms);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oldest_policy_then_the_minimum() {
    let ctx = Ctx::start(Db::Sqlite).await;
    let (id, _) = ctx.create(&ctx.spec("edge-v", "web-pool", json!({"victim_policy": "oldest"})).await).await;
    let vms = ctx.sim.state().vms("web-app");
    // web-01 is the oldest seeded VM.
    let shrink: Evaluation = serde_json::from_value(ctx.push(&id, 5.0, 5.0).await).unwrap();
    let detail = ctx.finished(&id, &shrink.action_id.expect("scale-in")).await;
    assert_eq!(detail.steps[0].vm_name, "web-01");
    assert_eq!(ctx.sim.state().vms("web-app").len(), vms.len() - 1);
    // Now at the minimum of one: nothing more to remove.
    let hold: Evaluation = serde_json::from_value(ctx.push(&id, 5.0, 5.0).await).unwrap();
    assert_eq!(hold.decision.direction, Direction::None);
    assert!(hold.decision.reason.contains("minimum of 1"), "{:?}", hold.decision);
    ctx.stop().await;
}

async fn a_failed_task_rolls_back(db: Db) {
    let ctx = Ctx::start(db).await;
    let (id, _) = ctx.create(&ctx.spec("edge-v", "web-pool", json!({})).await).await;
    ctx.sim.state().fail_next_task(TaskKind::PowerOn, "host is in maintenance mode");
    let grow: Evaluation = serde_json::from_value(ctx.push(&id, 95.0, 50.0).await).unwrap();
    let detail = ctx.finished(&id, &grow.action_id.unwrap()).await;
    assert_eq!(detail.summary.status, ActionStatus::RolledBack, "{detail:?}");
    assert!(detail.summary.error.as_deref().unwrap_or_default().contains("host is in maintenance mode"));
    let states: Vec<StepState> = detail.steps.iter().map(|s| s.state).collect();
    assert_eq!(states, [StepState::Undone, StepState::Undone, StepState::Planned]);
    assert_eq!(ctx.sim.state().vms("web-app").len(), 2, "no phantom VM");
    assert_eq!(ctx.sim.state().pool_members("edge-v", "web-pool").len(), 2, "no phantom member");
    let rule: api_types::Rule = ctx.get_json(&format!("/api/org/acme/autoscale/rules/{id}")).await;
    assert_eq!(rule.status, api_types::RuleStatus::Error);
    assert!(ctx.timeline(&id).await.join("\n").contains("rolled back"));

    // The pool update failing on the last step undoes the VM too (NSX-T path).
    let (id, _) = ctx.create(&ctx.spec("edge-t", "web-alb", json!({"name": "web-t"})).await).await;
    ctx.sim.state().fail_next_task(TaskKind::PoolUpdate, "ALB controller unreachable");
    let grow: Evaluation = serde_json::from_value(ctx.push(&id, 95.0, 50.0).await).unwrap();
    let detail = ctx.finished(&id, &grow.action_id.unwrap()).await;
    assert_eq!(detail.summary.status, ActionStatus::RolledBack, "{detail:?}");
    assert_eq!(ctx.sim.state().vms("web-app").len(), 2);
    assert!(ctx.sim.state().pool_members("edge-t", "web-alb").is_empty(), "web-alb starts empty and stays so");
    ctx.stop().await;
}

both_databases!(rollback, db => super::a_failed_task_rolls_back);

async fn concurrent_signals_start_one_action(db: Db) {
    let ctx = Ctx::start(db).await;
    let (id, secret) = ctx.create(&ctx.spec("edge-v", "web-pool", json!({"scale_out_cooldown_secs": 600})).await).await;
    let alert = vrops_alert("storm", "web-app CPU high", "ACTIVE", 1_700_000_100_000);
    let answers = futures_join(50, || async { ctx.alert(&id, &secret, &alert).await }).await;
    let mut started = 0;
    for response in answers {
        assert_eq!(response.status(), 201);
        let evaluation: Evaluation = response.json().await.unwrap();
        started += usize::from(evaluation.action_id.is_some());
    }
    assert_eq!(started, 1, "exactly one scale-out from 50 duplicate alerts");
    let pushes = futures_join(20, || async { ctx.push(&id, 97.0, 50.0).await }).await;
    let more = pushes.iter().filter(|v| !v["action_id"].is_null()).count();
    assert_eq!(more, 0, "the running action and the cooldown hold every push");
    let actions = ctx.actions(&id).await;
    assert_eq!(actions.len(), 1);
    ctx.finished(&id, &actions[0].id).await;
    assert_eq!(ctx.sim.state().vms("web-app").len(), 3);
    ctx.stop().await;
}

both_databases!(concurrency, db => super::concurrent_signals_start_one_action);

/// Runs `n` copies of `make()` at once.
async fn futures_join<F, Fut, T>(n: usize, make: F) -> Vec<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    futures_util::future::join_all((0..n).map(|_| make())).await
}
