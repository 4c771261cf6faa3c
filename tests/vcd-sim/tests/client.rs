//! Contract tests: every `VcdClient` method against the simulator.

use std::time::Duration;

use vcd_client::{EdgeGateway, LbKind, PoolMember, VcdClient, VcdEndpoint, VcdError};
use vcd_sim::{Simulator, TaskKind};

const WAIT: Duration = Duration::from_secs(5);

fn client(sim: &Simulator, user: &str, org: &str) -> VcdClient {
    let endpoint = VcdEndpoint {
        url: sim.url().to_owned(),
        user: user.into(),
        org: org.into(),
        password: "admin".into(),
        api_version: "37.0".into(),
    };
    VcdClient::new(endpoint).unwrap().with_poll_interval(Duration::from_millis(20))
}

fn provider(sim: &Simulator) -> VcdClient {
    client(sim, "administrator", "System")
}

async fn edge(client: &VcdClient, org: &str, name: &str) -> EdgeGateway {
    client.edge_gateways(org).await.unwrap().into_iter().find(|e| e.name == name).unwrap()
}

fn logins(sim: &Simulator, path: &str) -> usize {
    sim.state().request_log().iter().filter(|r| r.method == "POST" && r.path == path).count()
}

#[tokio::test]
async fn the_first_call_logs_in_and_an_expired_session_logs_in_again_once() {
    let sim = Simulator::start().await;
    let vcd = provider(&sim);
    vcd.vapps("acme").await.unwrap();
    let first = &sim.state().request_log()[0];
    assert_eq!((first.method.as_str(), first.path.as_str()), ("POST", "/cloudapi/1.0.0/sessions/provider"));
    assert_eq!(logins(&sim, "/cloudapi/1.0.0/sessions/provider"), 1);

    sim.state().expire_sessions("administrator", "System");
    let vapps = vcd.vapps("acme").await.unwrap();
    assert_eq!(vapps.len(), 1);
    assert_eq!(logins(&sim, "/cloudapi/1.0.0/sessions/provider"), 2);

    let tenant = client(&sim, "admin", "acme");
    tenant.login().await.unwrap();
    assert_eq!(logins(&sim, "/cloudapi/1.0.0/sessions"), 1);
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized() {
    let sim = Simulator::start().await;
    let mut endpoint = provider(&sim).endpoint().clone();
    endpoint.password = "wrong".into();
    let vcd = VcdClient::new(endpoint).unwrap();
    assert_eq!(vcd.login().await, Err(VcdError::Unauthorized));
    assert_eq!(vcd.vapps("acme").await, Err(VcdError::Unauthorized));
    // A tenant account cannot use the provider login, nor the reverse.
    let tenant_as_provider = client(&sim, "admin", "System");
    assert_eq!(tenant_as_provider.login().await, Err(VcdError::Unauthorized));
}

#[tokio::test]
async fn inventories_are_scoped_to_the_org() {
    let sim = Simulator::start().await;
    let acme = client(&sim, "admin", "acme");
    let templates = acme.templates("acme").await.unwrap();
    assert_eq!(templates.len(), 1);
    assert_eq!(templates[0].name, "web-template");
    assert!(templates[0].id.starts_with("urn:vcloud:vapptemplate:"));
    assert!(templates[0].vm_href.contains("/api/vAppTemplate/vm-"));
    assert_eq!(templates[0].vm_name, "web-vm");

    let vapps = acme.vapps("acme").await.unwrap();
    assert_eq!(vapps.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["web-app"]);
    assert_eq!(Some(vapps[0].id.clone()), sim.state().vapp_id("web-app"));

    let edges = acme.edge_gateways("acme").await.unwrap();
    let kinds: Vec<_> = edges.iter().map(|e| (e.name.as_str(), e.kind)).collect();
    assert_eq!(kinds, [("edge-v", LbKind::NsxV), ("edge-t", LbKind::NsxTAlb)]);
    assert_eq!(Some(edges[0].id.clone()), sim.state().edge_id("edge-v"));

    // acme's admin sees nothing of globex.
    assert!(matches!(acme.vapps("globex").await, Err(VcdError::NotFound(_))));
    assert!(matches!(acme.templates("globex").await, Err(VcdError::NotFound(_))));
    assert_eq!(acme.edge_gateways("globex").await.unwrap(), []);
    let shop = sim.state().vapp_id("shop").unwrap();
    assert!(matches!(acme.vapp_vms(&shop).await, Err(VcdError::NotFound(_))));

    // The provider sees each org separately.
    let vcd = provider(&sim);
    assert_eq!(vcd.vapps("globex").await.unwrap()[0].name, "shop");
    assert_eq!(vcd.templates("globex").await.unwrap().len(), 1);
    let globex_edges = vcd.edge_gateways("globex").await.unwrap();
    assert_eq!(globex_edges.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["globex-edge"]);
    assert_eq!(vcd.vapps("acme").await.unwrap()[0].name, "web-app");
}

#[tokio::test]
async fn lists_pools_and_vms() {
    let sim = Simulator::start().await;
    let vcd = provider(&sim);
    let edge_v = edge(&vcd, "acme", "edge-v").await;
    let pools = vcd.lb_pools(&edge_v).await.unwrap();
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0].name, "web-pool");
    let ips: Vec<_> = pools[0].members.iter().map(|m| (m.name.as_str(), m.ip.as_str(), m.port, m.enabled)).collect();
    assert_eq!(ips, [("web-01", "10.1.0.11", 80, true), ("web-02", "10.1.0.12", 80, true)]);

    let edge_t = edge(&vcd, "acme", "edge-t").await;
    let alb = vcd.lb_pools(&edge_t).await.unwrap();
    assert_eq!((alb[0].name.as_str(), alb[0].members.len()), ("web-alb", 0));
    assert!(alb[0].id.starts_with("urn:vcloud:loadBalancerPool:"));
    let globex = edge(&vcd, "globex", "globex-edge").await;
    assert_eq!(vcd.lb_pools(&globex).await.unwrap()[0].members[0].ip, "10.2.0.11");

    let web_app = sim.state().vapp_id("web-app").unwrap();
    let vms = vcd.vapp_vms(&web_app).await.unwrap();
    let seen: Vec<_> = vms.iter().map(|vm| (vm.name.as_str(), vm.powered_on, vm.ip.as_deref())).collect();
    assert_eq!(seen, [("web-01", true, Some("10.1.0.11")), ("web-02", true, Some("10.1.0.12"))]);
    assert!(vms[0].created_at.is_some());
    assert!(vms[0].id.starts_with("urn:vcloud:vm:"));
    assert_eq!(vcd.find_vm(&web_app, "web-02").await.unwrap().unwrap().id, vms[1].id);
    assert_eq!(vcd.find_vm(&web_app, "web-09").await.unwrap(), None);
}

