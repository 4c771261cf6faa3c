//! Installing Stratus into vCD (`stratus vcd deploy|undeploy`): upload the UI plugin and publish
//! it to tenants, and register how vCD routes the UI's API calls to the backend — an HTTP external
//! endpoint with an `/ext-api` API filter, or a legacy AMQP extension service with its URL
//! patterns. Every step is idempotent: deploying again upgrades in place (same ids, nothing
//! duplicated) and undeploying what is not there reports that there is nothing to remove.
//!
//! The UI relies on the routing conventions fixed here: `/ext-api/stratus/…` reaches
//! `<rootUrl>/…` (ext-api), and `/api/stratus/…` reaches the AMQP bridge, which strips
//! `/api/stratus` (amqp).

mod package;
mod plugin;
mod routing;
mod trust;

use vcd_client::{Family, VcdClient, VcdEndpoint, VcdError};

pub use self::package::{Manifest, PluginPackage, Portal};

/// Name and vendor of the external endpoint; name and namespace of the extension service.
pub const EXTENSION_NAME: &str = "stratus";
/// The external endpoint's version: this build's version.
pub const ENDPOINT_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The endpoint's API filter (scope `EXT_API`, so it matches `/ext-api/stratus/…`).
pub const EXT_API_PATTERN: &str = "/stratus/.*";
pub const EXT_API_SCOPE: &str = "EXT_API";
/// The extension service's API filter.
pub const AMQP_PATTERN: &str = "/api/stratus/.*";
/// The plugin `undeploy` looks for when no zip names it (the plugin-manifest template's).
pub const PLUGIN_NAME: &str = "Stratus";
pub const PLUGIN_VENDOR: &str = "Stratus";
/// How long vCD may take to accept an uploaded zip.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// What to deploy and how.
#[derive(Debug, Clone)]
pub struct Plan {
    /// A plugin zip, or a directory of them (one per portal generation): deploy picks the one
    /// the vCD's portal hosts ([`Portal`]).
    pub plugin: std::path::PathBuf,
    pub tenants: Tenants,
    pub routing: Routing,
    /// With `/ext-api` routing: register the certificate the endpoint presents as trusted.
    pub trust_cert: bool,
}

/// Which tenants see the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenants {
    All,
    /// Exactly these orgs (by name); others it was published to lose it.
    Only(Vec<String>),
}

impl Tenants {
    /// `all` or a comma-separated list of org names.
    pub fn parse(text: &str) -> Result<Tenants, DeployError> {
        if text.trim().eq_ignore_ascii_case("all") {
            return Ok(Tenants::All);
        }
        let names: Vec<String> = text.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
        if names.is_empty() {
            return Err(DeployError::Invalid("--tenants must be 'all' or a comma-separated list of org names".into()));
        }
        Ok(Tenants::Only(names))
    }
}

/// How vCD routes the UI's API calls to the Stratus backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routing {
    /// An HTTP external endpoint at `root_url` (HTTPS) with an `EXT_API` filter.
    ExtApi { root_url: String },
    /// A legacy AMQP extension service publishing to `exchange` with `routing_key`.
    Amqp { exchange: String, routing_key: String },
}

impl Routing {
    /// An external endpoint; vCD proxies only to HTTPS URLs.
    pub fn ext_api(root_url: &str) -> Result<Routing, DeployError> {
        let root_url = root_url.trim().trim_end_matches('/');
        if !root_url.starts_with("https://") || root_url.len() <= "https://".len() {
            return Err(DeployError::Invalid(format!(
                "the endpoint URL must be an https:// URL (vCD proxies only to HTTPS), not '{root_url}'"
            )));
        }
        Ok(Routing::ExtApi { root_url: root_url.to_owned() })
    }
}

/// Reports each finished step, e.g. `logged in as administrator@System`.
pub trait Progress {
    fn step(&mut self, message: &str);
}

impl<F: FnMut(&str)> Progress for F {
    fn step(&mut self, message: &str) {
        self(message);
    }
}

/// Why a deployment stopped; the message says which step and why, on one line.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// Bad arguments or an unusable plugin zip.
    #[error("{0}")]
    Invalid(String),
    #[error("cannot log in to {url} as {user}: {error}")]
    Login { url: String, user: String, error: VcdError },
    /// The vCD release cannot do what was asked (too old an API version).
    #[error("{0}")]
    Unsupported(VcdError),
    /// A vCD call failed; `step` says what was being done.
    #[error("{step}: {error}")]
    Vcd { step: String, error: VcdError },
}

/// Adds the step to a vCD error.
trait During<T> {
    fn during(self, step: impl FnOnce() -> String) -> Result<T, DeployError>;
}

impl<T> During<T> for Result<T, VcdError> {
    fn during(self, step: impl FnOnce() -> String) -> Result<T, DeployError> {
        self.map_err(|error| DeployError::Vcd { step: step(), error })
    }
}

/// A client for `url` as `user` (`user@org`; a bare name means `user@System`), sending
/// `api_version` when it is not empty, else negotiating the version with vCD.
pub fn connect(url: &str, user: &str, password: &str, api_version: &str) -> Result<VcdClient, DeployError> {
    let (name, org) = user.rsplit_once('@').unwrap_or((user, "System"));
    if name.is_empty() || org.is_empty() {
        return Err(DeployError::Invalid(format!("--user '{user}' must be user or user@org")));
    }
    if !url.starts_with("https://") && !url.starts_with("http://") {
        return Err(DeployError::Invalid(format!(
            "--url '{url}' must be the vCD base URL, e.g. https://vcd.example.com"
        )));
    }
    let endpoint = VcdEndpoint { api_version: api_version.to_owned(), ..VcdEndpoint::new(url, name, org, password) };
    VcdClient::new(endpoint).map_err(|error| DeployError::Invalid(format!("cannot use --url '{url}': {error}")))
}

