//! Functions and their immutable versions.

use std::collections::BTreeMap;

use sqlx::Row as _;
use sqlx::any::AnyRow;

use api_types::{EgressPolicy, OrgLimits, Trigger, VersionStatus};

use super::Store;

/// The mutable head of a function.
/// What the provider set for an org; `None` where it set nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgSettings {
    pub limits: Option<OrgLimits>,
    pub egress: Option<EgressPolicy>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionHead {
    pub org: String,
    pub name: String,
    pub runtime: String,
    pub route: String,
    pub status: VersionStatus,
    pub latest_version: i64,
    pub active_version: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The key id of the package signer that locked it; `None`: not locked.
    pub locked_by: Option<String>,
}

/// One immutable version: code and every setting a call depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub org: String,
    pub name: String,
    pub version: i64,
    /// The source of a one-file version; empty when `files` holds the code.
    pub code: String,
    /// The files of a version of several files.
    pub files: Option<BTreeMap<String, String>>,
    /// Its entry file as the author named it.
    pub main: Option<String>,
    pub trigger: Trigger,
    pub memory_mb: i64,
    pub timeout_ms: i64,
    pub env: BTreeMap<String, String>,
    /// Values included: never rendered back to clients.
    pub secrets: BTreeMap<String, String>,
    pub fresh_context: bool,
    pub status: VersionStatus,
    pub shape: Option<String>,
    pub bytecode: Option<Vec<u8>>,
    pub error_message: Option<String>,
    pub error_line: Option<i64>,
    pub error_column: Option<i64>,
    pub error_file: Option<String>,
    pub created_at: i64,
    pub access: api_types::FunctionAccess,
    pub payload_format: api_types::LambdaPayload,
}

/// Why a function could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("a function named '{0}' exists already")]
    NameTaken(String),
    #[error("route '{0}' is taken by function '{1}'")]
    RouteTaken(String, String),
    #[error("no function named '{0}'")]
    Missing(String),
    #[error("version {0} is not a ready version of this function")]
    NoSuchVersion(i64),
    #[error("another change to this function happened at the same time; retry")]
    Raced,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub(super) const HEAD_COLUMNS: &str =
    "org_name, name, runtime, route, status, latest_version, active_version, created_at, updated_at, locked_by";
const VERSION_COLUMNS: &str = "org_name, name, version, code, trigger_json, memory_mb, timeout_ms, env_json, \
     secrets_json, fresh_context, status, shape, bytecode, error_message, error_line, error_column, created_at, access, \
     payload_format, files_json, main_file, error_file";

fn head(row: &AnyRow) -> Result<FunctionHead, sqlx::Error> {
    Ok(FunctionHead {
        org: row.try_get("org_name")?,
        name: row.try_get("name")?,
        runtime: row.try_get("runtime")?,
        route: row.try_get("route")?,
        status: super::state(row, "status")?,
        latest_version: row.try_get("latest_version")?,
        active_version: row.try_get("active_version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        locked_by: row.try_get("locked_by")?,
    })
}

fn version(row: &AnyRow) -> Result<VersionRow, sqlx::Error> {
    Ok(VersionRow {
        org: row.try_get("org_name")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        code: row.try_get("code")?,
        files: row
            .try_get::<Option<String>, _>("files_json")?
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        main: row.try_get("main_file")?,
        trigger: super::json(row, "trigger_json")?,
        memory_mb: row.try_get("memory_mb")?,
        timeout_ms: row.try_get("timeout_ms")?,
        env: super::json(row, "env_json")?,
        secrets: super::json(row, "secrets_json")?,
        fresh_context: row.try_get::<i64, _>("fresh_context")? != 0,
        status: super::state(row, "status")?,
        shape: row.try_get("shape")?,
        bytecode: row.try_get("bytecode")?,
        error_message: row.try_get("error_message")?,
        error_line: row.try_get("error_line")?,
        error_column: row.try_get("error_column")?,
        error_file: row.try_get("error_file")?,
        created_at: row.try_get("created_at")?,
        access: super::state(row, "access")?,
        payload_format: super::state(row, "payload_format")?,
    })
}

pub(super) async fn insert_version(conn: &mut sqlx::AnyConnection, v: &VersionRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into function_version (org_name, name, version, code, trigger_json, memory_mb, timeout_ms, \
         env_json, secrets_json, fresh_context, status, shape, bytecode, error_message, error_line, error_column, \
         created_at, access, payload_format, files_json, main_file, error_file) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
    )
    .bind(&v.org)
    .bind(&v.name)
    .bind(v.version)
    .bind(&v.code)
    .bind(super::to_json(&v.trigger)?)
    .bind(v.memory_mb)
    .bind(v.timeout_ms)
    .bind(super::to_json(&v.env)?)
    .bind(super::to_json(&v.secrets)?)
    .bind(i64::from(v.fresh_context))
    .bind(v.status.as_str())
    .bind(&v.shape)
    .bind(&v.bytecode)
    .bind(&v.error_message)
    .bind(v.error_line)
    .bind(v.error_column)
    .bind(v.created_at)
    .bind(v.access.as_str())
    .bind(v.payload_format.as_str())
    .bind(v.files.as_ref().map(super::to_json).transpose()?)
    .bind(&v.main)
    .bind(&v.error_file)
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

pub(super) async fn route_owner(
    conn: &mut sqlx::AnyConnection,
    org: &str,
    route: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("select name from tenant_function where org_name = $1 and route = $2")
        .bind(org)
        .bind(route)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| r.try_get("name")).transpose()
}

