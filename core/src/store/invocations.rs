//! Invocation history.

use std::sync::OnceLock;

use sqlx::Row as _;
use sqlx::any::AnyRow;

use api_types::{InvocationStatus, InvocationTrigger};

use super::{Backend, Store};

/// One call as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InvocationRow {
    pub invocation_id: String,
    pub org: String,
    pub function_name: String,
    pub version: i64,
    pub trigger_kind: InvocationTrigger,
    pub status: InvocationStatus,
    pub started_at: i64,
    pub duration_us: Option<i64>,
    pub http_status: Option<i64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub memory_used: Option<i64>,
    pub cold_start: bool,
    pub log_tail: String,
    pub response_json: Option<String>,
    /// Starts it took (1 for a call that is not retried).
    pub attempts: i64,
    /// Its `fetch()`es (api-types `OutboundCall` list as JSON); none when it made none.
    pub outbound_json: Option<String>,
}

const COLUMNS: &str = "invocation_id, org_name, function_name, version, trigger_kind, status, started_at, \
     duration_us, http_status, error_code, error_message, memory_used, cold_start, log_tail, response_json, attempts, \
     outbound_json";

fn invocation(row: &AnyRow) -> Result<InvocationRow, sqlx::Error> {
    Ok(InvocationRow {
        invocation_id: row.try_get("invocation_id")?,
        org: row.try_get("org_name")?,
        function_name: row.try_get("function_name")?,
        version: row.try_get("version")?,
        trigger_kind: super::state(row, "trigger_kind")?,
        status: super::state(row, "status")?,
        started_at: row.try_get("started_at")?,
        duration_us: row.try_get("duration_us")?,
        http_status: row.try_get("http_status")?,
        error_code: row.try_get("error_code")?,
        error_message: row.try_get("error_message")?,
        memory_used: row.try_get("memory_used")?,
        cold_start: row.try_get::<i64, _>("cold_start")? != 0,
        log_tail: row.try_get("log_tail")?,
        response_json: row.try_get("response_json")?,
        attempts: row.try_get("attempts")?,
        outbound_json: row.try_get("outbound_json")?,
    })
}

/// Rows per multi-row insert: a batch of history takes an eighth of the statements (round
/// trips to the database, or to SQLite's worker thread). Only three statement texts exist (one
/// row; eight rows in each dialect), so each stays prepared in every connection's cache.
const ROWS_PER_STATEMENT: usize = 8;

/// The upsert statements: one row (`$n`, both dialects), and [`ROWS_PER_STATEMENT`] rows with
/// `$n` (PostgreSQL) or anonymous `?` (SQLite) placeholders.
struct Upserts {
    single: String,
    multi_numbered: String,
    multi_anonymous: String,
}

fn upserts() -> &'static Upserts {
    static SQL: OnceLock<Upserts> = OnceLock::new();
    SQL.get_or_init(|| Upserts {
        single: upsert_sql(1, true),
        multi_numbered: upsert_sql(ROWS_PER_STATEMENT, true),
        multi_anonymous: upsert_sql(ROWS_PER_STATEMENT, false),
    })
}

/// Inserts or replaces one invocation inside `tx`.
pub(super) async fn save_invocation(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    r: &InvocationRow,
) -> Result<(), sqlx::Error> {
    upsert(tx, &upserts().single, &[r]).await
}

/// Inserts or replaces invocations inside `tx`: whole chunks of [`ROWS_PER_STATEMENT`] rows per
/// statement, the rest one by one. Ids must be distinct within `rows`.
async fn save_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rows: &[&InvocationRow],
    backend: Backend,
) -> Result<(), sqlx::Error> {
    let sql = upserts();
    let multi = if backend == Backend::Postgres { &sql.multi_numbered } else { &sql.multi_anonymous };
    let (many, rest) = rows.split_at(rows.len() - rows.len() % ROWS_PER_STATEMENT);
    for chunk in many.chunks(ROWS_PER_STATEMENT) {
        upsert(tx, multi, chunk).await?;
    }
    for row in rest {
        upsert(tx, &sql.single, std::slice::from_ref(row)).await?;
    }
    Ok(())
}

