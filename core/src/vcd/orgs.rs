//! Org names from vCD: `GET /cloudapi/1.0.0/orgs/{urn}` with Stratus' service account, the
//! remote directory behind [`CachedOrgs`] for the AMQP bridge and event triggers.

use vcd_client::{VcdClient, VcdEndpoint, VcdError};

use crate::org_directory::{CachedOrgs, OrgDirectory, OrgFuture, OrgLookupError, StaticOrgs};

/// Asks vCD every time; [`VcdOrgs::directory`] puts it behind the cache.
pub struct VcdOrgs {
    client: VcdClient,
}

impl VcdOrgs {
    pub fn new(client: VcdClient) -> Self {
        Self { client }
    }

    pub fn connect(endpoint: VcdEndpoint) -> Result<Self, String> {
        VcdClient::new(endpoint).map(Self::new).map_err(|e| e.to_string())
    }

    /// The org directory of a host: `fixed` entries, then vCD when Stratus has a service
    /// account there (`vcd`), cached.
    pub fn directory(fixed: StaticOrgs, vcd: Option<&VcdEndpoint>) -> Result<CachedOrgs, String> {
        let remote = match vcd {
            Some(endpoint) => Some(Box::new(Self::connect(endpoint.clone())?) as Box<dyn OrgDirectory>),
            None => None,
        };
        Ok(CachedOrgs::new(fixed, remote))
    }
}

impl OrgDirectory for VcdOrgs {
    fn org_name<'a>(&'a self, org_id: &'a str) -> OrgFuture<'a> {
        Box::pin(async move {
            match self.client.org_by_id(org_id).await {
                Ok(org) => Ok(Some(org.name)),
                Err(VcdError::NotFound(_)) => Ok(None),
                Err(err) => Err(OrgLookupError(err.to_string())),
            }
        })
    }
}
