//! The state every handler shares.

use std::sync::Arc;
use std::time::Duration;

use sandbox::{PoolConfig, WorkerCommand, WorkerPool};

use crate::collectors::Collectors;
use crate::config::Config;
use crate::domain::auth::Authenticator;
use crate::domain::autoscale::Autoscale;
use crate::domain::autoscale::vcd::{NoVcd, VcdPort};
use crate::domain::functions::Functions;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::vcd::VcdGateway;

/// Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub auth: Arc<dyn Authenticator>,
    pub metrics: Arc<Metrics>,
    pub functions: Arc<Functions>,
    /// Showback collectors (the server also ticks their scheduler).
    pub collectors: Arc<Collectors>,
    /// Autoscale rules and their actions (the server also ticks its loop).
    pub autoscale: Arc<Autoscale>,
}

impl AppState {
    /// Starts the sandbox workers and background tasks; callers are authenticated as
    /// `config.auth` says (Stratus API tokens kept in `store`, or vCD sessions too).
    pub async fn build(config: Config, store: Store) -> std::io::Result<Self> {
        // First, so that a configuration mistake stops startup before any worker starts.
        let auth = crate::vcd::auth::authenticator(&config, &store).map_err(std::io::Error::other)?;
        let program = match &config.worker_program {
            Some(program) => program.clone(),
            None => std::env::current_exe()?,
        };
        let command = WorkerCommand { program, args: vec!["worker".into()] };
        let pool_config = PoolConfig {
            workers: config.workers.max(1),
            grace: Duration::from_millis(250),
            queue_timeout: Duration::from_secs(2),
            worker_memory_bytes: 2 * 1024 * 1024 * 1024,
            max_warm_per_worker: 64,
        };
        let pool = Arc::new(WorkerPool::start(command, pool_config).await?);
        let metrics = Arc::new(Metrics::default());
        let functions = Arc::new(Functions::new(store.clone(), pool, metrics.clone()));
        if let Err(err) = functions.recover().await {
            tracing::error!(%err, "could not look for interrupted deployments");
        }
        let collectors = Arc::new(Collectors::new(store.clone()));
        let vcd: Arc<dyn VcdPort> = match &config.vcd {
            Some(endpoint) => Arc::new(VcdGateway::connect(endpoint.clone()).map_err(std::io::Error::other)?),
            None => Arc::new(NoVcd),
        };
        let autoscale = Autoscale::new(store.clone(), vcd, config.autoscale.clone());
        Ok(Self { config: Arc::new(config), store, auth, metrics, functions, collectors, autoscale })
    }

    /// Replaces how callers are authenticated (the vCD session mode plugs in here).
    pub fn with_authenticator(mut self, auth: Arc<dyn Authenticator>) -> Self {
        self.auth = auth;
        self
    }
}
