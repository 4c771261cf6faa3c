//! UI plugins under the unversioned `/cloudapi/extensions/ui`: register the metadata, upload the
//! zip through the transfer link vCD hands out, wait until the plugin is `ready`, publish it to
//! tenants, update and delete it.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

use crate::error::from_status;
use crate::session::{Api, Call};
use crate::types::{EntityRef, uuid_of};
use crate::{VcdClient, VcdError};

const PLUGINS_PATH: &str = "/cloudapi/extensions/ui";

/// What vCD shows about a plugin; read from the zip's `manifest.json` when deploying.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UiPluginMetadata {
    pub plugin_name: String,
    pub vendor: String,
    #[serde(default)]
    pub description: String,
    pub version: String,
    #[serde(default)]
    pub license: String,
    #[serde(default)]
    pub link: String,
    #[serde(rename = "tenant_scoped", default)]
    pub tenant_scoped: bool,
    #[serde(rename = "provider_scoped", default)]
    pub provider_scoped: bool,
    #[serde(default)]
    pub enabled: bool,
}

/// A registered plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UiPlugin {
    /// `urn:vcloud:uiPlugin:<uuid>`.
    pub id: String,
    #[serde(flatten)]
    pub metadata: UiPluginMetadata,
    /// `unavailable` until a zip is uploaded and accepted, then `ready`.
    #[serde(rename = "plugin_status", default)]
    pub plugin_status: String,
    #[serde(default)]
    pub resource_path: Option<String>,
}

impl UiPlugin {
    pub fn is_ready(&self) -> bool {
        self.plugin_status == "ready"
    }
}

/// The body of `POST …/{id}/plugin`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UploadSpec<'a> {
    file_name: &'a str,
    size: usize,
    checksum: String,
    checksum_algo: &'static str,
}

impl VcdClient {
    /// Every registered UI plugin.
    pub async fn ui_plugins(&self) -> Result<Vec<UiPlugin>, VcdError> {
        self.execute(&Call::get(Api::Json, PLUGINS_PATH)).await?.json()
    }

    pub async fn ui_plugin(&self, id: &str) -> Result<UiPlugin, VcdError> {
        self.execute(&Call::get(Api::Json, plugin_path(id))).await?.json()
    }

    /// Registers a plugin (no zip yet: its status is `unavailable`).
    pub async fn create_ui_plugin(&self, metadata: &UiPluginMetadata) -> Result<UiPlugin, VcdError> {
        let call = Call::new(Method::POST, Api::Json, PLUGINS_PATH).body("application/json", to_json(metadata)?);
        self.execute(&call).await?.json()
    }

    /// Replaces a plugin's metadata.
    pub async fn update_ui_plugin(&self, id: &str, metadata: &UiPluginMetadata) -> Result<UiPlugin, VcdError> {
        let call = Call::new(Method::PUT, Api::Json, plugin_path(id)).body("application/json", to_json(metadata)?);
        self.execute(&call).await?.json()
    }

    /// Uploads the plugin's zip: asks for a transfer link (size and SHA-256 announced), then PUTs
    /// the bytes there. Replaces an earlier upload.
    pub async fn upload_ui_plugin(&self, id: &str, file_name: &str, zip: &[u8]) -> Result<(), VcdError> {
        let spec = UploadSpec { file_name, size: zip.len(), checksum: sha256_hex(zip), checksum_algo: "sha256" };
        let call = Call::new(Method::POST, Api::Json, format!("{}/plugin", plugin_path(id)))
            .body("application/json", to_json(&spec)?);
        let reply = self.execute(&call).await?;
        let link = reply.header("link").unwrap_or_default();
        let url = upload_link(link)
            .ok_or_else(|| VcdError::Protocol(format!("the upload answer has no upload:default link: {link:?}")))?;
        let url = self.same_host(&url);
        self.put_transfer(&url, zip).await
    }

