//! Collectors, their runs, and the leases that keep one run of a collector at a time.

use api_types::{CollectorKind, CollectorSource, ErrorDetail, RunStatus, RunTrigger};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::Store;

/// A stored collector.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectorRow {
    pub collector_id: String,
    pub name: String,
    /// `source.kind()`, stored in a column of its own.
    pub kind: CollectorKind,
    pub schedule: String,
    pub enabled: bool,
    /// Stored as JSON in `config_json`, the secret included.
    pub source: CollectorSource,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One run of a collector.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub run_id: String,
    pub collector_id: String,
    /// Stored in `trigger_kind`.
    pub trigger: RunTrigger,
    pub status: RunStatus,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub imported: i64,
    pub replaced: i64,
    pub unchanged: i64,
    pub skipped: i64,
    /// Stored as JSON in `errors_json`.
    pub errors: Vec<ErrorDetail>,
    pub message: Option<String>,
}

const COLLECTOR: &str = "collector_id, name, kind, schedule, enabled, config_json, created_at, updated_at";
const RUN: &str = "run_id, collector_id, trigger_kind, status, started_at, finished_at, imported, replaced, \
                   unchanged, skipped, errors_json, message";

fn collector(row: &AnyRow) -> Result<CollectorRow, sqlx::Error> {
    Ok(CollectorRow {
        collector_id: row.try_get("collector_id")?,
        name: row.try_get("name")?,
        kind: super::state(row, "kind")?,
        schedule: row.try_get("schedule")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        source: super::json(row, "config_json")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn run(row: &AnyRow) -> Result<RunRow, sqlx::Error> {
    Ok(RunRow {
        run_id: row.try_get("run_id")?,
        collector_id: row.try_get("collector_id")?,
        trigger: super::state(row, "trigger_kind")?,
        status: super::state(row, "status")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        imported: row.try_get("imported")?,
        replaced: row.try_get("replaced")?,
        unchanged: row.try_get("unchanged")?,
        skipped: row.try_get("skipped")?,
        errors: super::json(row, "errors_json")?,
        message: row.try_get("message")?,
    })
}

impl Store {
    pub(crate) async fn list_collectors(&self) -> Result<Vec<CollectorRow>, sqlx::Error> {
        let sql = format!("select {COLLECTOR} from showback_collector order by name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?;
        rows.iter().map(collector).collect()
    }

    pub(crate) async fn find_collector(&self, id: &str) -> Result<Option<CollectorRow>, sqlx::Error> {
        let sql = format!("select {COLLECTOR} from showback_collector where collector_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(collector).transpose()
    }

    /// Inserts a collector; a unique violation means the name is taken.
    pub(crate) async fn insert_collector(&self, c: &CollectorRow) -> Result<(), sqlx::Error> {
        insert_collector(self.pool(), c).await
    }

    /// Replaces a collector's definition; `false` when there is none.
    pub(crate) async fn update_collector(&self, c: &CollectorRow) -> Result<bool, sqlx::Error> {
        update_collector(self.pool(), c, None).await
    }

    pub(crate) async fn delete_collector(&self, id: &str) -> Result<bool, sqlx::Error> {
        let done =
            sqlx::query("delete from showback_collector where collector_id = $1").bind(id).execute(self.pool()).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Inserts a run or replaces it by `run_id`.
    pub(crate) async fn save_run(&self, r: &RunRow) -> Result<(), sqlx::Error> {
        let sql = format!(
            "insert into showback_collector_run ({RUN}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             on conflict (run_id) do update set status = excluded.status, finished_at = excluded.finished_at, \
             imported = excluded.imported, replaced = excluded.replaced, unchanged = excluded.unchanged, \
             skipped = excluded.skipped, errors_json = excluded.errors_json, message = excluded.message"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&r.run_id)
            .bind(&r.collector_id)
            .bind(r.trigger.as_str())
            .bind(r.status.as_str())
            .bind(r.started_at)
            .bind(r.finished_at)
            .bind(r.imported)
            .bind(r.replaced)
            .bind(r.unchanged)
            .bind(r.skipped)
            .bind(super::to_json(&r.errors)?)
            .bind(&r.message)
            .execute(self.pool())
            .await
            .map(|_| ())
    }

    /// The collector's runs, newest first.
    pub(crate) async fn list_runs(&self, collector_id: &str, limit: i64) -> Result<Vec<RunRow>, sqlx::Error> {
        let sql = format!(
            "select {RUN} from showback_collector_run where collector_id = $1 \
             order by started_at desc, run_id desc limit $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(collector_id).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(run).collect()
    }

    /// Marks runs left `running` by a holder that lost its lease as failed.
    pub(crate) async fn fail_interrupted_runs(&self, collector_id: &str, now: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "update showback_collector_run set status = $3, finished_at = $2, \
             message = 'interrupted: the runner stopped before finishing' \
             where collector_id = $1 and status = $4",
        )
        .bind(collector_id)
        .bind(now)
        .bind(RunStatus::Failed.as_str())
        .bind(RunStatus::Running.as_str())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Takes the lease `name` for `holder` until `expires_at` when it is free, expired or
    /// already `holder`'s; `true` when `holder` now has it.
    pub(crate) async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "insert into showback_lease (lease_name, holder, expires_at) values ($1, $2, $3) \
             on conflict (lease_name) do update set holder = excluded.holder, expires_at = excluded.expires_at \
             where showback_lease.expires_at <= $4 or showback_lease.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(expires_at)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the lease back when `holder` has it.
    pub(crate) async fn release_lease(&self, name: &str, holder: &str) -> Result<(), sqlx::Error> {
        sqlx::query("delete from showback_lease where lease_name = $1 and holder = $2")
            .bind(name)
            .bind(holder)
            .execute(self.pool())
            .await
            .map(|_| ())
    }
}

pub(super) async fn insert_collector<'c>(
    exec: impl sqlx::AnyExecutor<'c>,
    c: &CollectorRow,
) -> Result<(), sqlx::Error> {
    let sql = format!("insert into showback_collector ({COLLECTOR}) values ($1, $2, $3, $4, $5, $6, $7, $8)");
    bind_collector(sqlx::query(sqlx::AssertSqlSafe(sql)), c)?.execute(exec).await.map(|_| ())
}

/// Replaces a collector's definition, if it was last changed at `expected` when given; `false`
/// when no row matched.
pub(super) async fn update_collector<'c>(
    exec: impl sqlx::AnyExecutor<'c>,
    c: &CollectorRow,
    expected: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let guard = if expected.is_some() { " and updated_at = $9" } else { "" };
    let sql = format!(
        "update showback_collector set name = $2, kind = $3, schedule = $4, enabled = $5, config_json = $6, \
         created_at = $7, updated_at = $8 where collector_id = $1{guard}"
    );
    let mut query = bind_collector(sqlx::query(sqlx::AssertSqlSafe(sql)), c)?;
    if let Some(expected) = expected {
        query = query.bind(expected);
    }
    Ok(query.execute(exec).await?.rows_affected() == 1)
}

/// `c`'s columns bound as `$1` to `$8`, in the order of [`COLLECTOR`].
fn bind_collector<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    c: &CollectorRow,
) -> Result<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>, sqlx::Error> {
    Ok(query
        .bind(c.collector_id.clone())
        .bind(c.name.clone())
        .bind(c.kind.as_str())
        .bind(c.schedule.clone())
        .bind(i64::from(c.enabled))
        .bind(super::to_json(&c.source)?)
        .bind(c.created_at)
        .bind(c.updated_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let (dir, store) = crate::store::temp_store().await;
        (dir, store)
    }

    fn run_row(status: RunStatus) -> RunRow {
        RunRow {
            run_id: "run_1".into(),
            collector_id: "col_metering".into(),
            trigger: RunTrigger::Schedule,
            status,
            started_at: 1_000,
            finished_at: None,
            imported: 0,
            replaced: 0,
            unchanged: 0,
            skipped: 0,
            errors: vec![ErrorDetail::field("date", "is missing")],
            message: None,
        }
    }

    #[tokio::test]
    async fn runs_keep_their_states_and_errors() {
        let (_dir, store) = store().await;
        let seeded = store.find_collector("col_metering").await.unwrap().expect("seeded by the migration");
        assert_eq!(seeded.kind, CollectorKind::Metering);
        assert_eq!(seeded.source.kind(), CollectorKind::Metering);
        store.save_run(&run_row(RunStatus::Running)).await.unwrap();
        assert_eq!(store.list_runs("col_metering", 10).await.unwrap(), [run_row(RunStatus::Running)]);
        assert_eq!(store.fail_interrupted_runs("col_metering", 2_000).await.unwrap(), 1);
        let [failed] = store.list_runs("col_metering", 10).await.unwrap().try_into().expect("one run");
        assert_eq!((failed.status, failed.finished_at), (RunStatus::Failed, Some(2_000)));
    }

    #[tokio::test]
    async fn unknown_stored_names_and_corrupt_json_are_decode_errors() {
        let (_dir, store) = store().await;
        store.save_run(&run_row(RunStatus::Succeeded)).await.unwrap();
        for sql in [
            "update showback_collector_run set status = 'paused'",
            "update showback_collector_run set status = 'succeeded', trigger_kind = 'cron'",
            "update showback_collector_run set trigger_kind = 'manual', errors_json = 'oops'",
        ] {
            sqlx::query(sql).execute(store.pool()).await.unwrap();
            let err = store.list_runs("col_metering", 10).await.expect_err(sql);
            assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{sql}: {err}");
        }
        for sql in [
            "update showback_collector set kind = 'ftp'",
            "update showback_collector set kind = 'metering', config_json = '{\"kind\":\"ftp\"}'",
        ] {
            sqlx::query(sql).execute(store.pool()).await.unwrap();
            let err = store.list_collectors().await.expect_err(sql);
            assert!(matches!(err, sqlx::Error::ColumnDecode { .. }), "{sql}: {err}");
        }
    }
}
