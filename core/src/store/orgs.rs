//! Organisations.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::Store;

/// A stored org.
#[derive(Debug, Clone)]
pub struct OrgRow {
    pub name: String,
    pub display_name: String,
    pub created_at: i64,
}

fn org_row(row: &AnyRow) -> Result<OrgRow, sqlx::Error> {
    Ok(OrgRow {
        name: row.try_get("org_name")?,
        display_name: row.try_get("display_name")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Creates the org unless it exists; `true` when it was created.
    pub(crate) async fn ensure_org(&self, name: &str, display_name: &str, now: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "insert into org (org_name, display_name, created_at) values ($1, $2, $3) \
             on conflict (org_name) do nothing",
        )
        .bind(name)
        .bind(display_name)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn find_org(&self, name: &str) -> Result<Option<OrgRow>, sqlx::Error> {
        let row = sqlx::query("select org_name, display_name, created_at from org where org_name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(org_row).transpose()
    }

    pub(crate) async fn list_orgs(&self) -> Result<Vec<OrgRow>, sqlx::Error> {
        let rows = sqlx::query("select org_name, display_name, created_at from org order by org_name")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(org_row).collect()
    }
}
