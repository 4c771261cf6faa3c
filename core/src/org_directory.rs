//! vCD org ids → Stratus org names (the vCD org's name is the Stratus org's name).
//!
//! vCD names an org by id: `urn:vcloud:org:<uuid>` in security contexts and notifications, the
//! bare uuid in other places; [`org_key`] gives both spellings one key. The AMQP bridge (whose
//! caller is it) and event triggers (whose event is it) ask an [`OrgDirectory`]: in production
//! a [`CachedOrgs`], which knows the `--amqp-org` / `--notifications-org` entries
//! ([`StaticOrgs`]) and asks vCD ([`crate::vcd::orgs::VcdOrgs`]) about the others, remembering
//! its answers.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::cache::TtlCache;

/// The directory could not answer (vCD unreachable): try again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot look up the org: {0}")]
pub struct OrgLookupError(pub String);

/// A boxed future, so the trait stays object safe.
pub type OrgFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<String>, OrgLookupError>> + Send + 'a>>;

/// Which Stratus org a vCD org id is.
pub trait OrgDirectory: Send + Sync {
    /// The name of the org `org_id` (urn or bare uuid); `None` when there is no such org.
    fn org_name<'a>(&'a self, org_id: &'a str) -> OrgFuture<'a>;
}

/// The key an org id is known by: the lower-case uuid of `urn:vcloud:org:<uuid>` or of a bare
/// uuid (any case, surrounding spaces ignored). Another urn stays whole, so it matches no org.
pub fn org_key(org_id: &str) -> String {
    let id = org_id.trim().to_ascii_lowercase();
    match id.strip_prefix("urn:vcloud:org:") {
        Some(uuid) => uuid.to_owned(),
        None => id,
    }
}

/// A fixed map of org ids to names: the `urn=name` flags, and the tests.
#[derive(Debug, Clone, Default)]
pub struct StaticOrgs {
    names: HashMap<String, String>,
}

impl StaticOrgs {
    /// From `(org id, org name)` pairs; ids may be urns or bare uuids.
    pub fn new<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        Self { names: pairs.into_iter().map(|(id, name)| (org_key(id.as_ref()), name.into())).collect() }
    }

    /// Parses `urn=name` entries, e.g. `urn:vcloud:org:5d3c…=acme`; blank entries are skipped.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut orgs = StaticOrgs::default();
        for entry in entries.iter().map(|e| e.as_ref().trim()).filter(|e| !e.is_empty()) {
            let Some((id, name)) = entry.rsplit_once('=').filter(|(i, n)| !i.trim().is_empty() && !n.trim().is_empty())
            else {
                return Err(format!("'{entry}' is not urn:vcloud:org:<uuid>=<org name>"));
            };
            orgs.insert(id.trim(), name.trim());
        }
        Ok(orgs)
    }

    pub fn insert(&mut self, org_id: &str, name: &str) {
        self.names.insert(org_key(org_id), name.to_owned());
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn get(&self, org_id: &str) -> Option<String> {
        self.names.get(&org_key(org_id)).cloned()
    }
}

impl OrgDirectory for StaticOrgs {
    fn org_name<'a>(&'a self, org_id: &'a str) -> OrgFuture<'a> {
        let name = self.get(org_id);
        Box::pin(async move { Ok(name) })
    }
}

/// The org directory: fixed entries first, then a remote directory (vCD) whose answers are
/// remembered: found names for [`CachedOrgs::FOUND_TTL`], "no such org" for
/// [`CachedOrgs::MISSING_TTL`] unless [`CachedOrgs::missing_ttl`] says otherwise. Failures are
/// never remembered.
pub struct CachedOrgs {
    fixed: StaticOrgs,
    remote: Option<Box<dyn OrgDirectory>>,
    found: TtlCache<String, String>,
    missing: TtlCache<String, ()>,
}

impl CachedOrgs {
    /// How long a found org name is trusted (org names change rarely).
    pub const FOUND_TTL: Duration = Duration::from_secs(600);
    /// How long "there is no such org" is trusted by default.
    pub const MISSING_TTL: Duration = Duration::from_secs(60);
    /// Most org ids remembered (found and missing each).
    pub const CAPACITY: usize = 10_000;

    /// `fixed`, then `remote` (when there is one).
    pub fn new(fixed: StaticOrgs, remote: Option<Box<dyn OrgDirectory>>) -> Self {
        Self {
            fixed,
            remote,
            found: TtlCache::new(Self::FOUND_TTL, Self::CAPACITY),
            missing: TtlCache::new(Self::MISSING_TTL, Self::CAPACITY),
        }
    }

    /// Remembers "no such org" for `ttl` instead (zero: ask again every time).
    #[must_use]
    pub fn missing_ttl(mut self, ttl: Duration) -> Self {
        self.missing = TtlCache::new(ttl, Self::CAPACITY);
        self
    }

