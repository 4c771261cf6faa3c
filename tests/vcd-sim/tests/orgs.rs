//! Contract tests: looking orgs up by id, as the service account and with a caller's token.

use vcd_client::{VcdClient, VcdEndpoint, VcdError};
use vcd_sim::Simulator;

fn client(sim: &Simulator, user: &str, org: &str) -> VcdClient {
    VcdClient::new(VcdEndpoint::new(sim.url(), user, org, vcd_sim::PASSWORD)).unwrap()
}

#[tokio::test]
async fn the_service_account_finds_orgs_by_urn_or_uuid() {
    let sim = Simulator::start().await;
    let vcd = client(&sim, "administrator", "System");
    let urn = sim.state().org_id("acme").unwrap();
    let org = vcd.org_by_id(&urn).await.unwrap();
    assert_eq!((org.name.as_str(), org.id.as_str()), ("acme", urn.as_str()));
    let uuid = urn.rsplit(':').next().unwrap();
    assert_eq!(vcd.org_by_id(uuid).await.unwrap().name, "acme");

    let unknown = "urn:vcloud:org:00000000-0000-4000-8000-000000000000";
    assert!(matches!(vcd.org_by_id(unknown).await, Err(VcdError::NotFound(_))));
    assert!(matches!(vcd.org_by_id("acme").await, Err(VcdError::NotFound(_))));
}

#[tokio::test]
async fn a_caller_token_sees_only_what_its_session_may() {
    let sim = Simulator::start().await;
    // No service account is needed: the caller's token authenticates the lookup.
    let vcd = client(&sim, "nobody", "System");
    let acme = sim.state().org_id("acme").unwrap();
    let globex = sim.state().org_id("globex").unwrap();

    let provider = sim.state().issue_token("administrator", "System");
    assert_eq!(vcd.org_by_id_as(&provider, &globex).await.unwrap().name, "globex");

    let tenant = sim.state().issue_token("admin", "acme");
    assert_eq!(vcd.org_by_id_as(&tenant, &acme).await.unwrap().name, "acme");
    assert!(matches!(vcd.org_by_id_as(&tenant, &globex).await, Err(VcdError::NotFound(_))));

    sim.state().expire_token(&provider);
    assert_eq!(vcd.org_by_id_as(&provider, &globex).await, Err(VcdError::Unauthorized));
    let logins = sim.state().request_log().iter().filter(|r| r.method == "POST").count();
    assert_eq!(logins, 0);
}
