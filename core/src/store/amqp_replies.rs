//! Replies of vCD API-extension requests that came over AMQP, by request id. Every replica
//! reads and writes the same rows, so a request redelivered to another replica finds the reply
//! of its first run.

use sqlx::Row as _;

use super::Store;

impl Store {
    /// The reply stored for `request_id` at or after `since`.
    pub(crate) async fn find_amqp_reply(&self, request_id: &str, since: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
        let row = sqlx::query("select reply from amqp_reply where request_id = $1 and created_at >= $2")
            .bind(request_id)
            .bind(since)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| r.try_get("reply")).transpose()
    }

    /// Stores `reply` for `request_id` unless a reply stored at or after `since` is there
    /// already (an older one is replaced); returns the reply that is stored now: this one, or
    /// that of a run that stored first.
    pub(crate) async fn keep_amqp_reply(
        &self,
        request_id: &str,
        reply: &[u8],
        now: i64,
        since: i64,
    ) -> Result<Vec<u8>, sqlx::Error> {
        let stored = sqlx::query(
            "insert into amqp_reply (request_id, reply, created_at) values ($1, $2, $3) \
             on conflict (request_id) do update set reply = excluded.reply, created_at = excluded.created_at \
             where amqp_reply.created_at < $4",
        )
        .bind(request_id)
        .bind(reply)
        .bind(now)
        .bind(since)
        .execute(self.pool())
        .await?;
        if stored.rows_affected() == 1 {
            return Ok(reply.to_vec());
        }
        // Another run stored first: its reply is the one every delivery gets. (Pruned in
        // between only with a replay window shorter than this call: then this one stands.)
        Ok(self.find_amqp_reply(request_id, since).await?.unwrap_or_else(|| reply.to_vec()))
    }

    /// Deletes the replies stored before `before`; returns how many.
    pub(crate) async fn prune_amqp_replies(&self, before: i64) -> Result<u64, sqlx::Error> {
        let done =
            sqlx::query("delete from amqp_reply where created_at < $1").bind(before).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {

    #[tokio::test]
    async fn the_first_reply_stored_wins_until_it_is_older_than_the_window() {
        let (_dir, store) = crate::store::temp_store().await;
        let reply = vec![0u8, 159, 146, 150, 255];
        assert_eq!(store.find_amqp_reply("r1", 0).await.unwrap(), None);
        assert_eq!(store.keep_amqp_reply("r1", &reply, 100, 0).await.unwrap(), reply, "binary-safe");
        assert_eq!(store.keep_amqp_reply("r1", b"second", 110, 0).await.unwrap(), reply, "the first run's");
        assert_eq!(store.find_amqp_reply("r1", 100).await.unwrap(), Some(reply.clone()));
        assert_eq!(store.find_amqp_reply("r1", 101).await.unwrap(), None, "older than the window");
        assert_eq!(store.keep_amqp_reply("r1", b"new", 500, 200).await.unwrap(), b"new", "an old one is replaced");
        store.keep_amqp_reply("r2", b"two", 300, 0).await.unwrap();
        assert_eq!(store.prune_amqp_replies(400).await.unwrap(), 1);
        assert_eq!(store.find_amqp_reply("r1", 0).await.unwrap().as_deref(), Some(&b"new"[..]));
        assert_eq!(store.find_amqp_reply("r2", 0).await.unwrap(), None);
    }
}
