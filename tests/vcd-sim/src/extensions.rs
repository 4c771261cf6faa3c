//! vCD's extensibility surface: UI plugins (`/cloudapi/extensions/ui` and the `/transfer` upload),
//! HTTP external endpoints with their API filters, and legacy AMQP extension services. This module
//! holds their state and the test view of it; the routes live in the submodules.

mod certificates;
mod endpoints;
mod services;
mod ui_plugins;

use std::collections::HashMap;

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::SimState;

/// The exchange every simulated broker has declared (type `direct`).
pub const DEFAULT_EXCHANGE: &str = "vcdext";

pub(crate) fn router() -> Router<SimState> {
    Router::new()
        .merge(ui_plugins::router())
        .merge(endpoints::router())
        .merge(services::router())
        .merge(certificates::router())
}

/// Everything extension-related in the simulated world.
#[derive(Debug)]
pub(crate) struct Extensions {
    pub plugins: Vec<Plugin>,
    /// Open upload links: transfer uuid → the upload they belong to.
    pub transfers: HashMap<String, Transfer>,
    pub endpoints: Vec<Endpoint>,
    pub api_filters: Vec<ApiFilter>,
    pub services: Vec<Service>,
    pub trusted: Vec<certificates::Trusted>,
    /// Exchanges declared on the AMQP broker (all `direct`).
    pub exchanges: Vec<String>,
}

impl Default for Extensions {
    fn default() -> Self {
        Extensions {
            plugins: Vec::new(),
            transfers: HashMap::new(),
            endpoints: Vec::new(),
            api_filters: Vec::new(),
            services: Vec::new(),
            trusted: Vec::new(),
            exchanges: vec![DEFAULT_EXCHANGE.to_owned()],
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Plugin {
    /// The uuid of `urn:vcloud:uiPlugin:<uuid>`.
    pub uuid: String,
    pub metadata: serde_json::Value,
    pub status: &'static str,
    /// Org names the plugin is published to.
    pub tenants: Vec<String>,
    pub zip: Option<Vec<u8>>,
    pub zip_sha256: Option<String>,
    pub uploads: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Transfer {
    pub plugin_uuid: String,
    pub size: usize,
    pub checksum: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub enabled: bool,
    pub description: Option<String>,
    pub root_url: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ApiFilter {
    pub id: String,
    pub external_system_id: String,
    pub external_system_name: String,
    pub url_pattern: String,
    pub url_scope: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub uuid: String,
    pub name: String,
    pub namespace: String,
    pub exchange: String,
    pub routing_key: String,
    pub enabled: bool,
    /// `(filter uuid, url pattern)`.
    pub filters: Vec<(String, String)>,
}

/// A UI plugin as tests see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimUiPlugin {
    /// `urn:vcloud:uiPlugin:<uuid>`.
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub description: String,
    /// `unavailable` or `ready`.
    pub status: String,
    /// Org names it is published to, sorted.
    pub tenants: Vec<String>,
    pub zip_size: Option<usize>,
    /// Lowercase hex SHA-256 of the stored zip.
    pub zip_sha256: Option<String>,
    /// How many zips were uploaded into it.
    pub uploads: u32,
}

/// An external endpoint as tests see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimExternalEndpoint {
    /// `urn:vcloud:extensionEndpoint:<vendor>:<name>:<version>`.
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub root_url: String,
    pub enabled: bool,
}

/// A cloudapi API filter as tests see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimApiFilter {
    /// `urn:vcloud:apiFilter:<uuid>`.
    pub id: String,
    /// The external endpoint (or service) it routes to.
    pub external_system_id: String,
    pub url_pattern: String,
    pub url_scope: String,
}

/// A legacy AMQP extension service as tests see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimExtensionService {
    /// The service's uuid.
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub exchange: String,
    pub routing_key: String,
    pub enabled: bool,
    /// Its API filters' URL patterns.
    pub api_filters: Vec<String>,
}

impl SimState {
    /// Every registered UI plugin.
    pub fn ui_plugins(&self) -> Vec<SimUiPlugin> {
        let world = self.world();
        world.extensions.plugins.iter().map(Plugin::view).collect()
    }

    pub fn external_endpoints(&self) -> Vec<SimExternalEndpoint> {
        let world = self.world();
        world
            .extensions
            .endpoints
            .iter()
            .map(|e| SimExternalEndpoint {
                id: e.id.clone(),
                name: e.name.clone(),
                vendor: e.vendor.clone(),
                version: e.version.clone(),
                root_url: e.root_url.clone(),
                enabled: e.enabled,
            })
            .collect()
    }

    /// The cloudapi API filters (external endpoints' and external services').
    pub fn api_filters(&self) -> Vec<SimApiFilter> {
        let world = self.world();
        world
            .extensions
            .api_filters
            .iter()
            .map(|f| SimApiFilter {
                id: f.id.clone(),
                external_system_id: f.external_system_id.clone(),
                url_pattern: f.url_pattern.clone(),
                url_scope: f.url_scope.clone(),
            })
            .collect()
    }

    pub fn extension_services(&self) -> Vec<SimExtensionService> {
        let world = self.world();
        world
            .extensions
            .services
            .iter()
            .map(|s| SimExtensionService {
                id: s.uuid.clone(),
                name: s.name.clone(),
                namespace: s.namespace.clone(),
                exchange: s.exchange.clone(),
                routing_key: s.routing_key.clone(),
                enabled: s.enabled,
                api_filters: s.filters.iter().map(|(_, pattern)| pattern.clone()).collect(),
            })
            .collect()
    }

    /// Declares another direct exchange on the simulated broker (`vcdext` always exists).
    pub fn declare_exchange(&self, name: &str) {
        let mut world = self.world();
        if !world.extensions.exchanges.iter().any(|e| e == name) {
            world.extensions.exchanges.push(name.to_owned());
        }
    }
}

impl Plugin {
    fn text(&self, key: &str) -> String {
        self.metadata.get(key).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned()
    }

    fn view(&self) -> SimUiPlugin {
        let mut tenants = self.tenants.clone();
        tenants.sort();
        SimUiPlugin {
            id: format!("urn:vcloud:uiPlugin:{}", self.uuid),
            name: self.text("pluginName"),
            vendor: self.text("vendor"),
            version: self.text("version"),
            description: self.text("description"),
            status: self.status.to_owned(),
            tenants,
            zip_size: self.zip.as_ref().map(Vec::len),
            zip_sha256: self.zip_sha256.clone(),
            uploads: self.uploads,
        }
    }
}
