//! Test harness for Stratus end-to-end tests: a real server on port 0 over a fresh SQLite file
//! or a fresh PostgreSQL database, API tokens, the `stratus` binary, and headless Chromium.

pub mod browser;
pub mod lambda_fake;
pub mod npm;
pub mod process;
pub mod replicas;
pub mod vcd;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use api_types::Role;
use rand::RngCore as _;
use stratus::config::Config;
use stratus::{AppState, app};
use stratus_core::store::Store;
use stratus_core::tenancy::OrgName;
use stratus_core::tokens;
use tokio::task::JoinHandle;

/// The admin URL used to create per-test PostgreSQL databases.
pub fn postgres_admin_url() -> String {
    std::env::var("STRATUS_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The content-hashed file `stem.<16 hex>.ext` that `cargo xtask build` wrote in `web`.
pub fn web_asset(web: &Path, stem: &str, ext: &str) -> Option<PathBuf> {
    let hashed = |name: &str| {
        let hash = name.strip_prefix(stem)?.strip_prefix('.')?.strip_suffix(ext)?.strip_suffix('.')?;
        (hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(())
    };
    let entries = std::fs::read_dir(web).ok()?;
    entries.flatten().map(|e| e.path()).find(|p| p.file_name().and_then(|n| n.to_str()).and_then(hashed).is_some())
}

/// Which database a test app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A running Stratus on a real socket, with its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub functions: std::sync::Arc<stratus_core::functions::Functions>,
    pub autoscale: std::sync::Arc<stratus_core::autoscale::Autoscale>,
    /// This app as a replica (its id, its coherence channel).
    pub cluster: stratus_core::cluster::Cluster,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    pub database_url: String,
    pg_database: Option<String>,
    server: JoinHandle<()>,
}

impl TestApp {
    /// Starts an app on `db`.
    pub async fn start(db: Db) -> Self {
        Self::start_with(db, |config| config).await
    }

    /// Starts an app on `db`, letting the test adjust the configuration.
    pub async fn start_with(db: Db, adjust: impl FnOnce(Config) -> Config) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg_database) = match db {
            Db::Sqlite => (stratus::config::sqlite_url(&data_dir.path().join("stratus.db")), None),
            Db::Postgres => {
                let (url, name) = fresh_postgres_database().await;
                (url, Some(name))
            }
        };
        let mut config = Config::with_data_dir(data_dir.path());
        config.database_url = Some(database_url.clone());
        config.worker_program = Some(process::stratus_bin());
        config.workers = 4;
        let config = adjust(config);
        let database_url = config.database_url.clone().expect("a database URL");
        let store = Store::connect(&database_url).await.expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let state = AppState::build(config, store.clone()).await.expect("start the app state");
        let functions = state.functions.clone();
        let autoscale = state.autoscale.clone();
        let cluster = state.cluster.clone();
        let router = app(state);
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serve");
        });
        Self {
            addr,
            store,
            functions,
            autoscale,
            cluster,
            client: reqwest::Client::new(),
            data_dir,
            database_url,
            pg_database,
            server,
        }
    }

    /// A second app (replica) on this one's database, adjusted like [`TestApp::start_with`]; its
    /// shutdown leaves the database to this one.
    pub async fn join(&self, adjust: impl FnOnce(Config) -> Config) -> Self {
        let url = self.database_url.clone();
        // Started as if on SQLite (no database of its own to create or drop), then pointed here.
        Self::start_with(Db::Sqlite, move |mut config| {
            config.database_url = Some(url);
            adjust(config)
        })
        .await
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Issues a token (creating a tenant's org when needed) and returns its secret.
    pub async fn token(&self, role: Role, org: Option<&str>) -> String {
        let org = org.map(|o| OrgName::parse(o).expect("valid org name"));
        tokens::issue(&self.store, role, org.as_ref(), "test").await.expect("issue token").secret
    }

    /// A GET with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.expect("send GET")
    }

    /// Stops the server and drops a PostgreSQL test database.
    pub async fn shutdown(self) {
        self.server.abort();
        self.cluster.leave().await;
        self.functions.pool().shutdown().await;
        self.store.close().await;
        if let Some(name) = self.pg_database {
            drop_postgres_database(&name).await;
        }
    }
}

async fn admin_pool() -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&postgres_admin_url())
        .await
        .expect("PostgreSQL must be reachable at STRATUS_TEST_PG_URL or postgres://postgres@127.0.0.1:5432/test")
}

/// Creates an empty database `stratus_t_<random>` and returns its URL and name.
pub async fn fresh_postgres_database() -> (String, String) {
    let mut id = [0u8; 6];
    rand::rng().fill_bytes(&mut id);
    let name = format!("stratus_t_{}", id.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let pool = admin_pool().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}"))).execute(&pool).await.expect("create database");
    pool.close().await;
    let admin = postgres_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
    (format!("{base}/{name}"), name)
}

pub async fn drop_postgres_database(name: &str) {
    let pool = admin_pool().await;
    let sql = format!("drop database if exists {name} with (force)");
    if let Err(err) = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await {
        eprintln!("could not drop test database {name}: {err}");
    }
    pool.close().await;
}

/// Runs one async test body against SQLite and against PostgreSQL, as two `#[tokio::test]`s.
#[macro_export]
macro_rules! both_databases {
    // The body starts what it needs itself from the `Db` it is given.
    ($name:ident, db => $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body($crate::Db::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body($crate::Db::Postgres).await;
            }
        }
    };
    ($name:ident, $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::start($crate::Db::Sqlite).await;
                $body(&app).await;
                app.shutdown().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::TestApp::start($crate::Db::Postgres).await;
                $body(&app).await;
                app.shutdown().await;
            }
        }
    };
}