    /// Whether the directory knows no org at all (no fixed entries, nothing to ask).
    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty() && self.remote.is_none()
    }
}

impl OrgDirectory for CachedOrgs {
    fn org_name<'a>(&'a self, org_id: &'a str) -> OrgFuture<'a> {
        Box::pin(async move {
            if let Some(name) = self.fixed.get(org_id) {
                return Ok(Some(name));
            }
            let Some(remote) = &self.remote else { return Ok(None) };
            let key = org_key(org_id);
            if let Some(name) = self.found.get(&key) {
                return Ok(Some(name));
            }
            if self.missing.get(&key).is_some() {
                return Ok(None);
            }
            let name = remote.org_name(org_id).await?;
            match &name {
                Some(name) => self.found.insert(key, name.clone()),
                None => self.missing.insert(key, ()),
            }
            Ok(name)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const ACME: &str = "urn:vcloud:org:5eed0001-0000-4000-8000-000000000001";

    #[test]
    fn a_urn_and_its_bare_uuid_have_one_key() {
        let uuid = "5eed0001-0000-4000-8000-000000000001";
        assert_eq!(org_key(ACME), uuid);
        assert_eq!(org_key(" 5EED0001-0000-4000-8000-000000000001 "), uuid);
        assert_eq!(org_key("URN:VCLOUD:ORG:5EED0001-0000-4000-8000-000000000001"), uuid);
        assert_ne!(org_key("urn:vcloud:vdc:5eed0001-0000-4000-8000-000000000001"), uuid);
    }

    #[tokio::test]
    async fn orgs_are_found_by_urn_or_uuid_in_any_case() {
        let orgs = StaticOrgs::new([(ACME, "acme"), ("5EED0002-0000-4000-8000-000000000002", "globex")]);
        assert_eq!(orgs.org_name(ACME).await, Ok(Some("acme".to_owned())));
        assert_eq!(orgs.org_name("5eed0001-0000-4000-8000-000000000001").await, Ok(Some("acme".to_owned())));
        let globex = "urn:vcloud:org:5eed0002-0000-4000-8000-000000000002";
        assert_eq!(orgs.org_name(globex).await, Ok(Some("globex".to_owned())));
        assert_eq!(orgs.org_name("urn:vcloud:org:ffffffff-0000-4000-8000-000000000009").await, Ok(None));
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
        assert!(StaticOrgs::parse(&["a=acme", " "]).is_ok_and(|orgs| !orgs.is_empty()));
    }

    /// Counts the questions; knows every org but `urn:vcloud:org:none`.
    struct Counting(Arc<AtomicUsize>);

    impl OrgDirectory for Counting {
        fn org_name<'a>(&'a self, org_id: &'a str) -> OrgFuture<'a> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let name = (org_id != "urn:vcloud:org:none").then(|| "acme".to_owned());
            Box::pin(async move { Ok(name) })
        }
    }

    fn counted(missing_ttl: Duration) -> (CachedOrgs, Arc<AtomicUsize>) {
        let asked = Arc::new(AtomicUsize::new(0));
        let remote = Box::new(Counting(asked.clone()));
        (CachedOrgs::new(StaticOrgs::default(), Some(remote)).missing_ttl(missing_ttl), asked)
    }

    #[tokio::test]
    async fn found_names_are_cached_and_misses_are_asked_again() {
        let (cached, asked) = counted(Duration::ZERO);
        for _ in 0..3 {
            assert_eq!(cached.org_name("urn:vcloud:org:a").await.unwrap().as_deref(), Some("acme"));
            assert_eq!(cached.org_name("urn:vcloud:org:none").await.unwrap(), None);
        }
        assert_eq!(asked.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn misses_are_remembered_for_their_own_ttl() {
        let (cached, asked) = counted(CachedOrgs::MISSING_TTL);
        for _ in 0..3 {
            assert_eq!(cached.org_name("urn:vcloud:org:none").await.unwrap(), None);
            assert_eq!(cached.org_name("A").await.unwrap().as_deref(), Some("acme"));
            assert_eq!(cached.org_name("urn:vcloud:org:a").await.unwrap().as_deref(), Some("acme"));
        }
        assert_eq!(asked.load(Ordering::SeqCst), 2, "one question per org, in any spelling");
    }

    #[tokio::test]
    async fn fixed_entries_come_before_the_remote_directory() {
        let first = StaticOrgs::parse(&["a=acme"]).unwrap();
        let second = StaticOrgs::parse(&["b=globex"]).unwrap();
        let chain = CachedOrgs::new(first, Some(Box::new(second)));
        assert_eq!(chain.org_name("a").await.unwrap().as_deref(), Some("acme"));
        assert_eq!(chain.org_name("b").await.unwrap().as_deref(), Some("globex"));
        assert_eq!(chain.org_name("c").await.unwrap(), None);
        assert!(!chain.is_empty());
        assert!(CachedOrgs::new(StaticOrgs::default(), None).is_empty());
    }
}