/// Uploads and publishes the plugin and registers the routing; upgrades what is already there.
pub async fn deploy(client: &VcdClient, plan: &Plan, progress: &mut dyn Progress) -> Result<(), DeployError> {
    login(client, progress).await?;
    // A vCD too old for the routing, or an endpoint whose certificate cannot be read, is refused
    // before anything changes.
    let mut chain = None;
    if let Routing::ExtApi { root_url } = &plan.routing {
        let version = client.api_version(Family::ExternalEndpoints).await.map_err(DeployError::Unsupported)?;
        progress.step(&format!("vCD speaks API {version} for /ext-api routing"));
        if plan.trust_cert {
            chain = Some(trust::presented(root_url).await?);
        }
    }
    let newest = client.newest_supported().await.during(|| "asking vCD for its API versions".to_owned())?;
    let portal = Portal::of(newest)?;
    let package = PluginPackage::for_portal(&plan.plugin, portal)?;
    progress.step(&format!(
        "vCD speaks up to API {newest}: its portal is {}, so {}",
        portal.describe(),
        package.file_name()
    ));
    let tenants = plugin::resolve_tenants(client, &plan.tenants).await?;
    let plugin_id = plugin::install(client, &package, READY_TIMEOUT, progress).await?;
    plugin::publish(client, &plugin_id, tenants.as_deref(), progress).await?;
    match &plan.routing {
        Routing::ExtApi { root_url } => {
            match &chain {
                Some(chain) => trust::register(client, root_url, chain, progress).await?,
                None => progress.step(&trust::manual_step(root_url)),
            }
            routing::ensure_endpoint(client, root_url, progress).await?;
            routing::remove_service(client, progress).await?;
        }
        Routing::Amqp { exchange, routing_key } => {
            routing::ensure_service(client, exchange, routing_key, progress).await?;
            routing::remove_endpoints(client, progress).await?;
        }
    }
    let manifest = &package.manifest;
    progress.step(&format!("{} {} is deployed", manifest.name, manifest.version));
    Ok(())
}

/// Removes the plugin named `plugin_name` by `vendor` (unpublished, then deleted), the external
/// endpoint with its API filters, and the extension service.
pub async fn undeploy(
    client: &VcdClient,
    plugin_name: &str,
    vendor: &str,
    progress: &mut dyn Progress,
) -> Result<(), DeployError> {
    login(client, progress).await?;
    let mut removed = plugin::remove(client, plugin_name, vendor, progress).await?;
    removed += routing::remove_endpoints(client, progress).await?;
    removed += routing::remove_service(client, progress).await?;
    if removed == 0 {
        progress.step("nothing to remove: Stratus is not deployed");
    } else {
        progress.step("Stratus is removed");
    }
    Ok(())
}

async fn login(client: &VcdClient, progress: &mut dyn Progress) -> Result<(), DeployError> {
    let endpoint = client.endpoint();
    let user = format!("{}@{}", endpoint.user, endpoint.org);
    client.login().await.map_err(|error| DeployError::Login {
        url: endpoint.url.clone(),
        user: user.clone(),
        error,
    })?;
    progress.step(&format!("logged in as {user}"));
    Ok(())
}

/// `123 KB`, `4.2 MB`.
pub fn human_size(bytes: usize) -> String {
    const KB: usize = 1024;
    if bytes >= KB * KB {
        // Display only: the precision of f64 is ample for a file size.
        #[expect(clippy::cast_precision_loss)]
        let megabytes = bytes as f64 / (KB * KB) as f64;
        format!("{megabytes:.1} MB")
    } else {
        format!("{} KB", bytes.div_ceil(KB).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_parse_all_or_a_list() {
        assert_eq!(Tenants::parse("all").unwrap(), Tenants::All);
        assert_eq!(Tenants::parse(" acme, globex ,").unwrap(), Tenants::Only(vec!["acme".into(), "globex".into()]));
        assert!(Tenants::parse(" , ").is_err());
    }

    #[test]
    fn the_endpoint_url_must_be_https() {
        assert_eq!(
            Routing::ext_api("https://stratus.example.com/").unwrap(),
            Routing::ExtApi { root_url: "https://stratus.example.com".into() }
        );
        assert!(Routing::ext_api("http://stratus.example.com").is_err());
        assert!(Routing::ext_api("https://").is_err());
    }

    #[test]
    fn users_default_to_the_system_org() {
        assert_eq!(connect("https://vcd", "administrator", "x", "").unwrap().endpoint().org, "System");
        assert_eq!(connect("https://vcd", "admin@acme", "x", "").unwrap().endpoint().org, "acme");
        assert_eq!(connect("https://vcd", "admin", "x", "38.1").unwrap().endpoint().api_version, "38.1");
        assert!(connect("https://vcd", "admin", "x", "latest").is_err());
        assert!(connect("https://vcd", "@System", "x", "").is_err());
        assert!(connect("vcd.example.com", "administrator", "x", "").is_err());
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(10), "1 KB");
        assert_eq!(human_size(125_000), "123 KB");
        assert_eq!(human_size(5 * 1024 * 1024 + 300_000), "5.3 MB");
    }
}
