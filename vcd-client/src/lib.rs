//! The outbound VMware Cloud Director API client Stratus uses for autoscaling: inventory
//! (templates, vApps, edge gateways, load balancer pools), VM lifecycle through vApp
//! recomposition and power actions, task polling, pool membership on NSX-V and NSX-T ALB edges,
//! and validation of a caller's vCD token.
//!
//! Paths, media types and payloads follow the vCD API (legacy `/api` XML, `/cloudapi` JSON and
//! the NSX-V proxy under `/network`). Every call logs in lazily and logs in again once when vCD
//! answers 401.

mod certificates;
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
mod versions;
pub mod xml;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

pub use crate::certificates::{TrustedCertificate, pem_body, presented_certificates};
pub use crate::error::VcdError;
pub use crate::ext_endpoints::{ApiFilter, ExternalEndpoint, UrlMatcher};
pub use crate::ext_services::{ExtensionService, ExtensionServiceSpec, ServiceApiFilter};
pub use crate::orgs::org_urn;
pub use crate::types::{CurrentSession, EdgeGateway, EntityRef, LbKind, LbPool, PoolMember, Task, Template, VApp, Vm};
pub use crate::ui_plugins::{UiPlugin, UiPluginMetadata};
pub use crate::versions::{ApiVersion, Family, NEWEST_KNOWN};

/// Where and as whom to connect. `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VcdEndpoint {
    /// Base URL without a trailing slash, e.g. `https://vcd.example.com`.
    pub url: String,
    pub user: String,
    /// The user's organization; `System` for a provider account.
    pub org: String,
    pub password: String,
    /// The API version every call is sent with; empty: negotiated with the cell (`versions`).
    pub api_version: String,
}

impl VcdEndpoint {
    /// An endpoint whose API version is negotiated with the cell.
    pub fn new(url: &str, user: &str, org: &str, password: &str) -> VcdEndpoint {
        VcdEndpoint {
            url: url.trim_end_matches('/').to_owned(),
            user: user.to_owned(),
            org: org.to_owned(),
            password: password.to_owned(),
            api_version: String::new(),
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
    /// What `GET /api/versions` listed, asked once (only when the endpoint fixes no version).
    versions: tokio::sync::OnceCell<Vec<ApiVersion>>,
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
        endpoint.api_version = endpoint.api_version.trim().to_owned();
        if !endpoint.api_version.is_empty() {
            endpoint.api_version.parse::<ApiVersion>()?;
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| VcdError::Unreachable(format!("cannot build the HTTP client: {e}")))?;
        let inner = Inner { endpoint, http, token: Mutex::new(None), versions: tokio::sync::OnceCell::new() };
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

    /// The API version calls of `family` are sent with: the endpoint's fixed one, else the
    /// highest both sides support, at least the family's floor. Asks `GET /api/versions` on
    /// first use; a vCD too old for the family is [`VcdError::TooOld`].
    pub async fn api_version(&self, family: Family) -> Result<ApiVersion, VcdError> {
        let endpoint = &self.inner.endpoint;
        if !endpoint.api_version.is_empty() {
            return endpoint.api_version.parse();
        }
        let offered = self.inner.versions.get_or_try_init(|| self.supported_versions()).await?;
        versions::choose(offered, family, &endpoint.url)
    }

    /// The newest API version the cell lists, which tells its release (38.x: 10.5, 39.x: 10.6),
    /// e.g. to pick the UI plugin build its portal hosts. Asked even when the endpoint fixes the
    /// version calls are sent with.
    pub async fn newest_supported(&self) -> Result<ApiVersion, VcdError> {
        let offered = self.inner.versions.get_or_try_init(|| self.supported_versions()).await?;
        offered
            .iter()
            .copied()
            .max()
            .ok_or_else(|| VcdError::Protocol("GET /api/versions listed no API versions".into()))
    }

    /// What `GET /api/versions` lists (no login needed).
    async fn supported_versions(&self) -> Result<Vec<ApiVersion>, VcdError> {
        let url = format!("{}/api/versions", self.inner.endpoint.url);
        let request = self.inner.http.get(url).header(reqwest::header::ACCEPT, "application/*+xml");
        let response = request.send().await.map_err(|e| VcdError::Unreachable(e.to_string()))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| VcdError::Unreachable(e.to_string()))?;
        if !status.is_success() {
            return Err(error::from_status(status.as_u16(), &body));
        }
        versions::parse_supported(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password() {
        let endpoint = VcdEndpoint::new("https://vcd.example.com/", "administrator", "System", "s3cret");
        assert_eq!(endpoint.url, "https://vcd.example.com");
        assert_eq!(endpoint.api_version, "", "negotiated");
        assert!(endpoint.is_provider());
        let client = VcdClient::new(endpoint).unwrap();
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[test]
    fn a_fixed_version_must_be_one() {
        let mut endpoint = VcdEndpoint::new("https://vcd.example.com", "administrator", "System", "pw");
        endpoint.api_version = "thirty-eight".into();
        assert!(VcdClient::new(endpoint.clone()).is_err());
        endpoint.api_version = " 38.1 ".into();
        assert_eq!(VcdClient::new(endpoint).unwrap().endpoint().api_version, "38.1");
    }
}
