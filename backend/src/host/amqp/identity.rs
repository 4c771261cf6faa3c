//! The caller vCD authenticated, as a Stratus [`Principal`].
//!
//! vCD's security context names the org by id (`urn:vcloud:org:<uuid>`); Stratus knows orgs by
//! name. An [`OrgDirectory`] turns one into the other: [`StaticOrgs`] from `--amqp-org urn=name`
//! flags (and the tests), a vCD-backed one when Stratus has a vCD service account, both behind
//! [`CachedOrgs`]. The System org is the provider; every other org's callers are its tenant admins.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use api_types::Role;
use vcd_client::{VcdClient, VcdError};

use crate::host::amqp::message::SecurityContext;
use stratus_core::tenancy::Principal;

/// vCD's provider org.
pub const SYSTEM_ORG: &str = "System";

/// The directory could not answer (vCD unreachable); the caller gets 503.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot look up the org: {0}")]
pub struct LookupError(pub String);

/// A boxed future, so the trait stays object safe.
pub type LookupFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<String>, LookupError>> + Send + 'a>>;

/// Org id → org name; `Ok(None)` when there is no such org.
pub trait OrgDirectory: Send + Sync + 'static {
    fn org_name<'a>(&'a self, org_id: &'a str) -> LookupFuture<'a>;
}

/// A fixed map, keyed by the org's uuid (so `urn:vcloud:org:<uuid>` and a bare uuid both match).
#[derive(Debug, Clone, Default)]
pub struct StaticOrgs {
    names: HashMap<String, String>,
}

impl StaticOrgs {
    /// Parses `urn=name` entries, e.g. `urn:vcloud:org:5d3c…=acme`.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut orgs = StaticOrgs::default();
        for entry in entries {
            let entry = entry.as_ref();
            let Some((id, name)) = entry.rsplit_once('=') else {
                return Err(format!("'{entry}' is not urn=name"));
            };
            let (id, name) = (id.trim(), name.trim());
            if id.is_empty() || name.is_empty() {
                return Err(format!("'{entry}' is not urn=name"));
            }
            orgs.insert(id, name);
        }
        Ok(orgs)
    }

    pub fn insert(&mut self, org_id: &str, name: &str) {
        self.names.insert(org_key(org_id), name.to_owned());
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

impl OrgDirectory for StaticOrgs {
    fn org_name<'a>(&'a self, org_id: &'a str) -> LookupFuture<'a> {
        let name = self.names.get(&org_key(org_id)).cloned();
        Box::pin(async move { Ok(name) })
    }
}

/// Asks vCD with Stratus' service account (`GET /cloudapi/1.0.0/orgs/{urn}`); wrap it in
/// [`CachedOrgs`].
pub struct VcdOrgs {
    client: VcdClient,
}

impl VcdOrgs {
    pub fn new(client: VcdClient) -> Self {
        Self { client }
    }
}

impl OrgDirectory for VcdOrgs {
    fn org_name<'a>(&'a self, org_id: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            match self.client.org_by_id(org_id).await {
                Ok(org) => Ok(Some(org.name)),
                Err(VcdError::NotFound(_)) => Ok(None),
                Err(err) => Err(LookupError(err.to_string())),
            }
        })
    }
}

/// Asks `first`, then `second` when `first` does not know the org.
pub struct Chain<A, B>(pub A, pub B);

impl<A: OrgDirectory, B: OrgDirectory> OrgDirectory for Chain<A, B> {
    fn org_name<'a>(&'a self, org_id: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            match self.0.org_name(org_id).await? {
                Some(name) => Ok(Some(name)),
                None => self.1.org_name(org_id).await,
            }
        })
    }
}

/// Remembers found names for `ttl` (org names change rarely; failures are not remembered).
pub struct CachedOrgs<D> {
    inner: D,
    ttl: Duration,
    found: Mutex<HashMap<String, (String, Instant)>>,
}

impl<D: OrgDirectory> CachedOrgs<D> {
    pub fn new(inner: D, ttl: Duration) -> Self {
        Self { inner, ttl, found: Mutex::new(HashMap::new()) }
    }

    fn cached(&self, key: &str) -> Option<String> {
        let found = self.found.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        found.get(key).filter(|(_, at)| at.elapsed() < self.ttl).map(|(name, _)| name.clone())
    }
}

