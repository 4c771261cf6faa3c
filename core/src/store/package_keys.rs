//! The keys this instance trusts to sign content packages.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::Store;

/// A trusted key as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageKeyRow {
    pub key_id: String,
    pub principal: String,
    pub public_key: String,
    pub orgs: Vec<String>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
}

fn key_row(row: &AnyRow) -> Result<PackageKeyRow, sqlx::Error> {
    Ok(PackageKeyRow {
        key_id: row.try_get("key_id")?,
        principal: row.try_get("principal")?,
        public_key: row.try_get("public_key")?,
        orgs: super::json(row, "orgs_json")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Adds a trusted key; `false` when the key is trusted already.
    pub(crate) async fn insert_package_key(&self, key: &PackageKeyRow) -> Result<bool, sqlx::Error> {
        let inserted = sqlx::query(
            "insert into package_key (key_id, principal, public_key, orgs_json, expires_at, revoked_at, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&key.key_id)
        .bind(&key.principal)
        .bind(&key.public_key)
        .bind(super::to_json(&key.orgs)?)
        .bind(key.expires_at)
        .bind(key.revoked_at)
        .bind(key.created_at)
        .execute(self.pool())
        .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(error) if super::is_unique_violation(&error) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Every trusted key, revoked ones included, oldest first.
    pub(crate) async fn package_keys(&self) -> Result<Vec<PackageKeyRow>, sqlx::Error> {
        let rows = sqlx::query(
            "select key_id, principal, public_key, orgs_json, expires_at, revoked_at, created_at from package_key \
             order by created_at, key_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(key_row).collect()
    }

    /// Revokes a key; `false` when there is no such unrevoked key.
    pub(crate) async fn revoke_package_key(&self, key_id: &str, now: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("update package_key set revoked_at = $1 where key_id = $2 and revoked_at is null")
            .bind(now)
            .bind(key_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The org's package policy, when its provider set one.
    pub(crate) async fn package_policy(&self, org: &str) -> Result<Option<api_types::PackagePolicy>, sqlx::Error> {
        let row = sqlx::query("select policy_json from org_package_policy where org_name = $1")
            .bind(org)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| super::json(&row, "policy_json")).transpose()
    }

    pub(crate) async fn put_package_policy(
        &self,
        org: &str,
        policy: &api_types::PackagePolicy,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "insert into org_package_policy (org_name, policy_json, updated_at) values ($1, $2, $3) \
             on conflict (org_name) do update set policy_json = excluded.policy_json, updated_at = excluded.updated_at",
        )
        .bind(org)
        .bind(super::to_json(policy)?)
        .bind(now)
        .execute(self.pool())
        .await
        .map(|_| ())
    }
}
