//! Who may call a function: its `access` (org credentials, keys, or anyone) and its keys. A key
//! is shown once when made; only its SHA-256 is kept, and the route cache holds the hashes, so a
//! keyed call reads nothing from the database. Making or deleting a key is announced on the
//! coherence channel like any change of the function.

use api_types::{ErrorDetail, FunctionAccess, FunctionKey, FunctionKeyCreate, NewFunctionKey, OrgLimits};

use super::service::{FunctionError, Functions};
use crate::cluster::Invalidation;
use crate::dates::{now_millis, rfc3339_from_millis};
use crate::store::KeyRow;

/// What a key's secret starts with (a leaked one is easy to recognise).
pub const KEY_PREFIX: &str = "sfk_";
/// Keys a function may have.
pub const MAX_KEYS: usize = 20;
/// Characters of a key's name.
pub const MAX_KEY_NAME_CHARS: usize = 63;

fn key_dto(row: &KeyRow) -> FunctionKey {
    FunctionKey { id: row.key_id.clone(), name: row.name.clone(), created_at: rfc3339_from_millis(row.created_at) }
}

impl Functions {
    async fn changed_function(&self, org: &str, name: &str) {
        self.changed(Invalidation::Function { org: org.to_owned(), name: name.to_owned() }).await;
    }

    /// The function's keys, oldest first (never their secrets).
    pub async fn keys(&self, org: &str, name: &str) -> Result<Vec<FunctionKey>, FunctionError> {
        self.existing(org, name).await?;
        Ok(self.store.function_keys(org, name).await?.iter().map(key_dto).collect())
    }

    /// Makes a key for the function; the secret is in the answer and nowhere else.
    pub async fn create_key(
        &self,
        org: &str,
        name: &str,
        input: &FunctionKeyCreate,
    ) -> Result<NewFunctionKey, FunctionError> {
        let key_name = input.name.trim();
        if key_name.is_empty() || key_name.chars().count() > MAX_KEY_NAME_CHARS {
            let message = format!("must be 1 to {MAX_KEY_NAME_CHARS} characters long");
            return Err(FunctionError::Invalid(vec![ErrorDetail::field("name", message)]));
        }
        self.existing(org, name).await?;
        if self.store.function_keys(org, name).await?.len() >= MAX_KEYS {
            let message = format!("a function has at most {MAX_KEYS} keys: delete one first");
            return Err(FunctionError::Conflict(message));
        }
        let secret = format!("{KEY_PREFIX}{}", crate::ids::random_hex(24));
        let row = KeyRow {
            key_id: crate::ids::new_id("key"),
            org: org.to_owned(),
            function_name: name.to_owned(),
            name: key_name.to_owned(),
            key_hash: crate::tokens::hash(&secret),
            created_at: now_millis(),
        };
        if !self.store.insert_function_key(&row).await? {
            return Err(FunctionError::NotFound(format!("function '{name}' not found")));
        }
        self.changed_function(org, name).await;
        Ok(NewFunctionKey { key: key_dto(&row), secret })
    }

    /// Deletes one of the function's keys: calls with it are refused at once, on every replica.
    pub async fn delete_key(&self, org: &str, name: &str, id: &str) -> Result<(), FunctionError> {
        self.existing(org, name).await?;
        if !self.store.delete_function_key(org, name, id).await? {
            return Err(FunctionError::NotFound(format!("key '{id}' not found")));
        }
        self.changed_function(org, name).await;
        Ok(())
    }

    /// Whether a request without the org's credentials may call the function on `route`: it is
    /// `public` (and the org allows public functions), or it takes keys and `key` is one of them.
    /// Reads only the caches once warm.
    pub async fn admits_without_credentials(
        &self,
        org: &str,
        route: &str,
        key: Option<&str>,
        limits: &OrgLimits,
    ) -> Result<bool, sqlx::Error> {
        let Some(target) = self.target(org, route).await? else { return Ok(false) };
        Ok(match target.access {
            FunctionAccess::Org => false,
            FunctionAccess::Public => limits.allow_public,
            FunctionAccess::Keys => key.is_some_and(|key| {
                let presented = crate::tokens::hash(key);
                target.key_hashes.contains(&presented)
            }),
        })
    }
}
