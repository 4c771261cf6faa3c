//! Who is calling: credentials in, [`Principal`] out.
//!
//! The HTTP layer extracts [`Credentials`] from headers and asks the [`Authenticator`] in the
//! app state. [`TokenAuthenticator`] checks Stratus API tokens; vCD auth mode is another
//! implementation of the same trait (`vcd::auth::VcdAuthenticator`, an adapter), chosen by
//! `Config::auth` when the state is built, or swapped in with `AppState::with_authenticator`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use api_types::Role;

use crate::cache::TtlCache;
use crate::cluster::{Coherence, Invalidation};
use crate::store::Store;
use crate::tenancy::Principal;
use crate::tokens;

/// What a request presented.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// From `Authorization: Bearer <token>`.
    pub bearer: Option<String>,
    /// From vCD's legacy `x-vcloud-authorization` header.
    pub vcloud_token: Option<String>,
    /// From [`api_types::VCD_TOKEN_HEADER`]: the vCD token the app sends itself.
    pub app_vcd_token: Option<String>,
    /// From `X-VMWARE-VCLOUD-TENANT-CONTEXT` (a provider acting inside an org).
    pub tenant_context: Option<String>,
}

/// Why a caller was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials: send Authorization: Bearer <token>")]
    Missing,
    #[error("the token is invalid, expired or revoked")]
    Invalid,
    /// Valid credentials that grant no Stratus role (or not in the org asked for).
    #[error("{0}")]
    Forbidden(String),
    #[error("could not check credentials: {0}")]
    Backend(String),
}

/// A boxed future, so the trait stays object safe.
pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = Result<Principal, AuthError>> + Send + 'a>>;

/// Turns credentials into a principal.
pub trait Authenticator: Send + Sync + 'static {
    fn authenticate<'a>(&'a self, credentials: &'a Credentials) -> AuthFuture<'a>;
}

/// How long a checked token is trusted while the coherence channel works (a revocation is
/// announced on it; see `tokens::revoke`).
const TOKEN_TTL: Duration = Duration::from_secs(60);
/// Most tokens remembered at once.
const TOKEN_CAPACITY: usize = 10_000;

/// Checks Stratus API tokens against their stored hashes. Valid tokens are cached by hash, kept
/// exact across replicas by the coherence channel; unknown ones are not remembered (a flood of
/// made-up tokens cannot push out the real ones).
pub struct TokenAuthenticator {
    store: Store,
    cache: Arc<TtlCache<String, Principal>>,
    coherence: Arc<Coherence>,
}

impl TokenAuthenticator {
    pub fn new(store: Store, coherence: Arc<Coherence>) -> Self {
        let cache = Arc::new(TtlCache::new(TOKEN_TTL, TOKEN_CAPACITY));
        let subscribed = Arc::clone(&cache);
        coherence.subscribe(move |change| match change {
            Invalidation::Token { hash } => {
                subscribed.remove(hash.as_str());
            }
            Invalidation::Everything => subscribed.clear(),
            _ => {}
        });
        Self { store, cache, coherence }
    }

    async fn principal(&self, hash: String) -> Result<Principal, AuthError> {
        if let Some(principal) = self.cache.get_within(hash.as_str(), self.coherence.trust(TOKEN_TTL)) {
            return Ok(principal);
        }
        let generation = self.coherence.generation();
        let token = self
            .store
            .find_active_token(&hash)
            .await
            .map_err(|e| AuthError::Backend(e.to_string()))?
            .ok_or(AuthError::Invalid)?;
        let role = Role::parse(&token.role).ok_or(AuthError::Invalid)?;
        let principal = Principal { role, org: token.org, subject: token.name };
        if self.coherence.unchanged_since(generation) {
            self.cache.insert(hash, principal.clone());
        }
        Ok(principal)
    }
}

impl Authenticator for TokenAuthenticator {
    fn authenticate<'a>(&'a self, credentials: &'a Credentials) -> AuthFuture<'a> {
        Box::pin(async move {
            let secret = credentials.bearer.as_deref().ok_or(AuthError::Missing)?;
            if !secret.starts_with(tokens::TOKEN_PREFIX) {
                return Err(AuthError::Invalid);
            }
            self.principal(tokens::hash(secret)).await
        })
    }
}

/// Which credentials the API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// Stratus API tokens only.
    #[default]
    Token,
    /// vCD session tokens, checked against the configured vCD (`Config::vcd`), and Stratus API
    /// tokens alongside.
    Vcd,
}

impl std::str::FromStr for AuthMode {
    type Err = String;

    /// `token` or `vcd` (the values of `--auth` and `STRATUS_AUTH`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "token" => Ok(AuthMode::Token),
            "vcd" => Ok(AuthMode::Vcd),
            other => Err(format!("'{other}' is not an auth mode: use token or vcd")),
        }
    }
}

/// Authentication settings.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub mode: AuthMode,
    /// How long a checked vCD token is trusted before vCD is asked again; zero asks every time.
    pub cache_ttl: Duration,
    /// Most vCD tokens remembered at once.
    pub cache_capacity: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self { mode: AuthMode::Token, cache_ttl: Duration::from_secs(30), cache_capacity: 10_000 }
    }
}
