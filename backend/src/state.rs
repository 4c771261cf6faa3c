//! The state every handler shares.

use std::sync::Arc;
use std::time::Duration;

use sandbox::{PoolConfig, WorkerCommand, WorkerPool};
use stratus_core::Store;
use stratus_core::auth::Authenticator;
use stratus_core::autoscale::Autoscale;
use stratus_core::autoscale::vcd::{NoVcd, VcdPort};
use stratus_core::cluster::Cluster;
use stratus_core::functions::Functions;
use stratus_core::functions::jobs::AsyncJobs;
use stratus_core::orgs::Orgs;
use stratus_core::packages::Packages;
use stratus_core::showback::Showback;
use stratus_core::showback::collectors::Collectors;
use stratus_core::vcd::VcdGateway;

use crate::config::Config;
use crate::metrics::Metrics;

/// Cheap to clone: one reference count (axum clones the state for every request, and a clone
/// per field showed up in profiles of the call path). The services are reached through `Deref`.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct Services {
    pub config: Arc<Config>,
    pub store: Store,
    pub auth: Arc<dyn Authenticator>,
    pub metrics: Arc<Metrics>,
    pub orgs: Orgs,
    pub functions: Arc<Functions>,
    /// Async invocations: durable jobs any replica runs.
    pub jobs: Arc<AsyncJobs>,
    /// This process as one replica of the service.
    pub cluster: Cluster,
    /// Cost reports, budgets, rate cards and collectors (the server also ticks their scheduler).
    pub showback: Arc<Showback>,
    /// Autoscale rules and their actions (the server also ticks its loop).
    pub autoscale: Arc<Autoscale>,
    /// Content packages: export, plan, apply, rollback.
    pub packages: Arc<Packages>,
}

impl AppState {
    /// Starts the sandbox workers and background tasks; callers are authenticated as
    /// `config.auth` says (Stratus API tokens kept in `store`, or vCD sessions too).
    pub async fn build(config: Config, store: Store) -> std::io::Result<Self> {
        let cluster = Cluster::new(store.clone(), config.heartbeat);
        // Before any worker starts, so that a configuration mistake stops startup first.
        let auth =
            stratus_core::vcd::auth::authenticator(&config.auth, config.vcd.clone(), &store, cluster.coherence())
                .map_err(std::io::Error::other)?;
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
        let functions = Arc::new(Functions::new(store.clone(), pool, metrics.clone(), &cluster));
        let jobs = AsyncJobs::new(functions.clone(), config.jobs.clone());
        cluster.start().await.map_err(std::io::Error::other)?;
        if let Some(url) = &config.jobs_amqp_url {
            let queue = crate::host::jobs_amqp::start(url, &config.jobs_queue, jobs.clone(), cluster.clone())
                .await
                .map_err(std::io::Error::other)?;
            jobs.set_queue(queue);
        }
        jobs.spawn_workers();
        if let Err(err) = functions.recover().await {
            tracing::error!(%err, "could not look for interrupted deployments");
        }
        let showback = Arc::new(Showback::new(store.clone(), Collectors::new(store.clone())));
        let vcd: Arc<dyn VcdPort> = match &config.vcd {
            Some(endpoint) => Arc::new(VcdGateway::connect(endpoint.clone()).map_err(std::io::Error::other)?),
            None => Arc::new(NoVcd),
        };
        let autoscale = Autoscale::new(store.clone(), vcd, config.autoscale.clone());
        let orgs = Orgs::new(store.clone());
        let packages = Packages::new(store.clone(), functions.clone(), autoscale.clone(), config.environment.clone());
        Ok(Self(Arc::new(Services {
            config: Arc::new(config),
            store,
            auth,
            metrics,
            orgs,
            functions,
            jobs,
            cluster,
            showback,
            autoscale,
            packages,
        })))
    }

    /// Replaces how callers are authenticated (the vCD session mode plugs in here).
    pub fn with_authenticator(mut self, auth: Arc<dyn Authenticator>) -> Self {
        Arc::make_mut(&mut self.0).auth = auth;
        self
    }
}
