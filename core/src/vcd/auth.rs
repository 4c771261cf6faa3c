//! vCD auth mode: callers present their vCD session token and Stratus asks vCD who they are.
//!
//! The token comes from `Authorization: Bearer` or `x-vcloud-authorization` and is checked with
//! `GET /cloudapi/1.0.0/sessions/current`. The answer maps to a Stratus role:
//!
//! - a `System Administrator` of the `System` org is a provider;
//! - an `Organization Administrator` of a tenant org is the tenant admin of the Stratus org with
//!   the same name (created on first use, so tenant data works at once);
//! - any other role is refused with 403 `forbidden` (the token is valid, it grants nothing here).
//!
//! `X-VMWARE-VCLOUD-TENANT-CONTEXT: <org uuid or urn>` from a provider means what it means in vCD:
//! the provider acts inside that tenant org, so the caller becomes that org's tenant admin (and
//! provider endpoints answer 403 while the header is sent). The org's name is looked up with the
//! caller's own token. A tenant may send only its own org; another org is refused with 403.
//!
//! Bearer tokens with the Stratus prefix (`stratus_…`) still go to the [`TokenAuthenticator`], so
//! API tokens for scripts and the CLI work alongside vCD sessions.
//!
//! Accepted principals are cached for [`AuthConfig::cache_ttl`], keyed by the SHA-256 of token and
//! tenant context (never the token itself); a token vCD expires is refused at the latest one TTL
//! later. Refusals are not cached.

use std::sync::Arc;

use api_types::Role;
use sha2::{Digest as _, Sha256};
use vcd_client::{CurrentSession, VcdClient, VcdError, org_urn};

use crate::auth::{AuthConfig, AuthMode};
use crate::auth::{AuthError, AuthFuture, Authenticator, Credentials, TokenAuthenticator};
use crate::cache::TtlCache;
use crate::cluster::Coherence;
use crate::dates::now_millis;
use crate::store::Store;
use crate::tenancy::{OrgName, Principal};
use crate::tokens::TOKEN_PREFIX;

/// vCD's provider org.
pub const SYSTEM_ORG: &str = "System";
/// The vCD role that maps to Stratus' provider role (in the System org).
pub const SYSTEM_ADMINISTRATOR: &str = "System Administrator";
/// The vCD role that maps to Stratus' tenant-admin role (in a tenant org).
pub const ORG_ADMINISTRATOR: &str = "Organization Administrator";

/// The authenticator `auth` asks for: Stratus API tokens, or vCD sessions checked against
/// `vcd` (which vCD auth mode needs).
pub fn authenticator(
    auth: &AuthConfig,
    vcd: Option<vcd_client::VcdEndpoint>,
    store: &Store,
    coherence: &Arc<Coherence>,
) -> Result<Arc<dyn Authenticator>, String> {
    let tokens = TokenAuthenticator::new(store.clone(), Arc::clone(coherence));
    match auth.mode {
        AuthMode::Token => Ok(Arc::new(tokens)),
        AuthMode::Vcd => {
            let endpoint = vcd.ok_or("vCD auth mode needs a vCD URL (--vcd-url)")?;
            let client = VcdClient::new(endpoint).map_err(|e| e.to_string())?;
            Ok(Arc::new(VcdAuthenticator::new(client, store.clone(), auth, tokens)))
        }
    }
}

/// Checks vCD session tokens with vCD (and Stratus API tokens with the store).
pub struct VcdAuthenticator {
    client: VcdClient,
    store: Store,
    tokens: TokenAuthenticator,
    /// Accepted principals by [`cache_key`], at most `AuthConfig::cache_capacity` of them.
    cache: TtlCache<[u8; 32], Principal>,
}

/// What a vCD session may do in Stratus before any tenant context applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VcdRole {
    Provider,
    TenantAdmin { org: OrgName },
}

/// Maps a vCD session's org and roles to a Stratus role (see the module docs).
pub fn map_roles(session: &CurrentSession) -> Result<VcdRole, AuthError> {
    let has = |role: &str| session.roles.iter().any(|r| r.eq_ignore_ascii_case(role));
    let who = format!("{}@{}", session.user.name, session.org.name);
    if session.org.name.eq_ignore_ascii_case(SYSTEM_ORG) {
        return if has(SYSTEM_ADMINISTRATOR) {
            Ok(VcdRole::Provider)
        } else {
            Err(AuthError::Forbidden(format!(
                "vCD user {who} has no Stratus role: only the {SYSTEM_ADMINISTRATOR} role of the System org maps to provider"
            )))
        };
    }
    if !has(ORG_ADMINISTRATOR) {
        return Err(AuthError::Forbidden(format!(
            "vCD user {who} has no Stratus role: only the {ORG_ADMINISTRATOR} role maps to tenant-admin"
        )));
    }
    let org = OrgName::parse(&session.org.name).map_err(|reason| {
        AuthError::Forbidden(format!("vCD org name '{}' cannot be a Stratus org: {reason}", session.org.name))
    })?;
    Ok(VcdRole::TenantAdmin { org })
}

