//! The storage adapter: one sqlx `AnyPool` over embedded SQLite or PostgreSQL.
//!
//! Both databases get the same queries. The house rules that make that work: `$1` placeholders
//! (SQLite accepts them too), integers as `bigint` (SQLite `integer`), timestamps as epoch
//! milliseconds, money as integer micro-units, days as `YYYY-MM-DD` text, and `cast(… as bigint)`
//! around aggregates so PostgreSQL never answers with `numeric`. Each database has its own
//! migrations directory with the same numbered files.

mod amqp_replies;
mod async_jobs;
mod autoscale_actions;
mod autoscale_rules;
mod autoscale_signals;
mod event_deliveries;
mod function_keys;
mod functions;
mod invocations;
mod orgs;
mod package_keys;
mod package_refusals;
mod package_releases;
mod package_sources;
mod provider_releases;
mod replicas;
mod showback_budget;
mod showback_collectors;
mod showback_metering;
mod showback_rates;
mod showback_reports;
mod showback_rollup;
mod showback_sql;
mod tokens;
mod usage;

use std::str::FromStr as _;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions as _};

pub use async_jobs::{JobEnd, JobRow};
pub use autoscale_actions::{ActionRow, StepRow};
pub use autoscale_rules::RuleRow;
pub use autoscale_signals::{AlertRow, EventRow};
pub use event_deliveries::{AttemptEnd, DeliveryRow};
pub use function_keys::KeyRow;
pub use functions::{FunctionHead, VersionRow, WriteError};
pub use invocations::InvocationRow;
pub use orgs::OrgRow;
pub use package_keys::PackageKeyRow;
pub use package_refusals::RefusalRow;
pub use package_releases::{BudgetWrite, ImportWrite, ReleaseRow, ReleaseWrites, RuleWrite};
pub use package_sources::SourceRow;
pub use provider_releases::{CardWrite, CollectorWrite, LimitsWrite, ProviderWrites};
pub use showback_budget::BudgetRow;
pub use showback_collectors::{CollectorRow, RunRow};
pub use showback_metering::DAY_MS;
pub use showback_rates::{RateRow, card_stamp};
pub use showback_reports::{CostKey, CostRow, TwoKeyCostRow};
pub use tokens::TokenRow;
pub use usage::{UpsertCounts, UsageRecord};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Reads a state column into its enum: the one place stored state names become values; an
/// unknown name is a decode error, never a default.
pub(crate) fn state<T>(row: &sqlx::any::AnyRow, column: &str) -> Result<T, sqlx::Error>
where
    T: std::str::FromStr<Err = api_types::UnknownState>,
{
    use sqlx::Row as _;
    let text: String = row.try_get(column)?;
    text.parse().map_err(|err: api_types::UnknownState| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(err),
    })
}

/// Reads a JSON column into its type: stored JSON that does not parse is a decode error.
pub(crate) fn json<T: serde::de::DeserializeOwned>(row: &sqlx::any::AnyRow, column: &str) -> Result<T, sqlx::Error> {
    use sqlx::Row as _;
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|err| sqlx::Error::ColumnDecode { index: column.to_owned(), source: Box::new(err) })
}

/// The JSON text stored for `value`.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|err| sqlx::Error::Encode(Box::new(err)))
}

/// A sqlx SQLite URL that creates the file when it does not exist yet.
pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The URL connected to (PostgreSQL's listener opens a connection of its own).
    url: std::sync::Arc<str>,
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                format!("unsupported database URL '{url}': use sqlite://… or postgres://…").into(),
            ));
        };
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new().max_connections(max).connect_with(options).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers go on while a writer writes; the setting persists in the file.
            sqlx::query("pragma journal_mode = wal").execute(&pool).await?;
        }
        Ok(Self { pool, backend, url: url.into() })
    }

    /// Another handle on the same database with one connection of its own (a task that must not
    /// wait behind the shared pool: the heartbeat).
    pub async fn dedicated(&self) -> Result<Self, sqlx::Error> {
        let options = AnyConnectOptions::from_str(&self.url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new().max_connections(1).connect_with(options).await?;
        Ok(Self { pool, backend: self.backend, url: self.url.clone() })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATOR.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATOR.run(&self.pool).await,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool; every query method asks for it once per statement, which is how
    /// [`count_statements`] counts.
    pub(crate) fn pool(&self) -> &AnyPool {
        note_statement();
        &self.pool
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails at once with
    /// `SQLITE_BUSY` when another connection wrote in between, instead of waiting its turn.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        note_statement();
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("begin immediate").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// A dedicated PostgreSQL connection for `LISTEN`.
    pub(crate) async fn listener(&self) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
        sqlx::postgres::PgListener::connect(&self.url).await
    }

    /// Succeeds when the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("select 1").execute(&self.pool).await.map(|_| ())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

tokio::task_local! {
    static STATEMENTS: std::cell::Cell<u64>;
}

fn note_statement() {
    let _ = STATEMENTS.try_with(|n| n.set(n.get() + 1));
}

/// Runs `work` and counts the database round trips it made through the store in its own task
/// (a statement, or a whole write transaction, counts once; background tasks it wakes are not
/// counted). How the HTTP metrics prove that a warm function call reads nothing.
pub async fn count_statements<F: std::future::Future>(work: F) -> (F::Output, u64) {
    STATEMENTS
        .scope(std::cell::Cell::new(0), async move {
            let output = work.await;
            (output, STATEMENTS.with(std::cell::Cell::get))
        })
        .await
}

/// A migrated SQLite store in a temporary directory, for unit tests (the directory lives as long
/// as the returned guard).
#[cfg(test)]
pub(crate) async fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::connect(&sqlite_url(&dir.path().join("t.db"))).await.expect("connect");
    store.migrate().await.expect("migrate");
    (dir, store)
}

/// Whether `err` is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|e| e.is_unique_violation())
}
