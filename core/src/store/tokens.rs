//! API tokens.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::Store;

/// A stored token (never the secret itself).
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub token_id: String,
    pub name: String,
    pub role: String,
    pub org: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn token_row(row: &AnyRow) -> Result<TokenRow, sqlx::Error> {
    Ok(TokenRow {
        token_id: row.try_get("token_id")?,
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        org: row.try_get("org_name")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const TOKEN_COLUMNS: &str = "token_id, name, role, org_name, created_at, revoked_at";

impl Store {
    /// Stores a token by its hash.
    pub(crate) async fn insert_token(
        &self,
        token_id: &str,
        hash: &str,
        name: &str,
        role: &str,
        org: Option<&str>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "insert into api_token (token_id, token_hash, name, role, org_name, created_at) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_id)
        .bind(hash)
        .bind(name)
        .bind(role)
        .bind(org)
        .bind(now)
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    /// The unrevoked token with this hash.
    pub(crate) async fn find_active_token(&self, hash: &str) -> Result<Option<TokenRow>, sqlx::Error> {
        let sql = format!("select {TOKEN_COLUMNS} from api_token where token_hash = $1 and revoked_at is null");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(hash).fetch_optional(self.pool()).await?;
        row.as_ref().map(token_row).transpose()
    }

    /// Every token, oldest first.
    pub(crate) async fn list_tokens(&self) -> Result<Vec<TokenRow>, sqlx::Error> {
        let sql = format!("select {TOKEN_COLUMNS} from api_token order by created_at, token_id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?;
        rows.iter().map(token_row).collect()
    }

    /// Revokes a token and bumps the change epoch, so that every replica's token cache forgets
    /// it; the token's hash, `None` when no unrevoked token has that id.
    pub(crate) async fn revoke_token(&self, token_id: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let revoked = sqlx::query(
            "update api_token set revoked_at = $1 where token_id = $2 and revoked_at is null returning token_hash",
        )
        .bind(now)
        .bind(token_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = revoked else { return Ok(None) };
        sqlx::query("update change_epoch set epoch = epoch + 1 where id = 1").execute(&mut *tx).await?;
        tx.commit().await?;
        row.try_get("token_hash").map(Some)
    }
}
