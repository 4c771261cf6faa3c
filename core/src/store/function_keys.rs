//! Function keys: who may call a function with `access: keys`. Only the SHA-256 of a secret is
//! kept.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::Store;

/// One key as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub key_id: String,
    pub org: String,
    pub function_name: String,
    pub name: String,
    pub key_hash: String,
    pub created_at: i64,
}

const COLUMNS: &str = "key_id, org_name, function_name, name, key_hash, created_at";

fn key(row: &AnyRow) -> Result<KeyRow, sqlx::Error> {
    Ok(KeyRow {
        key_id: row.try_get("key_id")?,
        org: row.try_get("org_name")?,
        function_name: row.try_get("function_name")?,
        name: row.try_get("name")?,
        key_hash: row.try_get("key_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Adds a key; `false` when the function does not exist.
    pub(crate) async fn insert_function_key(&self, k: &KeyRow) -> Result<bool, sqlx::Error> {
        let sql = format!(
            "insert into function_key ({COLUMNS}) select $1, $2, $3, $4, $5, $6 \
             where exists (select 1 from tenant_function where org_name = $2 and name = $3)"
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&k.key_id)
            .bind(&k.org)
            .bind(&k.function_name)
            .bind(&k.name)
            .bind(&k.key_hash)
            .bind(k.created_at)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The function's keys, oldest first.
    pub(crate) async fn function_keys(&self, org: &str, function: &str) -> Result<Vec<KeyRow>, sqlx::Error> {
        let sql = format!(
            "select {COLUMNS} from function_key where org_name = $1 and function_name = $2 order by created_at, key_id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(function).fetch_all(self.pool()).await?;
        rows.iter().map(key).collect()
    }

    /// Deletes a key of the function; `false` when it has no such key.
    pub(crate) async fn delete_function_key(&self, org: &str, function: &str, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("delete from function_key where org_name = $1 and function_name = $2 and key_id = $3")
            .bind(org)
            .bind(function)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
