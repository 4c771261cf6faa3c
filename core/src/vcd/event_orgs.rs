//! Which Stratus org a vCD notification belongs to: vCD names the org by id, and the vCD org's
//! name is the Stratus org's name. Looked up with Stratus' service account and remembered.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use vcd_client::{VcdClient, VcdEndpoint, VcdError};

use crate::functions::events::{OrgDirectory, OrgFuture, OrgLookupError, org_key};

/// How long a found org name is trusted.
const FOUND_TTL: Duration = Duration::from_secs(600);
/// How long "vCD has no such org" is trusted.
const MISSING_TTL: Duration = Duration::from_secs(60);

/// Org ids → names through `GET /cloudapi/1.0.0/orgs/{urn}`, cached.
pub struct VcdEventOrgs {
    client: VcdClient,
    cache: Mutex<HashMap<String, (Option<String>, Instant)>>,
}

impl VcdEventOrgs {
    pub fn connect(endpoint: VcdEndpoint) -> Result<Self, String> {
        let client = VcdClient::new(endpoint).map_err(|e| e.to_string())?;
        Ok(Self { client, cache: Mutex::default() })
    }

    fn cached(&self, key: &str) -> Option<Option<String>> {
        let cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (name, at) = cache.get(key)?;
        let ttl = if name.is_some() { FOUND_TTL } else { MISSING_TTL };
        (at.elapsed() < ttl).then(|| name.clone())
    }
}

impl OrgDirectory for VcdEventOrgs {
    fn org_name<'a>(&'a self, org_id: &'a str) -> OrgFuture<'a> {
        Box::pin(async move {
            let key = org_key(org_id);
            if let Some(name) = self.cached(&key) {
                return Ok(name);
            }
            let name = match self.client.org_by_id(org_id).await {
                Ok(org) => Some(org.name),
                Err(VcdError::NotFound(_)) => None,
                Err(err) => return Err(OrgLookupError(err.to_string())),
            };
            let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(key, (name.clone(), Instant::now()));
            Ok(name)
        })
    }
}
