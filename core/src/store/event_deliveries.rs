//! Event deliveries: the durable queue of event-triggered calls, their retries and the
//! dead-letter list.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use api_types::{DeliveryStatus, Trigger};

use super::Store;

/// One vCD event for one function, as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeliveryRow {
    pub delivery_id: String,
    pub org: String,
    pub function_name: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    /// `pending`, `running`, `succeeded` or `dead`.
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// When `pending`: when it is due. When `running`: when the runner's lease ends.
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub invocation_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptEnd<'a> {
    /// `succeeded`, `pending` (a retry is due at `next_attempt_at`) or `dead`.
    pub status: DeliveryStatus,
    pub next_attempt_at: i64,
    pub last_error: Option<&'a str>,
    pub invocation_id: Option<&'a str>,
}

const COLUMNS: &str = "delivery_id, org_name, function_name, event_id, event_type, payload, status, attempts, \
     next_attempt_at, last_error, invocation_id, created_at, updated_at";

fn delivery(row: &AnyRow) -> Result<DeliveryRow, sqlx::Error> {
    Ok(DeliveryRow {
        delivery_id: row.try_get("delivery_id")?,
        org: row.try_get("org_name")?,
        function_name: row.try_get("function_name")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        payload: row.try_get("payload")?,
        status: super::state(row, "status")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        invocation_id: row.try_get("invocation_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The condition of a delivery an attempt may start on now: pending and due, or running under a
/// lease (`next_attempt_at` is its end) that ran out or whose replica stopped beating.
/// Placeholders: `$now`, `$stale` (the oldest beat of a live replica), `$owner` (the replica
/// asking, which never takes over its own lease early: it is late, not gone).
fn claimable(now: &str, stale: &str, owner: &str) -> String {
    format!(
        "(event_delivery.next_attempt_at <= {now} and event_delivery.status in ('pending', 'running')) or \
         (event_delivery.status = 'running' and event_delivery.lease_owner <> {owner} and \
         (event_delivery.lease_owner is null or not exists \
         (select 1 from replica r where r.replica_id = event_delivery.lease_owner and r.heartbeat_at >= {stale})))"
    )
}

impl Store {
    /// The org's functions with the trigger of the version that serves them (the latest one
    /// while none is ready yet).
    pub(crate) async fn function_triggers(&self, org: &str) -> Result<Vec<(String, Trigger)>, sqlx::Error> {
        let rows = sqlx::query(
            "select f.name, v.trigger_json from tenant_function f join function_version v \
               on v.org_name = f.org_name and v.name = f.name \
              and v.version = coalesce(f.active_version, f.latest_version) \
             where f.org_name = $1 order by f.name",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get("name")?, super::json(r, "trigger_json")?))).collect()
    }

    /// Stores new deliveries in one transaction. A delivery of an event its function has
    /// already (same `event_id`), or of a function deleted meanwhile, is skipped. Returns how
    /// many were new.
    pub(crate) async fn enqueue_deliveries(&self, rows: &[DeliveryRow]) -> Result<u64, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for r in rows {
            let done = sqlx::query(sqlx::AssertSqlSafe(format!(
                "insert into event_delivery ({COLUMNS}) \
                 select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 \
                 where exists (select 1 from tenant_function where org_name = $2 and name = $3) \
                 on conflict (org_name, function_name, event_id) do nothing"
            )))
            .bind(&r.delivery_id)
            .bind(&r.org)
            .bind(&r.function_name)
            .bind(&r.event_id)
            .bind(&r.event_type)
            .bind(&r.payload)
            .bind(r.status.as_str())
            .bind(r.attempts)
            .bind(r.next_attempt_at)
            .bind(&r.last_error)
            .bind(&r.invocation_id)
            .bind(r.created_at)
            .bind(r.updated_at)
            .execute(&mut *tx)
            .await?;
            added += done.rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Ids of deliveries due at `now`: pending ones whose time came, and running ones whose
    /// runner's lease ran out (it stopped or died). Oldest first.
    pub(crate) async fn due_deliveries(
        &self,
        owner: &str,
        now: i64,
        stale: i64,
        limit: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        let sql = format!(
            "select delivery_id from event_delivery where {} order by next_attempt_at, delivery_id limit $3",
            claimable("$1", "$2", "$4")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(stale)
            .bind(limit)
            .bind(owner)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| r.try_get("delivery_id")).collect()
    }

    /// Takes a due delivery for one attempt: it becomes `running` until `lease_until`, with one
    /// more attempt counted. `None` when it is not due any more (another runner took it).
    pub(crate) async fn claim_delivery(
        &self,
        id: &str,
        owner: &str,
        now: i64,
        stale: i64,
        lease_until: i64,
    ) -> Result<Option<DeliveryRow>, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "update event_delivery set status = 'running', attempts = attempts + 1, next_attempt_at = $3, \
             lease_owner = $4, updated_at = $1 where delivery_id = $5 and {}",
            claimable("$1", "$2", "$4")
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(stale)
            .bind(lease_until)
            .bind(owner)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let sql = format!("select {COLUMNS} from event_delivery where delivery_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        delivery(&row).map(Some)
    }

    /// Notes the invocation an attempt started, while it runs.
    pub(crate) async fn set_delivery_invocation(
        &self,
        id: &str,
        attempts: i64,
        invocation_id: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "update event_delivery set invocation_id = $1 \
             where delivery_id = $2 and attempts = $3 and status = 'running'",
        )
        .bind(invocation_id)
        .bind(id)
        .bind(attempts)
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    /// Records how the attempt numbered `attempts` ended; `false` when the delivery changed
    /// meanwhile (re-driven, or taken over after the lease ran out).
    pub(crate) async fn finish_delivery(
        &self,
        id: &str,
        attempts: i64,
        end: &AttemptEnd<'_>,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "update event_delivery set status = $1, next_attempt_at = $2, last_error = $3, \
             invocation_id = coalesce($4, invocation_id), updated_at = $5 \
             where delivery_id = $6 and attempts = $7 and status = 'running'",
        )
        .bind(end.status.as_str())
        .bind(end.next_attempt_at)
        .bind(end.last_error)
        .bind(end.invocation_id)
        .bind(now)
        .bind(id)
        .bind(attempts)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A function's deliveries, newest first, optionally of one status.
    pub(crate) async fn list_deliveries(
        &self,
        org: &str,
        function: &str,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, sqlx::Error> {
        let sql = format!(
            "select {COLUMNS} from event_delivery where org_name = $1 and function_name = $2 \
             and ($3 = '' or status = $3) order by created_at desc, delivery_id desc limit $4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org)
            .bind(function)
            .bind(status.map_or("", DeliveryStatus::as_str))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(delivery).collect()
    }

    pub(crate) async fn get_delivery(
        &self,
        org: &str,
        function: &str,
        id: &str,
    ) -> Result<Option<DeliveryRow>, sqlx::Error> {
        let sql = format!(
            "select {COLUMNS} from event_delivery where org_name = $1 and function_name = $2 and delivery_id = $3"
        );
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(function).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(delivery).transpose()
    }

    /// Puts dead deliveries of a function back in the queue with their attempts reset, due at
    /// `now`: one (`id`) or all of them. Returns how many.
    pub(crate) async fn redrive_deliveries(
        &self,
        org: &str,
        function: &str,
        id: Option<&str>,
        now: i64,
    ) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "update event_delivery set status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1 \
             where org_name = $2 and function_name = $3 and status = 'dead' and ($4 = '' or delivery_id = $4)",
        )
        .bind(now)
        .bind(org)
        .bind(function)
        .bind(id.unwrap_or_default())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Forgets succeeded deliveries last changed before `before` (dead ones stay until
    /// re-driven or their function is deleted).
    pub(crate) async fn prune_deliveries(&self, before: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("delete from event_delivery where status = 'succeeded' and updated_at < $1")
            .bind(before)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FunctionHead, VersionRow};
    use api_types::VersionStatus;

    async fn store_with_function() -> (tempfile::TempDir, Store) {
        let (dir, store) = crate::store::temp_store().await;
        store.ensure_org("acme", "acme", 0).await.expect("org");
        let head = FunctionHead {
            org: "acme".into(),
            name: "f".into(),
            runtime: "javascript".into(),
            route: "f".into(),
            status: VersionStatus::Initializing,
            latest_version: 1,
            active_version: None,
            created_at: 0,
            updated_at: 0,
            locked_by: None,
        };
        let version = VersionRow {
            access: Default::default(),
            payload_format: Default::default(),
            org: "acme".into(),
            name: "f".into(),
            version: 1,
            code: "x".into(),
            files: None,
            main: None,
            error_file: None,
            trigger: Trigger::Event { event: "a.b".into() },
            memory_mb: 64,
            timeout_ms: 1000,
            env: Default::default(),
            secrets: Default::default(),
            fresh_context: false,
            status: VersionStatus::Initializing,
            shape: None,
            bytecode: None,
            error_message: None,
            error_line: None,
            error_column: None,
            created_at: 0,
        };
        store.create_function(&head, &version).await.expect("function");
        (dir, store)
    }

    fn row(id: &str, function: &str, event_id: &str) -> DeliveryRow {
        DeliveryRow {
            delivery_id: id.into(),
            org: "acme".into(),
            function_name: function.into(),
            event_id: event_id.into(),
            event_type: "a.b".into(),
            payload: "{}".into(),
            status: DeliveryStatus::Pending,
            next_attempt_at: 100,
            created_at: 100,
            updated_at: 100,
            ..DeliveryRow::default()
        }
    }

    #[tokio::test]
    async fn an_event_is_stored_once_per_function_and_never_for_a_missing_one() {
        let (_dir, store) = store_with_function().await;
        assert_eq!(
            store.function_triggers("acme").await.unwrap(),
            [("f".into(), api_types::Trigger::Event { event: "a.b".into() })]
        );
        assert_eq!(store.enqueue_deliveries(&[row("d1", "f", "ev-1"), row("d2", "gone", "ev-1")]).await.unwrap(), 1);
        assert_eq!(store.enqueue_deliveries(&[row("d3", "f", "ev-1")]).await.unwrap(), 0);
        assert_eq!(store.enqueue_deliveries(&[row("d4", "f", "ev-2")]).await.unwrap(), 1);
        let ids: Vec<String> =
            store.list_deliveries("acme", "f", None, 10).await.unwrap().into_iter().map(|d| d.delivery_id).collect();
        assert_eq!(ids, ["d4", "d1"]);
        assert!(store.delete_function("acme", "f").await.unwrap());
        assert!(store.list_deliveries("acme", "f", None, 10).await.unwrap().is_empty(), "deleted with the function");
    }

    #[tokio::test]
    async fn attempts_are_claimed_once_retried_when_due_and_redriven_when_dead() {
        let (_dir, store) = store_with_function().await;
        store.enqueue_deliveries(&[row("d1", "f", "ev-1")]).await.unwrap();
        store.beat("r1", 1).await.unwrap(); // The runner "r1" is alive for beats since 0.
        assert!(store.due_deliveries("r2", 99, 0, 10).await.unwrap().is_empty());
        assert_eq!(store.due_deliveries("r2", 100, 0, 10).await.unwrap(), ["d1"]);
        let claimed = store.claim_delivery("d1", "r1", 100, 0, 1_000).await.unwrap().expect("claimed");
        assert_eq!((claimed.status.as_str(), claimed.attempts), ("running", 1));
        assert!(
            store.claim_delivery("d1", "r1", 100, 0, 1_000).await.unwrap().is_none(),
            "another runner may not take it"
        );
        store.set_delivery_invocation("d1", 1, "inv_1").await.unwrap();
        let retry = AttemptEnd {
            status: DeliveryStatus::Pending,
            next_attempt_at: 500,
            last_error: Some("boom"),
            invocation_id: None,
        };
        assert!(store.finish_delivery("d1", 1, &retry, 200).await.unwrap());
        assert!(!store.finish_delivery("d1", 1, &retry, 200).await.unwrap(), "an attempt ends once");
        let d = store.get_delivery("acme", "f", "d1").await.unwrap().unwrap();
        assert_eq!(
            (d.status.as_str(), d.last_error.as_deref(), d.invocation_id.as_deref()),
            ("pending", Some("boom"), Some("inv_1"))
        );
        assert!(store.due_deliveries("r2", 499, 0, 10).await.unwrap().is_empty());
        // A runner that dies leaves its delivery running; after the lease another takes it over.
        store.claim_delivery("d1", "r1", 500, 0, 1_000).await.unwrap().expect("due again");
        assert!(store.due_deliveries("r2", 999, 0, 10).await.unwrap().is_empty());
        let taken_over = store.claim_delivery("d1", "r1", 1_000, 0, 2_000).await.unwrap().expect("lease ran out");
        assert_eq!(taken_over.attempts, 3);
        let dead = AttemptEnd {
            status: DeliveryStatus::Dead,
            next_attempt_at: 1_100,
            last_error: Some("boom"),
            invocation_id: Some("inv_3"),
        };
        assert!(!store.finish_delivery("d1", 2, &dead, 1_100).await.unwrap(), "the stale runner's end is ignored");
        assert!(store.finish_delivery("d1", 3, &dead, 1_100).await.unwrap());
        assert_eq!(store.list_deliveries("acme", "f", Some(DeliveryStatus::Dead), 10).await.unwrap().len(), 1);
        assert!(store.list_deliveries("acme", "f", Some(DeliveryStatus::Pending), 10).await.unwrap().is_empty());
        assert!(store.due_deliveries("r2", 5_000, 0, 10).await.unwrap().is_empty(), "dead letters stay put");
        assert_eq!(store.redrive_deliveries("acme", "f", Some("d1"), 5_000).await.unwrap(), 1);
        assert_eq!(store.redrive_deliveries("acme", "f", None, 5_000).await.unwrap(), 0, "only dead ones");
        let d = store.get_delivery("acme", "f", "d1").await.unwrap().unwrap();
        assert_eq!((d.status.as_str(), d.attempts, d.next_attempt_at), ("pending", 0, 5_000));
        assert_eq!(store.due_deliveries("r2", 5_000, 0, 10).await.unwrap(), ["d1"]);
    }

    #[tokio::test]
    async fn a_delivery_of_a_replica_that_stopped_beating_is_taken_over_at_once() {
        let (_dir, store) = store_with_function().await;
        store.enqueue_deliveries(&[row("d1", "f", "ev-1")]).await.unwrap();
        store.beat("r1", 100).await.unwrap();
        store.claim_delivery("d1", "r1", 100, 50, 100_000).await.unwrap().expect("claimed");
        assert!(store.due_deliveries("r2", 200, 50, 10).await.unwrap().is_empty(), "r1 beats: its lease holds");
        assert!(store.claim_delivery("d1", "r2", 200, 50, 100_000).await.unwrap().is_none());
        // At 1 000, beats before 500 are too old: r1 is dead, long before its lease ends.
        assert_eq!(store.due_deliveries("r2", 1_000, 500, 10).await.unwrap(), ["d1"]);
        let taken = store.claim_delivery("d1", "r2", 1_000, 500, 100_000).await.unwrap().expect("taken over");
        assert_eq!(taken.attempts, 2);
    }
}