    /// Polls the plugin until its status is `ready`, or fails after `timeout`.
    pub async fn wait_ui_plugin_ready(&self, id: &str, timeout: Duration) -> Result<UiPlugin, VcdError> {
        let deadline = Instant::now() + timeout;
        loop {
            let plugin = self.ui_plugin(id).await?;
            if plugin.is_ready() {
                return Ok(plugin);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(VcdError::Protocol(format!(
                    "UI plugin {id} is still '{}' after {} s",
                    plugin.plugin_status,
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(self.poll_interval.min(Duration::from_millis(500)).min(deadline - now)).await;
        }
    }

    /// The orgs the plugin is published to.
    pub async fn ui_plugin_tenants(&self, id: &str) -> Result<Vec<EntityRef>, VcdError> {
        let mut tenants = Vec::new();
        let mut page = 1;
        loop {
            let call = Call::get(Api::Json, format!("{}/tenants", plugin_path(id)))
                .query("page", page.to_string())
                .query("pageSize", "128");
            let value: Value = self.execute(&call).await?.json()?;
            // A paged list (`values`, `pageCount`); a plain array is read too.
            let (values, page_count) = match value {
                Value::Array(values) => (values, 1),
                Value::Object(mut fields) => {
                    let count = fields.get("pageCount").and_then(Value::as_u64).unwrap_or(1);
                    let values = match fields.remove("values") {
                        Some(Value::Array(values)) => values,
                        _ => Vec::new(),
                    };
                    (values, count)
                }
                _ => return Err(VcdError::Protocol("unreadable plugin tenant list".into())),
            };
            for value in values {
                tenants.push(
                    serde_json::from_value(value)
                        .map_err(|e| VcdError::Protocol(format!("unreadable tenant reference: {e}")))?,
                );
            }
            if page >= page_count {
                return Ok(tenants);
            }
            page += 1;
        }
    }

    /// Publishes the plugin to every tenant.
    pub async fn publish_ui_plugin_all(&self, id: &str) -> Result<(), VcdError> {
        self.execute(&Call::new(Method::POST, Api::Json, format!("{}/tenants/publishAll", plugin_path(id)))).await?;
        Ok(())
    }

    /// Publishes the plugin to these orgs (others keep their state).
    pub async fn publish_ui_plugin(&self, id: &str, orgs: &[EntityRef]) -> Result<(), VcdError> {
        let call = Call::new(Method::POST, Api::Json, format!("{}/tenants/publish", plugin_path(id)))
            .body("application/json", to_json(orgs)?);
        self.execute(&call).await?;
        Ok(())
    }

    /// Takes the plugin away from these orgs.
    pub async fn unpublish_ui_plugin(&self, id: &str, orgs: &[EntityRef]) -> Result<(), VcdError> {
        let call = Call::new(Method::POST, Api::Json, format!("{}/tenants/unpublish", plugin_path(id)))
            .body("application/json", to_json(orgs)?);
        self.execute(&call).await?;
        Ok(())
    }

    /// Takes the plugin away from every tenant.
    pub async fn unpublish_ui_plugin_all(&self, id: &str) -> Result<(), VcdError> {
        let path = format!("{}/tenants/unpublishAll", plugin_path(id));
        self.execute(&Call::new(Method::POST, Api::Json, path)).await?;
        Ok(())
    }

    pub async fn delete_ui_plugin(&self, id: &str) -> Result<(), VcdError> {
        self.execute(&Call::new(Method::DELETE, Api::Json, plugin_path(id))).await?;
        Ok(())
    }

    /// Every tenant org (`System` excluded) as `{name, id: urn:vcloud:org:…}`, from the query service.
    pub async fn tenant_orgs(&self) -> Result<Vec<EntityRef>, VcdError> {
        let records = self.query("organization", None).await?;
        Ok(records
            .into_iter()
            .filter_map(|mut r| {
                let href = r.remove("href")?;
                let name = r.remove("name")?;
                Some(EntityRef { id: format!("urn:vcloud:org:{}", uuid_of(&href)), name })
            })
            .filter(|org| !org.name.eq_ignore_ascii_case("System"))
            .collect())
    }

    /// vCD may name itself by another host than the one we reach it at (a load balancer, a proxy);
    /// transfer links keep their path and go to the configured base URL.
    fn same_host(&self, url: &str) -> String {
        let path = url.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]));
        match path {
            Some(path) => format!("{}{path}", self.endpoint().url),
            None => url.to_owned(),
        }
    }

    /// `PUT`s the zip to a transfer URL with the session token; logs in once more on 401.
    async fn put_transfer(&self, url: &str, zip: &[u8]) -> Result<(), VcdError> {
        let mut retried = false;
        loop {
            let token = self.session_token().await?;
            let mut request = self.inner.http.put(url).header(CONTENT_TYPE, "application/zip").body(zip.to_vec());
            request = if token.len() > 32 {
                request.header(AUTHORIZATION, format!("Bearer {token}"))
            } else {
                request.header("x-vcloud-authorization", token)
            };
            let response = request.send().await.map_err(|e| VcdError::Unreachable(e.to_string()))?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !retried {
                retried = true;
                self.login().await?;
                continue;
            }
            if status.is_success() {
                return Ok(());
            }
            let body = response.text().await.unwrap_or_default();
            return Err(from_status(status.as_u16(), &body));
        }
    }

    /// The current session token, logging in first if there is none.
    async fn session_token(&self) -> Result<String, VcdError> {
        if let Some(token) = self.inner.token.lock().await.clone() {
            return Ok(token);
        }
        self.login().await?;
        self.inner.token.lock().await.clone().ok_or(VcdError::Unauthorized)
    }
}

fn plugin_path(id: &str) -> String {
    format!("{PLUGINS_PATH}/{id}")
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, VcdError> {
    serde_json::to_string(value).map_err(|e| VcdError::Protocol(e.to_string()))
}

/// The URL of the `rel="upload:default"` entry of a `Link` header.
pub(crate) fn upload_link(header: &str) -> Option<String> {
    header.split(',').find_map(|entry| {
        let (target, params) = entry.trim().strip_prefix('<')?.split_once('>')?;
        let rel = params.split(';').filter_map(|p| p.trim().strip_prefix("rel=")).next()?;
        (rel.trim_matches('"') == "upload:default").then(|| target.to_owned())
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_upload_link_among_others() {
        let header = r#"<https://vcd/cloudapi/extensions/ui/x>;rel="up", <https://vcd/transfer/ab-12/plugin.zip>;rel="upload:default";type="application/octet-stream""#;
        assert_eq!(upload_link(header).as_deref(), Some("https://vcd/transfer/ab-12/plugin.zip"));
        assert_eq!(upload_link("<https://vcd/x>;rel=\"down\""), None);
    }

    #[test]
    fn metadata_uses_vcd_field_names() {
        let metadata = UiPluginMetadata {
            plugin_name: "Stratus".into(),
            vendor: "Stratus".into(),
            version: "0.1.0".into(),
            tenant_scoped: true,
            ..UiPluginMetadata::default()
        };
        let json = serde_json::to_value(&metadata).unwrap();
        assert_eq!(json["pluginName"], "Stratus");
        assert_eq!(json["tenant_scoped"], true);
        let plugin: UiPlugin = serde_json::from_value(serde_json::json!({
            "id": "urn:vcloud:uiPlugin:1", "pluginName": "Stratus", "vendor": "Stratus", "version": "0.1.0",
            "plugin_status": "ready", "resourcePath": "urn:vcloud:uiPlugin:1/abc"
        }))
        .unwrap();
        assert!(plugin.is_ready());
        assert_eq!(plugin.metadata.plugin_name, "Stratus");
    }

    #[test]
    fn sha256_is_lowercase_hex() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