/// Runs one upsert statement over `rows`, binding their columns in order.
async fn upsert(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    sql: &str,
    rows: &[&InvocationRow],
) -> Result<(), sqlx::Error> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for r in rows {
        query = query
            .bind(&r.invocation_id)
            .bind(&r.org)
            .bind(&r.function_name)
            .bind(r.version)
            .bind(r.trigger_kind.as_str())
            .bind(r.status.as_str())
            .bind(r.started_at)
            .bind(r.duration_us)
            .bind(r.http_status)
            .bind(&r.error_code)
            .bind(&r.error_message)
            .bind(r.memory_used)
            .bind(i64::from(r.cold_start))
            .bind(&r.log_tail)
            .bind(&r.response_json)
            .bind(r.attempts.max(1))
            .bind(&r.outbound_json);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// `insert … values (…), (…) on conflict update` for `rows` rows of [`COLUMNS`], with `$n`
/// placeholders (both dialects) or, for SQLite, anonymous `?` ones: SQLite finds each named
/// parameter by a linear scan when binding (see `showback_sql`).
fn upsert_sql(rows: usize, numbered: bool) -> String {
    let columns = COLUMNS.split(',').count();
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let params: Vec<String> = (1..=columns)
                .map(|column| if numbered { format!("${}", row * columns + column) } else { "?".to_owned() })
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "insert into invocation ({COLUMNS}) values {} on conflict (invocation_id) do update set \
         status = excluded.status, duration_us = excluded.duration_us, http_status = excluded.http_status, \
         error_code = excluded.error_code, error_message = excluded.error_message, \
         memory_used = excluded.memory_used, cold_start = excluded.cold_start, \
         log_tail = excluded.log_tail, response_json = excluded.response_json, \
         started_at = excluded.started_at, attempts = excluded.attempts, outbound_json = excluded.outbound_json",
        values.join(", ")
    )
}

impl Store {
    /// Inserts or replaces invocations, all in one transaction.
    pub(crate) async fn save_invocations(&self, rows: &[InvocationRow]) -> Result<(), sqlx::Error> {
        // One statement cannot update a row twice (PostgreSQL refuses it): the last state of an
        // id wins, as it would row by row.
        let mut seen = std::collections::HashSet::with_capacity(rows.len());
        let mut latest: Vec<&InvocationRow> = rows.iter().rev().filter(|r| seen.insert(&r.invocation_id)).collect();
        latest.reverse();
        let mut tx = self.begin_write().await?;
        save_rows(&mut tx, &latest, self.backend()).await?;
        tx.commit().await
    }

    pub(crate) async fn get_invocation(&self, org: &str, id: &str) -> Result<Option<InvocationRow>, sqlx::Error> {
        let sql = format!("select {COLUMNS} from invocation where org_name = $1 and invocation_id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(invocation).transpose()
    }

    /// The newest `limit` invocations of a function.
    pub(crate) async fn list_invocations(
        &self,
        org: &str,
        name: &str,
        limit: i64,
    ) -> Result<Vec<InvocationRow>, sqlx::Error> {
        let sql = format!(
            "select {COLUMNS} from invocation where org_name = $1 and function_name = $2 \
             order by started_at desc, invocation_id desc limit $3"
        );
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(name).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(invocation).collect()
    }

    /// Keeps only the newest `keep` finished invocations of each function that has more.
    pub(crate) async fn prune_invocations(&self, keep: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "delete from invocation where status in ('succeeded', 'failed') and invocation_id in ( \
               select invocation_id from ( \
                 select invocation_id, row_number() over ( \
                   partition by org_name, function_name order by started_at desc, invocation_id desc) as n \
                 from invocation) ranked \
               where n > $1)",
        )
        .bind(keep)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}
