//! Stratus API tokens: random secrets shown once, stored only as SHA-256 hashes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use api_types::Role;

use crate::dates::now_millis;
use crate::store::Store;
pub use crate::store::TokenRow;
use crate::tenancy::OrgName;

/// Every token starts with this, so a leaked one is easy to recognise.
pub const TOKEN_PREFIX: &str = "stratus_";

/// A freshly minted token: the secret for the caller, the id and hash for the store.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub token_id: String,
    pub secret: String,
    pub hash: String,
}

/// Mints a token with 256 bits of randomness.
pub fn mint() -> NewToken {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    NewToken { token_id: format!("tok_{}", crate::ids::random_hex(6)), hash: hash(&secret), secret }
}

/// Mints a token for `role` (in `org` for a tenant admin) and stores its hash. The org of a
/// tenant-admin token is created when it does not exist yet.
pub async fn issue(store: &Store, role: Role, org: Option<&OrgName>, name: &str) -> Result<NewToken, IssueError> {
    let org = match (role, org) {
        (Role::Provider, Some(_)) => return Err(IssueError::ProviderWithOrg),
        (Role::TenantAdmin, None) => return Err(IssueError::TenantWithoutOrg),
        (_, org) => org,
    };
    let now = now_millis();
    if let Some(org) = org {
        store.ensure_org(org.as_str(), org.as_str(), now).await?;
    }
    let token = mint();
    store.insert_token(&token.token_id, &token.hash, name, role.as_str(), org.map(OrgName::as_str), now).await?;
    Ok(token)
}

/// Every token, oldest first: ids, names, roles and states, never secrets.
pub async fn list(store: &Store) -> Result<Vec<TokenRow>, sqlx::Error> {
    store.list_tokens().await
}

/// Revokes an active token; `false` when no active token has that id. Every replica refuses
/// it at once on PostgreSQL (announced on the coherence channel), within one heartbeat on SQLite
/// (the change epoch; the command is another process).
pub async fn revoke(store: &Store, token_id: &str) -> Result<bool, sqlx::Error> {
    let Some(hash) = store.revoke_token(token_id, now_millis()).await? else { return Ok(false) };
    crate::cluster::Coherence::announce_from(store, &crate::cluster::Invalidation::Token { hash }).await;
    Ok(true)
}

/// Why a token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("a provider token belongs to no org: leave out --org")]
    ProviderWithOrg,
    #[error("a tenant-admin token needs --org")]
    TenantWithoutOrg,
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// The stored form of a secret.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_are_unique_and_hash_to_what_is_stored() {
        let a = mint();
        let b = mint();
        assert_ne!(a.secret, b.secret);
        assert_ne!(a.token_id, b.token_id);
        assert!(a.secret.starts_with(TOKEN_PREFIX));
        assert_eq!(hash(&a.secret), a.hash);
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.secret));
    }
}
