//! What a call needs, read once and cached: the org with its limits and egress policy, and the
//! function behind a route. Every write that changes them is published on the replicas' coherence channel
//! (`cluster::Coherence`), which every replica's caches (this one's included) apply at once;
//! [`LOOKUP_TTL`] is only a backstop, cut to the channel's fallback TTL while it is down.

use std::sync::Arc;
use std::time::Duration;

use api_types::{FunctionAccess, LambdaPayload, OrgLimits};
use sandbox::{Compiled, FunctionKey, LoadSpec, Shape};

use super::service::{Functions, compile_limits};
use crate::cache::TtlCache;
use crate::cluster::{Coherence, Invalidation};
use crate::dates::now_millis;
use crate::egress::Policy;
use crate::store::{FunctionHead, VersionRow};

/// How long a route or an org's limits are trusted while the coherence channel works.
const LOOKUP_TTL: Duration = Duration::from_secs(60);
/// Most routes (found or not) and orgs remembered at once.
const LOOKUP_CAPACITY: usize = 10_000;

/// What a call needs to run, resolved from a route.
pub(super) struct Target {
    pub name: String,
    pub spec: Option<Arc<LoadSpec>>,
    pub memory_mb: u32,
    pub timeout_ms: u32,
    /// Who may call it (of the serving version).
    pub access: FunctionAccess,
    /// The hashes of its keys, when `access` is `keys`.
    pub key_hashes: Vec<String>,
    /// Lambda handlers get payload format 1.0 events.
    pub lambda_v1: bool,
}

/// The cached lookups of the functions service.
pub(super) struct Lookups {
    caches: Arc<Caches>,
    coherence: Arc<Coherence>,
}

struct Caches {
    /// `(org, route)` → the function serving it (`None`: no function there).
    routes: TtlCache<(String, String), Option<Arc<Target>>>,
    /// Existing orgs → their settings. A missing org is not remembered: orgs appear at any time.
    orgs: TtlCache<String, OrgEntry>,
}

/// An existing org's settings as a call uses them.
#[derive(Clone)]
pub(super) struct OrgEntry {
    pub limits: OrgLimits,
    /// Parsed once; the default allows nothing.
    pub egress: Arc<Policy>,
}

impl Caches {
    fn forget(&self, change: &Invalidation) {
        match change {
            Invalidation::Org { org } => {
                self.orgs.remove(org.as_str());
                self.routes.retain(|(o, _), _| o != org);
            }
            Invalidation::Function { org, name } => {
                self.routes.retain(|(o, _), target| o != org || target.as_ref().is_some_and(|t| &t.name != name))
            }
            Invalidation::Route { org, route } => {
                self.routes.remove(&(org.clone(), route.clone()));
            }
            Invalidation::Everything => {
                self.routes.clear();
                self.orgs.clear();
            }
            Invalidation::Token { .. } | Invalidation::JobsDue | Invalidation::Ping { .. } => {}
        }
    }
}

impl Lookups {
    /// Empty caches that follow `coherence`.
    pub(super) fn new(coherence: Arc<Coherence>) -> Self {
        let caches = Arc::new(Caches {
            routes: TtlCache::new(LOOKUP_TTL, LOOKUP_CAPACITY),
            orgs: TtlCache::new(LOOKUP_TTL, LOOKUP_CAPACITY),
        });
        let subscribed = Arc::clone(&caches);
        coherence.subscribe(move |change| subscribed.forget(change));
        Self { caches, coherence }
    }

    fn trust(&self) -> Duration {
        self.coherence.trust(LOOKUP_TTL)
    }
}

impl Functions {
    /// The org's ceilings (built-in defaults when the provider set none) when the org exists;
    /// `None` when it does not. This is how `/api/org/{org}/…` requests find their org, so one
    /// read (cached) gives both.
    pub async fn existing_org_limits(&self, org: &str) -> Result<Option<OrgLimits>, sqlx::Error> {
        Ok(self.existing_org(org).await?.map(|entry| entry.limits))
    }

    /// The org's settings as calls use them, from the cache when fresh; `None`: no such org.
    pub(super) async fn existing_org(&self, org: &str) -> Result<Option<OrgEntry>, sqlx::Error> {
        let lookups = &self.lookups;
        if let Some(entry) = lookups.caches.orgs.get_within(org, lookups.trust()) {
            return Ok(Some(entry));
        }
        let generation = lookups.coherence.generation();
        let Some(settings) = self.store.existing_org_settings(org).await? else { return Ok(None) };
        let egress = settings.egress.as_ref().map(Policy::parse).transpose().unwrap_or_else(|errors| {
            // Stored policies were checked on the way in; a bad one allows nothing.
            tracing::error!(%org, ?errors, "the stored egress policy does not parse");
            None
        });
        let entry =
            OrgEntry { limits: settings.limits.unwrap_or_default(), egress: Arc::new(egress.unwrap_or_default()) };
        if lookups.coherence.unchanged_since(generation) {
            lookups.caches.orgs.insert(org.to_owned(), entry.clone());
        }
        Ok(Some(entry))
    }

