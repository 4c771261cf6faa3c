//! Runtime configuration, filled by the `stratus` binary from flags and environment variables.

use std::path::{Path, PathBuf};
use std::time::Duration;

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
    pub autoscale: crate::domain::autoscale::AutoscaleConfig,
    /// How callers are authenticated: Stratus API tokens, or vCD sessions too.
    pub auth: AuthConfig,
    /// Origins (e.g. `https://vcd.example.com`) whose pages may call the API cross-origin; empty
    /// means no CORS headers at all.
    pub cors_origins: Vec<String>,
}

/// Which credentials the API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// Stratus API tokens only.
    #[default]
    Token,
    /// vCD session tokens, checked against the configured vCD (`Config::vcd`), and Stratus API
    /// tokens alongside.
    Vcd,
}

impl std::str::FromStr for AuthMode {
    type Err = String;

    /// `token` or `vcd` (the values of `--auth` and `STRATUS_AUTH`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "token" => Ok(AuthMode::Token),
            "vcd" => Ok(AuthMode::Vcd),
            other => Err(format!("'{other}' is not an auth mode: use token or vcd")),
        }
    }
}

/// Authentication settings.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// How long a checked vCD token is trusted before vCD is asked again; zero asks every time.
    pub cache_ttl: Duration,
    /// Most vCD tokens remembered at once.
    pub cache_capacity: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self { mode: AuthMode::Token, cache_ttl: Duration::from_secs(30), cache_capacity: 10_000 }
    }
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

/// A sqlx SQLite URL that creates the file when it does not exist yet.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}
