//! Other Stratus instances registered as package sources.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::Store;

/// A source as stored: its token sealed to this instance's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub name: String,
    pub url: String,
    pub token_sealed: String,
    /// The local orgs that may pull from it (each its namesake there).
    pub orgs: Vec<String>,
    pub created_at: i64,
}

fn source(row: &AnyRow) -> Result<SourceRow, sqlx::Error> {
    Ok(SourceRow {
        name: row.try_get("name")?,
        url: row.try_get("url")?,
        token_sealed: row.try_get("token_sealed")?,
        orgs: super::json(row, "orgs_json")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Adds a source; `false` when one has that name already.
    pub(crate) async fn insert_package_source(&self, row: &SourceRow) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "insert into package_source (name, url, token_sealed, orgs_json, created_at) values ($1, $2, $3, $4, $5)",
        )
        .bind(&row.name)
        .bind(&row.url)
        .bind(&row.token_sealed)
        .bind(super::to_json(&row.orgs)?)
        .bind(row.created_at)
        .execute(self.pool())
        .await;
        match done {
            Ok(_) => Ok(true),
            Err(e) if super::is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn package_sources(&self) -> Result<Vec<SourceRow>, sqlx::Error> {
        let rows =
            sqlx::query("select name, url, token_sealed, orgs_json, created_at from package_source order by name")
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(source).collect()
    }

    pub(crate) async fn package_source(&self, name: &str) -> Result<Option<SourceRow>, sqlx::Error> {
        let row =
            sqlx::query("select name, url, token_sealed, orgs_json, created_at from package_source where name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        row.as_ref().map(source).transpose()
    }

    /// `false` when there was no such source.
    pub(crate) async fn delete_package_source(&self, name: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("delete from package_source where name = $1").bind(name).execute(self.pool()).await?;
        Ok(done.rows_affected() > 0)
    }
}
