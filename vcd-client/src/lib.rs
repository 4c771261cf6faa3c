//! The outbound VMware Cloud Director API client Stratus uses for autoscaling: inventory
//! (templates, vApps, edge gateways, load balancer pools), VM lifecycle through vApp
//! recomposition and power actions, task polling, pool membership on NSX-V and NSX-T ALB edges,
//! and validation of a caller's vCD token.
//!
//! Paths, media types and payloads follow the vCD API (legacy `/api` XML, `/cloudapi` JSON and
//! the NSX-V proxy under `/network`). Every call logs in lazily and logs in again once when vCD
//! answers 401.

mod error;
mod ext_endpoints;
mod ext_services;
mod inventory;
mod lb;
mod lb_nsxt;
mod lb_nsxv;
mod orgs;
mod session;
mod tasks;
mod types;
mod ui_plugins;
mod vapp;
pub mod xml;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

pub use crate::error::VcdError;
pub use crate::ext_endpoints::{ApiFilter, ExternalEndpoint, UrlMatcher};
pub use crate::ext_services::{ExtensionService, ExtensionServiceSpec, ServiceApiFilter};
pub use crate::orgs::org_urn;
pub use crate::types::{CurrentSession, EdgeGateway, EntityRef, LbKind, LbPool, PoolMember, Task, Template, VApp, Vm};
pub use crate::ui_plugins::{UiPlugin, UiPluginMetadata};

/// The vCD API version sent in every `Accept` header unless the endpoint says otherwise.
pub const DEFAULT_API_VERSION: &str = "37.0";

/// Where and as whom to connect. `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VcdEndpoint {
    /// Base URL without a trailing slash, e.g. `https://vcd.example.com`.
    pub url: String,
    pub user: String,
    /// The user's organization; `System` for a provider account.
    pub org: String,
    pub password: String,
    pub api_version: String,
}

impl VcdEndpoint {
    /// An endpoint speaking [`DEFAULT_API_VERSION`].
    pub fn new(url: &str, user: &str, org: &str, password: &str) -> VcdEndpoint {
        VcdEndpoint {
            url: url.trim_end_matches('/').to_owned(),
            user: user.to_owned(),
            org: org.to_owned(),
            password: password.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
        }
    }

    /// True for provider (System org) accounts.
    pub fn is_provider(&self) -> bool {
        self.org.eq_ignore_ascii_case("system")
    }
}

impl std::fmt::Debug for VcdEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VcdEndpoint")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("org", &self.org)
            .field("password", &"<redacted>")
            .field("api_version", &self.api_version)
            .finish()
    }
}

/// A vCD API client; cheap to clone, clones share the session.
#[derive(Debug, Clone)]
pub struct VcdClient {
    inner: Arc<Inner>,
    poll_interval: Duration,
}

struct Inner {
    endpoint: VcdEndpoint,
    http: reqwest::Client,
    /// The session token; `None` until the first call logs in.
    token: Mutex<Option<String>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl VcdClient {
    pub fn new(mut endpoint: VcdEndpoint) -> Result<Self, VcdError> {
        while endpoint.url.ends_with('/') {
            endpoint.url.pop();
        }
        if endpoint.api_version.is_empty() {
            endpoint.api_version = DEFAULT_API_VERSION.to_owned();
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| VcdError::Unreachable(format!("cannot build the HTTP client: {e}")))?;
        let inner = Inner { endpoint, http, token: Mutex::new(None) };
        Ok(VcdClient { inner: Arc::new(inner), poll_interval: Duration::from_secs(1) })
    }

    /// Sets how often [`VcdClient::wait_task`] polls (default one second).
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    pub fn endpoint(&self) -> &VcdEndpoint {
        &self.inner.endpoint
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password() {
        let endpoint = VcdEndpoint::new("https://vcd.example.com/", "administrator", "System", "s3cret");
        assert_eq!(endpoint.url, "https://vcd.example.com");
        assert_eq!(endpoint.api_version, "37.0");
        assert!(endpoint.is_provider());
        let client = VcdClient::new(endpoint).unwrap();
        assert!(!format!("{client:?}").contains("s3cret"));
    }
}