#[tokio::test]
async fn a_vm_goes_from_template_to_pools_and_away() {
    let sim = Simulator::start().await;
    let vcd = client(&sim, "admin", "acme");
    let web_app = sim.state().vapp_id("web-app").unwrap();
    let template = vcd.templates("acme").await.unwrap().remove(0);

    let task = vcd.recompose_add(&web_app, &template.vm_href, "web-03").await.unwrap();
    assert!(task.href.contains("/api/task/"));
    assert_eq!(vcd.find_vm(&web_app, "web-03").await.unwrap(), None, "the VM appears only when the task ends");
    vcd.wait_task(&task, WAIT).await.unwrap();
    let vm = vcd.find_vm(&web_app, "web-03").await.unwrap().unwrap();
    assert!(!vm.powered_on);
    assert_eq!(vm.ip.as_deref(), Some("10.1.0.13"));

    vcd.wait_task(&vcd.power_on(&vm).await.unwrap(), WAIT).await.unwrap();
    assert!(vcd.find_vm(&web_app, "web-03").await.unwrap().unwrap().powered_on);
    assert!(matches!(vcd.power_on(&vm).await, Err(VcdError::Rejected { status: 400, .. })));

    let member = PoolMember { name: "web-03".into(), ip: "10.1.0.13".into(), port: 80, enabled: true };
    for (edge_name, pool) in [("edge-v", "web-pool"), ("edge-t", "web-alb")] {
        let edge = edge(&vcd, "acme", edge_name).await;
        vcd.pool_add_member(&edge, pool, &member).await.unwrap();
        assert!(sim.state().pool_members(edge_name, pool).contains(&("10.1.0.13".into(), true)));
        let puts = sim.state().request_log().iter().filter(|r| r.method == "PUT").count();
        vcd.pool_add_member(&edge, pool, &member).await.unwrap();
        assert_eq!(
            sim.state().request_log().iter().filter(|r| r.method == "PUT").count(),
            puts,
            "adding twice is a no-op"
        );
        let in_pool = vcd.lb_pools(&edge).await.unwrap().remove(0).members;
        assert!(in_pool.iter().any(|m| m.ip == "10.1.0.13" && m.port == 80 && m.enabled));

        vcd.pool_set_member_enabled(&edge, pool, "10.1.0.13", false).await.unwrap();
        assert!(sim.state().pool_members(edge_name, pool).contains(&("10.1.0.13".into(), false)));
        let missing = vcd.pool_set_member_enabled(&edge, pool, "10.9.9.9", false).await;
        assert!(matches!(missing, Err(VcdError::NotFound(_))));

        vcd.pool_remove_member(&edge, pool, "10.1.0.13").await.unwrap();
        assert!(!sim.state().pool_members(edge_name, pool).iter().any(|(ip, _)| ip == "10.1.0.13"));
        vcd.pool_remove_member(&edge, pool, "10.1.0.13").await.unwrap();
        assert!(matches!(vcd.pool_remove_member(&edge, "no-such-pool", "10.1.0.13").await, Err(VcdError::NotFound(_))));
    }
    assert_eq!(sim.state().pool_members("edge-v", "web-pool").len(), 2, "the seeded members stay");

    vcd.wait_task(&vcd.power_off(&vm).await.unwrap(), WAIT).await.unwrap();
    assert!(!vcd.find_vm(&web_app, "web-03").await.unwrap().unwrap().powered_on);
    vcd.wait_task(&vcd.delete_vm(&vm).await.unwrap(), WAIT).await.unwrap();
    assert_eq!(vcd.find_vm(&web_app, "web-03").await.unwrap(), None);
    assert_eq!(sim.state().vms("web-app").len(), 2);
}