impl Store {
    /// Creates a function with its first version.
    pub(crate) async fn create_function(&self, head: &FunctionHead, first: &VersionRow) -> Result<(), WriteError> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("select 1 from tenant_function where org_name = $1 and name = $2")
            .bind(&head.org)
            .bind(&head.name)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(WriteError::NameTaken(head.name.clone()));
        }
        if let Some(owner) = route_owner(&mut tx, &head.org, &head.route).await? {
            return Err(WriteError::RouteTaken(head.route.clone(), owner));
        }
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "insert into tenant_function ({HEAD_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )))
        .bind(&head.org)
        .bind(&head.name)
        .bind(&head.runtime)
        .bind(&head.route)
        .bind(head.status.as_str())
        .bind(head.latest_version)
        .bind(head.active_version)
        .bind(head.created_at)
        .bind(head.updated_at)
        .bind(&head.locked_by)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if super::is_unique_violation(&e) => return Err(WriteError::Raced),
            other => other?,
        };
        insert_version(&mut tx, first).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds the next version and makes it the latest (status `initializing`). `expected_latest`
    /// guards against two updates at once.
    pub(crate) async fn add_version(
        &self,
        route: &str,
        next: &VersionRow,
        expected_latest: i64,
        now: i64,
    ) -> Result<(), WriteError> {
        let mut tx = self.begin_write().await?;
        if let Some(owner) = route_owner(&mut tx, &next.org, route).await?
            && owner != next.name
        {
            return Err(WriteError::RouteTaken(route.to_owned(), owner));
        }
        let updated = sqlx::query(
            "update tenant_function set latest_version = $1, status = $2, route = $3, updated_at = $4 \
             where org_name = $5 and name = $6 and latest_version = $7",
        )
        .bind(next.version)
        .bind(next.status.as_str())
        .bind(route)
        .bind(now)
        .bind(&next.org)
        .bind(&next.name)
        .bind(expected_latest)
        .execute(&mut *tx)
        .await;
        let updated = match updated {
            Err(e) if super::is_unique_violation(&e) => return Err(WriteError::Raced),
            other => other?,
        };
        if updated.rows_affected() != 1 {
            return Err(WriteError::Raced);
        }
        insert_version(&mut tx, next).await?;
        if next.status == VersionStatus::Ready {
            activate(&mut tx, &next.org, &next.name, next.version, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a successful compile; the newest ready version serves calls.
    pub(crate) async fn mark_version_ready(
        &self,
        org: &str,
        name: &str,
        version: i64,
        shape: &str,
        bytecode: &[u8],
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "update function_version set status = 'ready', shape = $1, bytecode = $2, error_message = null, \
             error_line = null, error_column = null, error_file = null where org_name = $3 and name = $4 \
             and version = $5",
        )
        .bind(shape)
        .bind(bytecode)
        .bind(org)
        .bind(name)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        activate(&mut tx, org, name, version, now).await?;
        tx.commit().await
    }

    /// Records a failed compile.
    pub(crate) async fn mark_version_failed(
        &self,
        org: &str,
        name: &str,
        version: i64,
        error: &api_types::CodeError,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "update function_version set status = 'failed', error_message = $1, error_line = $2, error_column = $3, \
             error_file = $7 where org_name = $4 and name = $5 and version = $6",
        )
        .bind(&error.message)
        .bind(error.line.map(i64::from))
        .bind(error.column.map(i64::from))
        .bind(org)
        .bind(name)
        .bind(version)
        .bind(&error.file)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "update tenant_function set status = 'failed', updated_at = $1 \
             where org_name = $2 and name = $3 and latest_version = $4",
        )
        .bind(now)
        .bind(org)
        .bind(name)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    pub(crate) async fn get_function(&self, org: &str, name: &str) -> Result<Option<FunctionHead>, sqlx::Error> {
        let sql = format!("select {HEAD_COLUMNS} from tenant_function where org_name = $1 and name = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(name).fetch_optional(self.pool()).await?;
        row.as_ref().map(head).transpose()
    }

    pub(crate) async fn function_by_route(&self, org: &str, route: &str) -> Result<Option<FunctionHead>, sqlx::Error> {
        let sql = format!("select {HEAD_COLUMNS} from tenant_function where org_name = $1 and route = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(route).fetch_optional(self.pool()).await?;
        row.as_ref().map(head).transpose()
    }

    pub(crate) async fn list_function_heads(&self, org: &str) -> Result<Vec<FunctionHead>, sqlx::Error> {
        let sql = format!("select {HEAD_COLUMNS} from tenant_function where org_name = $1 order by name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).fetch_all(self.pool()).await?;
        rows.iter().map(head).collect()
    }

    pub(crate) async fn count_functions(&self, org: &str) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("select count(*) as n from tenant_function where org_name = $1")
            .bind(org)
            .fetch_one(self.pool())
            .await?;
        row.try_get("n")
    }

    pub(crate) async fn get_version(&self, org: &str, name: &str, v: i64) -> Result<Option<VersionRow>, sqlx::Error> {
        let sql = format!(
            "select {VERSION_COLUMNS} from function_version where org_name = $1 and name = $2 and version = $3"
        );
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(name).bind(v).fetch_optional(self.pool()).await?;
        row.as_ref().map(version).transpose()
    }

    /// Every version, newest first.
    pub(crate) async fn list_versions(&self, org: &str, name: &str) -> Result<Vec<VersionRow>, sqlx::Error> {
        let sql = format!(
            "select {VERSION_COLUMNS} from function_version where org_name = $1 and name = $2 order by version desc"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(name).fetch_all(self.pool()).await?;
        rows.iter().map(version).collect()
    }

    /// Versions left `initializing` (e.g. by a restart mid-deploy).
    pub(crate) async fn initializing_versions(&self) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
        let rows = sqlx::query(
            "select org_name, name, version from function_version where status = 'initializing' order by created_at",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get("org_name")?, r.try_get("name")?, r.try_get("version")?))).collect()
    }

    /// Deletes a function, its versions and its invocation history; `false` when absent.
    pub(crate) async fn delete_function(&self, org: &str, name: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query("delete from function_version where org_name = $1 and name = $2")
            .bind(org)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from invocation where org_name = $1 and function_name = $2")
            .bind(org)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("delete from tenant_function where org_name = $1 and name = $2")
            .bind(org)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// An org and the provider's settings for it, in one read: `None` when there is no such
    /// org; a setting it has none of its own of is `None`.
    pub(crate) async fn existing_org_settings(&self, org: &str) -> Result<Option<OrgSettings>, sqlx::Error> {
        let row = sqlx::query(
            "select l.limits_json, e.policy_json from org o \
             left join org_limits l on l.org_name = o.org_name \
             left join org_egress e on e.org_name = o.org_name \
             where o.org_name = $1",
        )
        .bind(org)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let present = |column: &str| row.try_get::<Option<String>, _>(column).map(|v| v.is_some());
        let limits = if present("limits_json")? { Some(super::json(&row, "limits_json")?) } else { None };
        let egress = if present("policy_json")? { Some(super::json(&row, "policy_json")?) } else { None };
        Ok(Some(OrgSettings { limits, egress }))
    }

    pub(crate) async fn put_org_egress(&self, org: &str, policy: &EgressPolicy, now: i64) -> Result<(), sqlx::Error> {
        const SQL: &str = "insert into org_egress (org_name, policy_json, updated_at) values ($1, $2, $3) \
             on conflict (org_name) do update set policy_json = excluded.policy_json, updated_at = excluded.updated_at";
        self.put_org_setting(SQL, org, super::to_json(policy)?, now).await
    }

    /// Runs one of the org settings' upserts (`$1` org, `$2` JSON, `$3` time).
    async fn put_org_setting(&self, sql: &'static str, org: &str, json: String, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query(sql).bind(org).bind(json).bind(now).execute(self.pool()).await.map(|_| ())
    }

    pub(crate) async fn put_org_limits(&self, org: &str, limits: &OrgLimits, now: i64) -> Result<(), sqlx::Error> {
        const SQL: &str = "insert into org_limits (org_name, limits_json, updated_at) values ($1, $2, $3) \
             on conflict (org_name) do update set limits_json = excluded.limits_json, updated_at = excluded.updated_at";
        self.put_org_setting(SQL, org, super::to_json(limits)?, now).await
    }
}

/// Makes `version` active when it is newer than the active one; the head shows `ready` when
/// it is the latest.
async fn activate(
    conn: &mut sqlx::AnyConnection,
    org: &str,
    name: &str,
    version: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update tenant_function set active_version = $1, updated_at = $2 \
         where org_name = $3 and name = $4 and (active_version is null or active_version < $1)",
    )
    .bind(version)
    .bind(now)
    .bind(org)
    .bind(name)
    .execute(&mut *conn)
    .await?;
    sqlx::query("update tenant_function set status = 'ready' where org_name = $1 and name = $2 and latest_version = $3")
        .bind(org)
        .bind(name)
        .bind(version)
        .execute(&mut *conn)
        .await
        .map(|_| ())
}
