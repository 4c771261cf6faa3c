//! The database side of the durable async-invocation queue: one `async_job` row per accepted
//! call. Attempts start only by an atomic claim of the row and end by a conditional update in the
//! same transaction as the invocation's result, so a result is stored once even when a replica
//! that was presumed dead comes back.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use api_types::JobStatus;

use super::invocations::{InvocationRow, save_invocation};
use super::replicas::lease_lost;
use super::{Backend, Store};

/// One accepted async call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobRow {
    pub invocation_id: String,
    pub org: String,
    pub route: String,
    pub request_json: String,
    pub status: JobStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub lease_owner: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// How an attempt ended, for the job row.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEnd<'a> {
    /// `Done`, `Queued` (retry at `next_attempt_at`) or `Dead`.
    pub status: JobStatus,
    pub next_attempt_at: i64,
    pub last_error: Option<&'a str>,
}

const COLUMNS: &str = "invocation_id, org_name, route, request_json, status, attempts, next_attempt_at, lease_owner, last_error, created_at";

fn job(row: &AnyRow) -> Result<JobRow, sqlx::Error> {
    Ok(JobRow {
        invocation_id: row.try_get("invocation_id")?,
        org: row.try_get("org_name")?,
        route: row.try_get("route")?,
        request_json: row.try_get("request_json")?,
        status: super::state(row, "status")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        lease_owner: row.try_get("lease_owner")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The condition of a job replica `owner` may start now: queued and due, or running under a
/// lease no live replica holds (never its own: a replica that thinks itself dead is late, not
/// gone). Placeholders: `$now`, `$stale`, `$owner`.
fn claimable(now: &str, stale: &str, owner: &str) -> String {
    format!(
        "((async_job.status = 'queued' and async_job.next_attempt_at <= {now}) or \
         (async_job.status = 'running' and async_job.lease_owner <> {owner} and {}))",
        lease_lost("async_job", now, stale)
    )
}

impl Store {
    /// Stores an accepted call: its pending invocation and its job, in one transaction.
    pub(crate) async fn enqueue_job(&self, job: &JobRow, invocation: &InvocationRow) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        save_invocation(&mut tx, invocation).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "insert into async_job ({COLUMNS}, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)"
        )))
        .bind(&job.invocation_id)
        .bind(&job.org)
        .bind(&job.route)
        .bind(&job.request_json)
        .bind(job.status.as_str())
        .bind(job.attempts)
        .bind(job.next_attempt_at)
        .bind(&job.lease_owner)
        .bind(&job.last_error)
        .bind(job.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// Takes job `id` for one attempt by `owner` (leased until `lease_until`, one more attempt
    /// counted) when it may start now; `None` otherwise (done, dead, not due, or a live replica
    /// runs it).
    pub(crate) async fn claim_job(
        &self,
        id: &str,
        owner: &str,
        now: i64,
        stale: i64,
        lease_until: i64,
    ) -> Result<Option<JobRow>, sqlx::Error> {
        let sql = format!(
            "update async_job set status = 'running', attempts = attempts + 1, lease_owner = $1, \
             lease_until = $2, updated_at = $3 where invocation_id = $5 and {} returning {COLUMNS}",
            claimable("$3", "$4", "$1")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(lease_until)
            .bind(now)
            .bind(stale)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(job).transpose()
    }

    /// Claims up to `limit` jobs that may start now, oldest due first (the database queue's
    /// poll). On PostgreSQL replicas polling together skip each other's rows.
    pub(crate) async fn claim_due_jobs(
        &self,
        owner: &str,
        now: i64,
        stale: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<JobRow>, sqlx::Error> {
        let lock = if self.backend() == Backend::Postgres { " for update skip locked" } else { "" };
        let sql = format!(
            "update async_job set status = 'running', attempts = attempts + 1, lease_owner = $1, \
             lease_until = $2, updated_at = $3 where invocation_id in (select invocation_id from async_job \
             where {} order by next_attempt_at, invocation_id limit $5{lock}) returning {COLUMNS}",
            claimable("$3", "$4", "$1")
        );
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(lease_until)
            .bind(now)
            .bind(stale)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.iter().map(job).collect()
    }

    /// Ids of jobs that may start now and were due before `due_before` (work nobody picked up:
    /// its message was lost, or its replica died), at most `limit`.
    pub(crate) async fn overdue_jobs(
        &self,
        now: i64,
        stale: i64,
        due_before: i64,
        limit: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        let sql = format!(
            "select invocation_id from async_job where {} and async_job.next_attempt_at <= $3 \
             order by next_attempt_at limit $4",
            claimable("$1", "$2", "''")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(stale)
            .bind(due_before)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| r.try_get("invocation_id")).collect()
    }

    /// Marks the job's invocation running for attempt `attempts` (what a poller of the record
    /// sees while it runs), only while `owner` still holds that attempt: a late attempt never
    /// overwrites what a newer one stored.
    pub(crate) async fn mark_job_running(&self, invocation: &InvocationRow, owner: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "update invocation set status = 'running', started_at = $1, attempts = $2 where invocation_id = $3 \
             and exists (select 1 from async_job j where j.invocation_id = $3 and j.status = 'running' \
             and j.lease_owner = $4 and j.attempts = $2)",
        )
        .bind(invocation.started_at)
        .bind(invocation.attempts)
        .bind(&invocation.invocation_id)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends attempt `attempts` of job `id` held by `owner` and stores the invocation as it now
    /// stands, in one transaction. `false` (nothing written) when the attempt is not the job's
    /// current one any more (another replica took the job over).
    pub(crate) async fn finish_job(
        &self,
        id: &str,
        owner: &str,
        attempts: i64,
        end: &JobEnd<'_>,
        invocation: &InvocationRow,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "update async_job set status = $1, next_attempt_at = $2, last_error = $3, lease_owner = null, \
             lease_until = null, updated_at = $4 \
             where invocation_id = $5 and status = 'running' and lease_owner = $6 and attempts = $7",
        )
        .bind(end.status.as_str())
        .bind(end.next_attempt_at)
        .bind(end.last_error)
        .bind(now)
        .bind(id)
        .bind(owner)
        .bind(attempts)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        save_invocation(&mut tx, invocation).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Hands back the jobs `owner` runs (it is stopping): they are queued again, due now, and
    /// the interrupted attempt is not counted.
    pub(crate) async fn release_jobs(&self, owner: &str, now: i64) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(
            "update async_job set status = 'queued', attempts = attempts - 1, lease_owner = null, lease_until = null, \
             next_attempt_at = $1, updated_at = $1 where status = 'running' and lease_owner = $2 returning invocation_id",
        )
        .bind(now)
        .bind(owner)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| r.try_get("invocation_id")).collect()
    }

    /// The job of invocation `id`.
    pub(crate) async fn get_job(&self, id: &str) -> Result<Option<JobRow>, sqlx::Error> {
        let sql = format!("select {COLUMNS} from async_job where invocation_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(job).transpose()
    }

    /// Deletes finished jobs (done or dead) last changed before `before`.
    pub(crate) async fn prune_jobs(&self, before: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("delete from async_job where status in ('done', 'dead') and updated_at < $1")
            .bind(before)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let (dir, store) = crate::store::temp_store().await;
        (dir, store)
    }

    async fn accept(store: &Store, id: &str, at: i64) {
        let job = JobRow {
            invocation_id: id.into(),
            org: "acme".into(),
            route: "f".into(),
            request_json: "{}".into(),
            next_attempt_at: at,
            created_at: at,
            ..JobRow::default()
        };
        let invocation = InvocationRow {
            invocation_id: id.into(),
            org: "acme".into(),
            function_name: "f".into(),
            started_at: at,
            ..InvocationRow::default()
        };
        store.enqueue_job(&job, &invocation).await.expect("enqueue");
    }

    fn end(status: JobStatus) -> JobEnd<'static> {
        JobEnd { status, next_attempt_at: 0, last_error: None }
    }

    #[tokio::test]
    async fn a_job_is_claimed_once_and_its_result_stored_once() {
        let (_dir, store) = store().await;
        accept(&store, "j1", 100).await;
        store.beat("r1", 100).await.unwrap();
        store.beat("r2", 100).await.unwrap();
        assert!(store.claim_job("j1", "r1", 99, 0, 10_000).await.unwrap().is_none(), "not due yet");
        let job = store.claim_job("j1", "r1", 100, 0, 10_000).await.unwrap().expect("claimed");
        assert_eq!((job.status, job.attempts, job.lease_owner.as_deref()), (JobStatus::Running, 1, Some("r1")));
        assert!(store.claim_job("j1", "r2", 100, 0, 10_000).await.unwrap().is_none(), "r1 is alive");
        assert!(store.claim_due_jobs("r2", 100, 0, 10_000, 10).await.unwrap().is_empty());
        let mut result = InvocationRow { invocation_id: "j1".into(), org: "acme".into(), ..Default::default() };
        result.status = api_types::InvocationStatus::Succeeded;
        assert!(!store.finish_job("j1", "r2", 1, &end(JobStatus::Done), &result, 150).await.unwrap(), "not r2's");
        assert!(store.finish_job("j1", "r1", 1, &end(JobStatus::Done), &result, 150).await.unwrap());
        assert!(!store.finish_job("j1", "r1", 1, &end(JobStatus::Done), &result, 150).await.unwrap(), "ends once");
        let stored = store.get_invocation("acme", "j1").await.unwrap().expect("invocation");
        assert_eq!(stored.status, api_types::InvocationStatus::Succeeded);
        assert!(store.claim_job("j1", "r2", 10_000, 0, 20_000).await.unwrap().is_none(), "done stays done");
    }

    #[tokio::test]
    async fn the_job_of_a_dead_replica_is_taken_over_and_its_late_result_dropped() {
        let (_dir, store) = store().await;
        accept(&store, "j1", 100).await;
        store.beat("r1", 100).await.unwrap();
        store.claim_job("j1", "r1", 100, 0, 1_000_000).await.unwrap().expect("claimed");
        assert!(store.overdue_jobs(200, 50, 200, 10).await.unwrap().is_empty(), "r1 beats");
        // At 1 000 beats before 500 are too old: r1 is dead long before its lease ends.
        assert_eq!(store.overdue_jobs(1_000, 500, 1_000, 10).await.unwrap(), ["j1"]);
        let taken = store.claim_due_jobs("r2", 1_000, 500, 1_000_000, 10).await.unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!((taken[0].attempts, taken[0].lease_owner.as_deref()), (2, Some("r2")));
        let result = InvocationRow { invocation_id: "j1".into(), org: "acme".into(), ..Default::default() };
        assert!(!store.finish_job("j1", "r1", 1, &end(JobStatus::Done), &result, 1_100).await.unwrap());
        assert!(store.finish_job("j1", "r2", 2, &end(JobStatus::Done), &result, 1_100).await.unwrap());
    }

    #[tokio::test]
    async fn retries_wait_for_their_time_and_a_stopping_replica_hands_its_jobs_back() {
        let (_dir, store) = store().await;
        accept(&store, "j1", 100).await;
        accept(&store, "j2", 100).await;
        store.beat("r1", 100).await.unwrap();
        let claimed = store.claim_due_jobs("r1", 100, 0, 10_000, 10).await.unwrap();
        assert_eq!(claimed.len(), 2);
        let result = InvocationRow { invocation_id: "j1".into(), org: "acme".into(), ..Default::default() };
        let retry = JobEnd { status: JobStatus::Queued, next_attempt_at: 500, last_error: Some("boom") };
        assert!(store.finish_job("j1", "r1", 1, &retry, &result, 200).await.unwrap());
        assert!(store.claim_job("j1", "r1", 499, 0, 10_000).await.unwrap().is_none(), "waits for its retry");
        assert_eq!(store.release_jobs("r1", 300).await.unwrap(), ["j2"]);
        let j2 = store.get_job("j2").await.unwrap().expect("j2");
        assert_eq!((j2.status, j2.attempts, j2.lease_owner), (JobStatus::Queued, 0, None), "not counted");
        let again = store.claim_due_jobs("r2", 500, 0, 10_000, 10).await.unwrap();
        let mut ids: Vec<_> = again.iter().map(|j| (j.invocation_id.as_str(), j.attempts)).collect();
        ids.sort_unstable();
        assert_eq!(ids, [("j1", 2), ("j2", 1)]);
        assert_eq!(store.prune_jobs(1_000).await.unwrap(), 0, "running jobs are kept");
    }
}