/// A tenant's tenant context must name its own org; `Ok` when it does (or there is none).
pub fn check_tenant_context(session: &CurrentSession, context: Option<&str>) -> Result<(), AuthError> {
    let Some(context) = context else { return Ok(()) };
    let own = org_urn(&session.org.id);
    if own.is_some() && org_urn(context) == own {
        Ok(())
    } else {
        Err(AuthError::Forbidden(format!(
            "X-VMWARE-VCLOUD-TENANT-CONTEXT names another org; a tenant may act only in its own ({})",
            session.org.name
        )))
    }
}

impl VcdAuthenticator {
    /// Checks vCD sessions with `client`; Stratus API tokens go to `tokens`.
    pub fn new(client: VcdClient, store: Store, config: &AuthConfig, tokens: TokenAuthenticator) -> Self {
        let cache = TtlCache::new(config.cache_ttl, config.cache_capacity);
        Self { client, store, tokens, cache }
    }

    async fn check(&self, token: &str, context: Option<&str>) -> Result<Principal, AuthError> {
        let key = cache_key(token, context);
        if let Some(principal) = self.cache.get(&key) {
            return Ok(principal);
        }
        let session = self.client.current_session(token).await.map_err(refusal)?;
        let subject = format!("{}@{}", session.user.name, session.org.name);
        let org = match (map_roles(&session)?, context) {
            (VcdRole::Provider, None) => None,
            (VcdRole::Provider, Some(context)) => self.tenant_context_org(token, &session, context).await?,
            (VcdRole::TenantAdmin { org }, context) => {
                check_tenant_context(&session, context)?;
                Some(org)
            }
        };
        let principal = match org {
            None => Principal { role: Role::Provider, org: None, subject },
            Some(org) => {
                self.store
                    .ensure_org(org.as_str(), org.as_str(), now_millis())
                    .await
                    .map_err(|e| AuthError::Backend(e.to_string()))?;
                Principal { role: Role::TenantAdmin, org: Some(org.as_str().to_owned()), subject }
            }
        };
        self.cache.insert(key, principal.clone());
        Ok(principal)
    }

    /// The org a provider's tenant context names; `None` for the System org itself.
    async fn tenant_context_org(
        &self,
        token: &str,
        session: &CurrentSession,
        context: &str,
    ) -> Result<Option<OrgName>, AuthError> {
        let urn = org_urn(context).ok_or_else(|| {
            AuthError::Forbidden(format!("X-VMWARE-VCLOUD-TENANT-CONTEXT '{context}' is not an org uuid or urn"))
        })?;
        if org_urn(&session.org.id).as_deref() == Some(urn.as_str()) {
            return Ok(None);
        }
        let org = self.client.org_by_id_as(token, &urn).await.map_err(|err| match err {
            VcdError::NotFound(_) => {
                AuthError::Forbidden(format!("X-VMWARE-VCLOUD-TENANT-CONTEXT names no org visible to you ({urn})"))
            }
            other => refusal(other),
        })?;
        if org.name.eq_ignore_ascii_case(SYSTEM_ORG) {
            return Ok(None);
        }
        OrgName::parse(&org.name).map(Some).map_err(|reason| {
            AuthError::Forbidden(format!("vCD org name '{}' cannot be a Stratus org: {reason}", org.name))
        })
    }
}

impl Authenticator for VcdAuthenticator {
    fn authenticate<'a>(&'a self, credentials: &'a Credentials) -> AuthFuture<'a> {
        Box::pin(async move {
            if credentials.bearer.as_deref().is_some_and(|t| t.starts_with(TOKEN_PREFIX)) {
                return self.tokens.authenticate(credentials).await;
            }
            // The app's own header first: whatever vCD's proxy did to `Authorization`, this is
            // the token the app holds (checked with vCD all the same).
            let token = [&credentials.app_vcd_token, &credentials.bearer, &credentials.vcloud_token]
                .into_iter()
                .find_map(|t| t.as_deref().filter(|t| !t.is_empty()))
                .ok_or(AuthError::Missing)?;
            let context = credentials.tenant_context.as_deref().filter(|c| !c.is_empty());
            self.check(token, context).await
        })
    }
}

