//! Package imports refused at verification: a record of each (never the package), the newest
//! [`KEPT_REFUSALS`] per scope.

use sqlx::Row as _;

use super::Store;

/// How many refusals of one org (or of the provider) are kept.
pub(crate) const KEPT_REFUSALS: i64 = 100;

/// A refused import as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalRow {
    pub refusal_id: String,
    /// `''` for the provider's imports.
    pub org: String,
    pub archive_sha256: String,
    pub archive_bytes: i64,
    pub reasons: Vec<String>,
    pub created_at: i64,
}

impl Store {
    /// Records a refusal and forgets the scope's oldest beyond [`KEPT_REFUSALS`].
    pub(crate) async fn record_refusal(&self, row: &RefusalRow) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "insert into package_refusal (refusal_id, org_name, archive_sha256, archive_bytes, reasons_json, \
             created_at) values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.refusal_id)
        .bind(&row.org)
        .bind(&row.archive_sha256)
        .bind(row.archive_bytes)
        .bind(super::to_json(&row.reasons)?)
        .bind(row.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "delete from package_refusal where org_name = $1 and refusal_id not in (select refusal_id from \
             package_refusal where org_name = $1 order by created_at desc, refusal_id desc limit $2)",
        )
        .bind(&row.org)
        .bind(KEPT_REFUSALS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// The scope's refusals, newest first.
    pub(crate) async fn refusals(&self, org: &str) -> Result<Vec<RefusalRow>, sqlx::Error> {
        let rows = sqlx::query(
            "select refusal_id, org_name, archive_sha256, archive_bytes, reasons_json, created_at from \
             package_refusal where org_name = $1 order by created_at desc, refusal_id desc",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RefusalRow {
                    refusal_id: row.try_get("refusal_id")?,
                    org: row.try_get("org_name")?,
                    archive_sha256: row.try_get("archive_sha256")?,
                    archive_bytes: row.try_get("archive_bytes")?,
                    reasons: super::json(row, "reasons_json")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_scope_keeps_its_newest_refusals() {
        let (_dir, store) = crate::store::temp_store().await;
        let row = |org: &str, n: i64| RefusalRow {
            refusal_id: format!("refusal_{org}_{n:03}"),
            org: org.to_owned(),
            archive_sha256: "ab".repeat(32),
            archive_bytes: n,
            reasons: vec![format!("reason {n}")],
            created_at: 1_000 + n,
        };
        store.record_refusal(&row("", 0)).await.unwrap();
        for n in 0..KEPT_REFUSALS + 2 {
            store.record_refusal(&row("acme", n)).await.unwrap();
        }
        let kept = store.refusals("acme").await.unwrap();
        assert_eq!(kept.len() as i64, KEPT_REFUSALS);
        assert_eq!(kept[0], row("acme", KEPT_REFUSALS + 1), "newest first");
        assert_eq!(kept.last().unwrap().archive_bytes, 2, "the two oldest are forgotten");
        assert_eq!(store.refusals("").await.unwrap(), [row("", 0)], "the provider's are its own");
    }
}
