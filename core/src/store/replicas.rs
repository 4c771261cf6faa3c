//! Replicas and their heartbeats.

use sqlx::Row as _;

use super::Store;

impl Store {
    /// Records a beat of `replica` (registering it on the first).
    pub(crate) async fn beat(&self, replica: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "insert into replica (replica_id, started_at, heartbeat_at) values ($1, $2, $2) \
             on conflict (replica_id) do update set heartbeat_at = excluded.heartbeat_at",
        )
        .bind(replica)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// How many replicas beat at or after `since`; old rows of dead replicas are removed.
    pub(crate) async fn live_replicas(&self, since: i64, forget_before: i64) -> Result<i64, sqlx::Error> {
        sqlx::query("delete from replica where heartbeat_at < $1").bind(forget_before).execute(self.pool()).await?;
        let row = sqlx::query("select cast(count(*) as bigint) as n from replica where heartbeat_at >= $1")
            .bind(since)
            .fetch_one(self.pool())
            .await?;
        row.try_get("n")
    }

    /// Removes `replica` (it stops): the work it leased may be taken over at once.
    pub(crate) async fn remove_replica(&self, replica: &str) -> Result<(), sqlx::Error> {
        sqlx::query("delete from replica where replica_id = $1").bind(replica).execute(self.pool()).await?;
        Ok(())
    }

    /// The change epoch (see migration 0006).
    pub(crate) async fn change_epoch(&self) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("select epoch from change_epoch where id = 1").fetch_one(self.pool()).await?;
        row.try_get("epoch")
    }

    /// Sends `payload` on PostgreSQL channel `channel` (nothing on SQLite, which has one process).
    pub(crate) async fn notify(&self, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
        if self.backend() == super::Backend::Postgres {
            sqlx::query("select pg_notify($1, $2)").bind(channel).bind(payload).execute(self.pool()).await?;
        }
        Ok(())
    }
}

/// The SQL condition (on a table with `lease_owner` and `lease_until`) of a lease that no live
/// replica holds: it ran out, or its owner stopped beating. `$stale` is the placeholder of the
/// oldest beat that still counts as alive, `$now` of the current time.
pub(crate) fn lease_lost(table: &str, now: &str, stale: &str) -> String {
    format!(
        "({table}.lease_until < {now} or {table}.lease_owner is null or not exists \
         (select 1 from replica r where r.replica_id = {table}.lease_owner and r.heartbeat_at >= {stale}))"
    )
}