#[tokio::test]
async fn a_failed_task_is_reported_and_leaves_nothing_behind() {
    let sim = Simulator::start().await;
    let vcd = provider(&sim);
    let web_app = sim.state().vapp_id("web-app").unwrap();
    let template = vcd.templates("acme").await.unwrap().remove(0);

    sim.state().fail_next_task(TaskKind::Recompose, "No capacity in the provider VDC");
    let task = vcd.recompose_add(&web_app, &template.vm_href, "web-03").await.unwrap();
    let outcome = vcd.wait_task(&task, WAIT).await;
    assert_eq!(outcome, Err(VcdError::TaskFailed { message: "No capacity in the provider VDC".into() }));
    assert_eq!(vcd.find_vm(&web_app, "web-03").await.unwrap(), None);
    assert_eq!(sim.state().vms("web-app").len(), 2);

    let member = PoolMember { name: "x".into(), ip: "10.1.0.99".into(), port: 80, enabled: true };
    sim.state().fail_next_task(TaskKind::PoolUpdate, "ALB controller unavailable");
    let alb = edge(&vcd, "acme", "edge-t").await;
    let failed = vcd.pool_add_member(&alb, "web-alb", &member).await;
    assert_eq!(failed, Err(VcdError::TaskFailed { message: "ALB controller unavailable".into() }));
    assert!(sim.state().pool_members("edge-t", "web-alb").is_empty());

    sim.state().fail_next_task(TaskKind::PoolUpdate, "edge is busy");
    let nsxv = edge(&vcd, "acme", "edge-v").await;
    let rejected = vcd.pool_add_member(&nsxv, "web-pool", &member).await;
    assert_eq!(rejected, Err(VcdError::Rejected { status: 400, message: "edge is busy".into() }));
    assert_eq!(sim.state().pool_members("edge-v", "web-pool").len(), 2);

    // A bad template href is refused at once.
    let bad = vcd.recompose_add(&web_app, &format!("{}/api/vAppTemplate/vm-nope", sim.url()), "web-04").await;
    assert!(matches!(bad, Err(VcdError::Rejected { status: 400, .. })));
}

#[tokio::test]
async fn a_slow_task_times_out() {
    let sim = Simulator::start().await;
    sim.state().set_task_duration(Duration::from_secs(3));
    let vcd = provider(&sim);
    let web_app = sim.state().vapp_id("web-app").unwrap();
    let vm = vcd.find_vm(&web_app, "web-01").await.unwrap().unwrap();
    let task = vcd.power_off(&vm).await.unwrap();
    assert_eq!(vcd.wait_task(&task, Duration::from_millis(150)).await, Err(VcdError::TaskTimeout));
}