    /// The org's ceilings (built-in defaults when the provider set none, or for no such org).
    pub async fn org_limits(&self, org: &str) -> Result<OrgLimits, sqlx::Error> {
        Ok(self.existing_org_limits(org).await?.unwrap_or_default())
    }

    /// The org's ceilings read from the database, never the cache: what changes (a deploy, an
    /// upload) is checked against the limits the provider set last, even if another replica set
    /// them a moment ago and this one has not heard yet.
    pub async fn stored_org_limits(&self, org: &str) -> Result<OrgLimits, sqlx::Error> {
        Ok(self.store.existing_org_settings(org).await?.and_then(|s| s.limits).unwrap_or_default())
    }

    /// Resolves `route` in `org` to what a call needs, from the cache when fresh.
    pub(super) async fn target(&self, org: &str, route: &str) -> Result<Option<Arc<Target>>, sqlx::Error> {
        let key = (org.to_owned(), route.to_owned());
        let lookups = &self.lookups;
        if let Some(target) = lookups.caches.routes.get_within(&key, lookups.trust()) {
            return Ok(target);
        }
        let generation = lookups.coherence.generation();
        let target = match self.store.function_by_route(org, route).await? {
            None => None,
            Some(head) => Some(Arc::new(self.load_target(&head).await?)),
        };
        if lookups.coherence.unchanged_since(generation) {
            lookups.caches.routes.insert(key, target.clone());
        }
        Ok(target)
    }

    async fn load_target(&self, head: &FunctionHead) -> Result<Target, sqlx::Error> {
        let active = match head.active_version {
            Some(v) => self.store.get_version(&head.org, &head.name, v).await?,
            None => None,
        };
        let Some(v) = active else {
            let access = FunctionAccess::Org;
            return Ok(Target {
                name: head.name.clone(),
                spec: None,
                memory_mb: 0,
                timeout_ms: 0,
                access,
                key_hashes: vec![],
                lambda_v1: false,
            });
        };
        let mut compiled = match (v.shape.as_deref().and_then(Shape::parse), v.bytecode.clone()) {
            (Some(shape), Some(bytecode)) => Some(Compiled { bytecode, shape }),
            _ => None,
        };
        if compiled.as_ref().is_some_and(|c| !c.is_current()) {
            // Bytecode of another engine build (an upgrade): compile the stored source again.
            compiled = self.recompile(&v).await?;
        }
        let mut env = v.env.clone();
        env.extend(v.secrets.clone());
        let spec = compiled.map(|compiled| {
            Arc::new(LoadSpec {
                key: FunctionKey { org: head.org.clone(), name: head.name.clone(), version: v.version },
                compiled: Arc::new(compiled),
                env,
                fresh_context: v.fresh_context,
            })
        });
        let key_hashes = if v.access == FunctionAccess::Keys {
            self.store.function_keys(&head.org, &head.name).await?.into_iter().map(|k| k.key_hash).collect()
        } else {
            Vec::new()
        };
        Ok(Target {
            name: head.name.clone(),
            spec,
            memory_mb: u32::try_from(v.memory_mb).unwrap_or(64),
            timeout_ms: u32::try_from(v.timeout_ms).unwrap_or(5_000),
            access: v.access,
            key_hashes,
            lambda_v1: v.payload_format == LambdaPayload::V1,
        })
    }

    async fn recompile(&self, v: &VersionRow) -> Result<Option<Compiled>, sqlx::Error> {
        tracing::info!(org = %v.org, name = %v.name, version = v.version, "recompiling bytecode of an older engine");
        match self.pool.compile(super::convert::source_of(v), compile_limits()).await {
            Ok(Ok(compiled)) => {
                let shape = compiled.shape.as_str();
                self.store
                    .mark_version_ready(&v.org, &v.name, v.version, shape, &compiled.bytecode, now_millis())
                    .await?;
                Ok(Some(compiled))
            }
            _ => Ok(None),
        }
    }

    /// Announces a change to every replica's caches, this one's first.
    pub(super) async fn changed(&self, change: Invalidation) {
        self.lookups.coherence.publish(change).await;
    }
}
