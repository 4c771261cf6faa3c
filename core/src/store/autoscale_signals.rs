//! What autoscaling hears and says: pushed samples, vROps alerts and the event timeline.

use sqlx::Row as _;

use api_types::EventKind;

use super::Store;

/// Samples older than this are pruned when a new one arrives.
const SAMPLE_RETENTION_MS: i64 = 24 * 3600 * 1000;

/// An alert as stored: which metric it is about and which way it points.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub rule_id: String,
    pub alert_id: String,
    pub metric: String,
    pub level: String,
    pub active: bool,
    pub status: String,
    pub update_date: i64,
    pub received: i64,
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub event_id: i64,
    pub rule_id: String,
    pub at: i64,
    pub kind: EventKind,
    pub message: String,
    pub action_id: Option<String>,
    pub vm_count: Option<i64>,
    pub desired: Option<i64>,
}

impl Store {
    pub(crate) async fn insert_sample(
        &self,
        rule_id: &str,
        at: i64,
        cpu: Option<f64>,
        memory: Option<f64>,
        received: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query("delete from autoscale_sample where rule_id = $1 and at < $2")
            .bind(rule_id)
            .bind(received - SAMPLE_RETENTION_MS)
            .execute(&mut *tx)
            .await?;
        sqlx::query("insert into autoscale_sample (rule_id, at, cpu, memory, received) values ($1, $2, $3, $4, $5)")
            .bind(rule_id)
            .bind(at)
            .bind(cpu)
            .bind(memory)
            .bind(received)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// The newest `(at, cpu)` and `(at, memory)` samples.
    pub(crate) async fn latest_samples(&self, rule_id: &str) -> Result<[Option<(i64, f64)>; 2], sqlx::Error> {
        let mut out = [None, None];
        for (slot, column) in out.iter_mut().zip(["cpu", "memory"]) {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "select at, {column} as v from autoscale_sample where rule_id = $1 and {column} is not null \
                 order by at desc limit 1"
            )))
            .bind(rule_id)
            .fetch_optional(self.pool())
            .await?;
            if let Some(row) = row {
                *slot = Some((row.try_get("at")?, row.try_get("v")?));
            }
        }
        Ok(out)
    }

    /// Records an alert unless this exact state (status and update date) is known already;
    /// `true` when it was new. Concurrent duplicates: exactly one gets `true`.
    pub(crate) async fn upsert_alert(&self, a: &AlertRow) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "insert into autoscale_alert (rule_id, alert_id, metric, level, active, status, update_date, received) \
             values ($1, $2, $3, $4, $5, $6, $7, $8) \
             on conflict (rule_id, alert_id) do update set metric = excluded.metric, level = excluded.level, \
             active = excluded.active, status = excluded.status, update_date = excluded.update_date, \
             received = excluded.received \
             where autoscale_alert.update_date < excluded.update_date \
             or (autoscale_alert.update_date = excluded.update_date and autoscale_alert.status <> excluded.status)",
        )
        .bind(&a.rule_id)
        .bind(&a.alert_id)
        .bind(&a.metric)
        .bind(&a.level)
        .bind(i64::from(a.active))
        .bind(&a.status)
        .bind(a.update_date)
        .bind(a.received)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The rule's active alerts, newest first.
    pub(crate) async fn active_alerts(&self, rule_id: &str) -> Result<Vec<AlertRow>, sqlx::Error> {
        let rows = sqlx::query(
            "select rule_id, alert_id, metric, level, active, status, update_date, received from autoscale_alert \
             where rule_id = $1 and active = 1 order by received desc",
        )
        .bind(rule_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AlertRow {
                    rule_id: row.try_get("rule_id")?,
                    alert_id: row.try_get("alert_id")?,
                    metric: row.try_get("metric")?,
                    level: row.try_get("level")?,
                    active: row.try_get::<i64, _>("active")? != 0,
                    status: row.try_get("status")?,
                    update_date: row.try_get("update_date")?,
                    received: row.try_get("received")?,
                })
            })
            .collect()
    }

    pub(crate) async fn insert_event(&self, e: &EventRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "insert into autoscale_event (rule_id, at, kind, message, action_id, vm_count, desired) \
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&e.rule_id)
        .bind(e.at)
        .bind(e.kind.as_str())
        .bind(&e.message)
        .bind(&e.action_id)
        .bind(e.vm_count)
        .bind(e.desired)
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    /// The newest `limit` events, newest first.
    pub(crate) async fn list_events(&self, rule_id: &str, limit: i64) -> Result<Vec<EventRow>, sqlx::Error> {
        let rows = sqlx::query(
            "select event_id, rule_id, at, kind, message, action_id, vm_count, desired from autoscale_event \
             where rule_id = $1 order by event_id desc limit $2",
        )
        .bind(rule_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(EventRow {
                    event_id: row.try_get("event_id")?,
                    rule_id: row.try_get("rule_id")?,
                    at: row.try_get("at")?,
                    kind: super::state(row, "kind")?,
                    message: row.try_get("message")?,
                    action_id: row.try_get("action_id")?,
                    vm_count: row.try_get("vm_count")?,
                    desired: row.try_get("desired")?,
                })
            })
            .collect()
    }

    /// The rule's newest decision that recorded a recommendation, as `(desired, vm_count)`.
    pub(crate) async fn last_recommendation(&self, rule_id: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
        let row = sqlx::query(
            "select desired, vm_count from autoscale_event where rule_id = $1 and kind = 'decision' \
             order by event_id desc limit 1",
        )
        .bind(rule_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (desired, count): (Option<i64>, Option<i64>) = (row.try_get("desired")?, row.try_get("vm_count")?);
        Ok(desired.zip(count))
    }

    /// The VM counts a rule's timeline knows in `[from_ms, to_ms)`, oldest first, preceded by
    /// the newest one before `from_ms` (the count the window starts with).
    pub(crate) async fn vm_counts(
        &self,
        rule_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        let before = sqlx::query(
            "select at, vm_count from autoscale_event where rule_id = $1 and vm_count is not null and at < $2 \
             order by at desc, event_id desc limit 1",
        )
        .bind(rule_id)
        .bind(from_ms)
        .fetch_optional(self.pool())
        .await?;
        let within = sqlx::query(
            "select at, vm_count from autoscale_event where rule_id = $1 and vm_count is not null \
             and at >= $2 and at < $3 order by at, event_id",
        )
        .bind(rule_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        before.iter().chain(within.iter()).map(|row| Ok((row.try_get("at")?, row.try_get("vm_count")?))).collect()
    }

    /// Recommendations `(at, desired)` made since `since`, oldest first, preceded by the newest
    /// one before `since` (so the caller knows whether its history covers the window).
    pub(crate) async fn recommendations(&self, rule_id: &str, since: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        let before = sqlx::query(
            "select at, desired from autoscale_event where rule_id = $1 and desired is not null and at <= $2 \
             order by at desc limit 1",
        )
        .bind(rule_id)
        .bind(since)
        .fetch_optional(self.pool())
        .await?;
        let after = sqlx::query(
            "select at, desired from autoscale_event where rule_id = $1 and desired is not null and at > $2 \
             order by at, event_id",
        )
        .bind(rule_id)
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        before.iter().chain(after.iter()).map(|row| Ok((row.try_get("at")?, row.try_get("desired")?))).collect()
    }
}
