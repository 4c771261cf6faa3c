//! Stratus wired to the vCD simulator, for autoscale tests and benches.

use std::time::Duration;

use stratus_core::autoscale::AutoscaleConfig;
use stratus_core::vcd::VcdEndpoint;
use vcd_sim::Simulator;

use crate::{Db, TestApp};

/// The simulator's System administrator, as Stratus' service account.
pub fn sim_endpoint(sim: &Simulator) -> VcdEndpoint {
    VcdEndpoint {
        url: sim.url().to_owned(),
        user: "administrator".into(),
        org: "System".into(),
        password: vcd_sim::PASSWORD.into(),
        api_version: String::new(),
    }
}

/// Autoscale timings for tests: short leases, no drain wait.
pub fn fast_autoscale() -> AutoscaleConfig {
    AutoscaleConfig {
        task_timeout: Duration::from_secs(20),
        lease_ttl: Duration::from_secs(2),
        drain_scale: 0.0,
        ..AutoscaleConfig::default()
    }
}

/// A fresh simulator and a Stratus on `db` that acts on it.
pub async fn start_with_vcd(db: Db) -> (TestApp, Simulator) {
    let sim = Simulator::start().await;
    let endpoint = sim_endpoint(&sim);
    let app = TestApp::start_with(db, |mut config| {
        config.vcd = Some(endpoint);
        config.autoscale = fast_autoscale();
        config
    })
    .await;
    (app, sim)
}
