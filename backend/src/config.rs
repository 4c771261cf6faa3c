//! Runtime configuration, filled by the `stratus` binary from flags and environment variables.

use std::path::PathBuf;

pub use stratus_core::auth::{AuthConfig, AuthMode};
pub use stratus_core::sqlite_url;

/// Where Stratus keeps its data and finds its UI.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory of the embedded SQLite database (and other local state).
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; `None` means `<data_dir>/stratus.db`.
    pub database_url: Option<String>,
    /// Directory holding the built WASM UI (`index.html`, `stratus_frontend.js`, …).
    pub web_dir: Option<PathBuf>,
    /// How to start a sandbox worker process; `None` means this executable with `worker`.
    pub worker_program: Option<PathBuf>,
    /// Sandbox worker processes kept running.
    pub workers: usize,
    /// The vCD that autoscale rules act on, with Stratus' service account; `None` = no vCD.
    pub vcd: Option<vcd_client::VcdEndpoint>,
    /// Timings of autoscaling.
    pub autoscale: stratus_core::autoscale::AutoscaleConfig,
    /// How callers are authenticated: Stratus API tokens, or vCD sessions too.
    pub auth: AuthConfig,
    /// Origins (e.g. `https://vcd.example.com`) whose pages may call the API cross-origin; empty
    /// means no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// How often this replica beats (others take its work over after five missed beats).
    pub heartbeat: std::time::Duration,
    /// How async invocations run: retries, parallelism.
    pub jobs: stratus_core::functions::jobs::JobsConfig,
    /// RabbitMQ URL of the async-invocation queue; `None`: the database queue.
    pub jobs_amqp_url: Option<String>,
    /// The RabbitMQ queue's name (with `.retry` and `.dead` beside it).
    pub jobs_queue: String,
    /// This instance's environment (`dev`, `test`, `prod`…): which value of a package's
    /// configuration elements it takes (else their `default`), and the one its exports write.
    pub environment: String,
}

/// Default number of sandbox workers: two per core, at least four.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(4, |n| (n.get() * 2).max(4))
}

impl Config {
    /// A configuration keeping everything in `data_dir`.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            database_url: None,
            web_dir: None,
            worker_program: None,
            workers: default_workers(),
            vcd: None,
            autoscale: Default::default(),
            auth: AuthConfig::default(),
            cors_origins: Vec::new(),
            heartbeat: std::time::Duration::from_secs(1),
            jobs: Default::default(),
            jobs_amqp_url: None,
            jobs_queue: "stratus.jobs".into(),
            environment: "default".into(),
        }
    }

    /// The database URL to connect to: the explicit one, or the embedded SQLite file.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => sqlite_url(&self.data_dir.join("stratus.db")),
        }
    }
}