impl<D: OrgDirectory> OrgDirectory for CachedOrgs<D> {
    fn org_name<'a>(&'a self, org_id: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            let key = org_key(org_id);
            if let Some(name) = self.cached(&key) {
                return Ok(Some(name));
            }
            let name = self.inner.org_name(org_id).await?;
            if let Some(name) = &name {
                let mut found = self.found.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                found.retain(|_, (_, at)| at.elapsed() < self.ttl);
                found.insert(key, (name.clone(), Instant::now()));
            }
            Ok(name)
        })
    }
}

/// `urn:vcloud:org:<UUID>` → `<uuid>`.
fn org_key(org_id: &str) -> String {
    org_id.trim().rsplit(':').next().unwrap_or_default().to_ascii_lowercase()
}

/// The principal for a caller of `org_name`: System is the provider, any other org's callers
/// are its tenant admins (vCD already checked they may reach the extension).
pub fn principal(context: &SecurityContext, org_name: &str) -> Principal {
    if org_name.eq_ignore_ascii_case(SYSTEM_ORG) {
        Principal { role: Role::Provider, org: None, subject: context.user.clone() }
    } else {
        Principal { role: Role::TenantAdmin, org: Some(org_name.to_owned()), subject: context.user.clone() }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn context(org: &str) -> SecurityContext {
        SecurityContext { user: "urn:vcloud:user:u1".into(), org: org.into(), rights: vec![] }
    }

    #[tokio::test]
    async fn static_orgs_match_by_uuid_in_any_spelling() {
        let orgs = StaticOrgs::parse(&["urn:vcloud:org:AAA-1=acme", "bbb-2=System"]).unwrap();
        assert_eq!(orgs.org_name("urn:vcloud:org:aaa-1").await.unwrap().as_deref(), Some("acme"));
        assert_eq!(orgs.org_name("aaa-1").await.unwrap().as_deref(), Some("acme"));
        assert_eq!(orgs.org_name("urn:vcloud:org:bbb-2").await.unwrap().as_deref(), Some("System"));
        assert_eq!(orgs.org_name("urn:vcloud:org:ccc").await.unwrap(), None);
        assert!(StaticOrgs::parse(&["no-equals"]).is_err());
        assert!(StaticOrgs::parse(&["urn:vcloud:org:x="]).is_err());
    }

    #[test]
    fn the_system_org_is_the_provider_and_others_are_tenant_admins() {
        let provider = principal(&context("urn:vcloud:org:s"), "System");
        assert_eq!((provider.role, provider.org), (Role::Provider, None));
        let tenant = principal(&context("urn:vcloud:org:a"), "acme");
        assert_eq!((tenant.role, tenant.org.as_deref()), (Role::TenantAdmin, Some("acme")));
        assert_eq!(tenant.subject, "urn:vcloud:user:u1");
    }

    struct Counting(AtomicUsize);

    impl OrgDirectory for Counting {
        fn org_name<'a>(&'a self, org_id: &'a str) -> LookupFuture<'a> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let name = (org_id != "urn:vcloud:org:none").then(|| "acme".to_owned());
            Box::pin(async move { Ok(name) })
        }
    }

    #[tokio::test]
    async fn found_names_are_cached_and_misses_are_asked_again() {
        let cached = CachedOrgs::new(Counting(AtomicUsize::new(0)), Duration::from_secs(60));
        for _ in 0..3 {
            assert_eq!(cached.org_name("urn:vcloud:org:a").await.unwrap().as_deref(), Some("acme"));
            assert_eq!(cached.org_name("urn:vcloud:org:none").await.unwrap(), None);
        }
        assert_eq!(cached.inner.0.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_chain_falls_back_to_its_second_directory() {
        let first = StaticOrgs::parse(&["a=acme"]).unwrap();
        let second = StaticOrgs::parse(&["b=globex"]).unwrap();
        let chain = Chain(first, second);
        assert_eq!(chain.org_name("a").await.unwrap().as_deref(), Some("acme"));
        assert_eq!(chain.org_name("b").await.unwrap().as_deref(), Some("globex"));
        assert_eq!(chain.org_name("c").await.unwrap(), None);
    }
}