#[tokio::test]
async fn an_unknown_vapp_is_not_found() {
    let sim = Simulator::start().await;
    let vcd = provider(&sim);
    let unknown = "urn:vcloud:vapp:00000000-0000-4000-8000-000000000000";
    assert!(matches!(vcd.vapp_vms(unknown).await, Err(VcdError::NotFound(_))));
    assert!(matches!(vcd.find_vm(unknown, "web-01").await, Err(VcdError::NotFound(_))));
    assert!(matches!(vcd.vapps("initech").await, Err(VcdError::NotFound(_))));
}

#[tokio::test]
async fn current_session_tells_who_a_token_belongs_to() {
    let sim = Simulator::start().await;
    let vcd = provider(&sim);
    let token = sim.state().issue_token("admin", "acme");
    let session = vcd.current_session(&token).await.unwrap();
    assert_eq!(session.user.name, "admin");
    assert!(session.user.id.starts_with("urn:vcloud:user:"));
    assert_eq!(session.org.name, "acme");
    assert_eq!(Some(session.org.id), sim.state().org_id("acme"));
    assert_eq!(session.roles, ["Organization Administrator"]);
    assert_eq!(session.session_idle_timeout_minutes, Some(30));

    let admin = vcd.current_session(&sim.state().issue_token("administrator", "System")).await.unwrap();
    assert_eq!(admin.roles, ["System Administrator"]);

    sim.state().expire_token(&token);
    assert_eq!(vcd.current_session(&token).await, Err(VcdError::Unauthorized));
    assert_eq!(vcd.current_session("not-a-token").await, Err(VcdError::Unauthorized));
    assert_eq!(sim.state().request_log().iter().filter(|r| r.method == "POST").count(), 0, "no login needed");
}

#[tokio::test]
async fn legacy_login_tokens_and_api_versions_behave_like_vcd() {
    let sim = Simulator::start().await;
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{}/api/sessions", sim.url()))
        .basic_auth("admin@globex", Some("admin"))
        .header("accept", "application/*+xml;version=37.0")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let legacy = login.headers()["x-vcloud-authorization"].to_str().unwrap().to_owned();
    assert!(login.text().await.unwrap().contains(r#"org="globex""#));

    // The client sends short tokens as x-vcloud-authorization.
    let session = provider(&sim).current_session(&legacy).await.unwrap();
    assert_eq!(session.org.name, "globex");

    let unversioned = http
        .get(format!("{}/api/query?type=vApp", sim.url()))
        .header("x-vcloud-authorization", &legacy)
        .header("accept", "application/*+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(unversioned.status(), 406);
    let anonymous = http
        .get(format!("{}/api/query?type=vApp", sim.url()))
        .header("accept", "application/*+xml;version=37.0")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.text().await.unwrap().contains("<Error"));
}

#[tokio::test]
async fn the_http_controls_mirror_the_rust_ones() {
    let sim = Simulator::start().await;
    let http = reqwest::Client::new();
    let ids: serde_json::Value =
        http.get(format!("{}/_sim/ids", sim.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(ids["vapps"]["web-app"].as_str(), sim.state().vapp_id("web-app").as_deref());
    let vms: serde_json::Value =
        http.get(format!("{}/_sim/vapps/web-app/vms", sim.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(vms[1]["name"], "web-02");
    let token: serde_json::Value = http
        .post(format!("{}/_sim/tokens", sim.url()))
        .json(&serde_json::json!({"user": "admin", "org": "globex"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap();
    assert_eq!(provider(&sim).current_session(token).await.unwrap().org.name, "globex");
    let fail = http
        .post(format!("{}/_sim/fail-next-task", sim.url()))
        .json(&serde_json::json!({"kind": "PowerOff", "message": "stuck"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fail.status(), 204);
    let vcd = provider(&sim);
    let shop = sim.state().vapp_id("shop").unwrap();
    let vm = vcd.find_vm(&shop, "shop-01").await.unwrap().unwrap();
    let task = vcd.power_off(&vm).await.unwrap();
    assert_eq!(vcd.wait_task(&task, WAIT).await, Err(VcdError::TaskFailed { message: "stuck".into() }));
    let log: serde_json::Value =
        http.get(format!("{}/_sim/requests", sim.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(log["count"].as_u64(), Some(sim.state().request_count() as u64));
}