/// How a failed vCD call reads to the caller: vCD refusing the token is 401, anything else means
/// vCD could not answer (503).
fn refusal(err: VcdError) -> AuthError {
    match err {
        VcdError::Unauthorized | VcdError::Rejected { status: 403, .. } => AuthError::Invalid,
        other => AuthError::Backend(format!("vCD: {other}")),
    }
}

fn cache_key(token: &str, context: Option<&str>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(token.as_bytes());
    hasher.update([0]);
    hasher.update(context.unwrap_or_default().as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use vcd_client::EntityRef;

    use super::*;

    const ACME: &str = "urn:vcloud:org:5eed0001-0000-4000-8000-000000000001";

    fn session(org: &str, org_id: &str, roles: &[&str]) -> CurrentSession {
        CurrentSession {
            user: EntityRef { name: "someone".into(), id: "urn:vcloud:user:1".into() },
            org: EntityRef { name: org.into(), id: org_id.into() },
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            session_idle_timeout_minutes: Some(30),
        }
    }

    fn forbidden(result: Result<impl std::fmt::Debug, AuthError>) -> String {
        match result {
            Err(AuthError::Forbidden(reason)) => reason,
            other => panic!("expected Forbidden, got {other:?}"),
        }
    }

    #[test]
    fn system_administrators_are_providers() {
        let admin = session("System", "urn:vcloud:org:0", &["System Administrator"]);
        assert_eq!(map_roles(&admin).unwrap(), VcdRole::Provider);
        let lowercase = session("system", "urn:vcloud:org:0", &["Other", "system administrator"]);
        assert_eq!(map_roles(&lowercase).unwrap(), VcdRole::Provider);
    }

    #[test]
    fn organization_administrators_are_tenant_admins_of_their_org() {
        let admin = session("acme", ACME, &["Organization Administrator"]);
        assert_eq!(map_roles(&admin).unwrap(), VcdRole::TenantAdmin { org: OrgName::parse("acme").unwrap() });
    }

    #[test]
    fn other_roles_are_refused() {
        let reason = forbidden(map_roles(&session("acme", ACME, &["vApp User"])));
        assert!(reason.contains("someone@acme") && reason.contains(ORG_ADMINISTRATOR), "{reason}");
        forbidden(map_roles(&session("acme", ACME, &[])));
        // Organization Administrator of the System org is not a provider.
        forbidden(map_roles(&session("System", "urn:vcloud:org:0", &["Organization Administrator"])));
        // A tenant org with a System Administrator role name is still only a tenant org.
        forbidden(map_roles(&session("acme", ACME, &["System Administrator"])));
        // A vCD org whose name cannot appear in Stratus URLs.
        forbidden(map_roles(&session("acme corp", ACME, &["Organization Administrator"])));
    }

    #[test]
    fn tenants_may_name_only_their_own_org_as_tenant_context() {
        let acme = session("acme", ACME, &["Organization Administrator"]);
        assert!(check_tenant_context(&acme, None).is_ok());
        assert!(check_tenant_context(&acme, Some(ACME)).is_ok());
        assert!(check_tenant_context(&acme, Some("5EED0001-0000-4000-8000-000000000001")).is_ok());
        forbidden(check_tenant_context(&acme, Some("urn:vcloud:org:5eed0001-0000-4000-8000-000000000002")));
        forbidden(check_tenant_context(&acme, Some("acme")));
    }

    #[test]
    fn the_cache_forgets_after_the_ttl_and_stays_bounded() {
        let principal = Principal { role: Role::Provider, org: None, subject: "p".into() };
        let cache = TtlCache::new(Duration::from_millis(50), 2);
        let (a, b, c) = (cache_key("a", None), cache_key("b", None), cache_key("a", Some(ACME)));
        assert_ne!(a, c, "the tenant context is part of the key");
        cache.insert(a, principal.clone());
        assert_eq!(cache.get(&a), Some(principal.clone()));
        std::thread::sleep(Duration::from_millis(2));
        cache.insert(b, principal.clone());
        cache.insert(c, principal.clone());
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&a), None, "the entry expiring soonest made room");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&b), None);
        assert_eq!(cache.len(), 1, "reading an expired entry drops it");

        let off = TtlCache::new(Duration::ZERO, 10);
        off.insert(a, principal);
        assert_eq!(off.get(&a), None);
    }
}
