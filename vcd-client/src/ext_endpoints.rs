//! HTTP external endpoints (`/cloudapi/1.0.0/externalEndpoints`, vCD 10.4+) and the API filters
//! that route `/ext-api/…` (and `/ext-ui/…`) requests to them (`/cloudapi/1.0.0/apiFilters`).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::session::{Api, Call};
use crate::types::EntityRef;
use crate::{VcdClient, VcdError};

const ENDPOINTS_PATH: &str = "/cloudapi/1.0.0/externalEndpoints";
const FILTERS_PATH: &str = "/cloudapi/1.0.0/apiFilters";

/// An external endpoint: vCD proxies matching requests to `root_url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalEndpoint {
    /// `urn:vcloud:extensionEndpoint:<vendor>:<name>:<version>`; empty before creation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// HTTPS, with a certificate the System org trusts.
    pub root_url: String,
}

/// Routes requests whose path matches `url_matcher` to `external_system`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiFilter {
    /// `urn:vcloud:apiFilter:<uuid>`; empty before creation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub external_system: EntityRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_matcher: Option<UrlMatcher>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlMatcher {
    /// A Java regex relative to the scope's prefix; endpoint patterns end with `.*`.
    pub url_pattern: String,
    /// `API`, `EXT_API`, `EXT_UI_PROVIDER` or `EXT_UI_TENANT`.
    pub url_scope: String,
}

impl VcdClient {
    pub async fn external_endpoints(&self) -> Result<Vec<ExternalEndpoint>, VcdError> {
        decode_all(self.cloudapi_pages(ENDPOINTS_PATH, None).await?, "external endpoint")
    }

    pub async fn create_external_endpoint(&self, endpoint: &ExternalEndpoint) -> Result<ExternalEndpoint, VcdError> {
        let call = Call::new(Method::POST, Api::Json, ENDPOINTS_PATH).body("application/json", to_json(endpoint)?);
        self.execute(&call).await?.json()
    }

    /// Replaces an endpoint (found by its `id`); name, vendor and version cannot change.
    pub async fn update_external_endpoint(&self, endpoint: &ExternalEndpoint) -> Result<ExternalEndpoint, VcdError> {
        let call = Call::new(Method::PUT, Api::Json, format!("{ENDPOINTS_PATH}/{}", endpoint.id))
            .body("application/json", to_json(endpoint)?);
        self.execute(&call).await?.json()
    }

    /// Deletes an endpoint, disabling it first (vCD refuses to delete an enabled one).
    pub async fn delete_external_endpoint(&self, endpoint: &ExternalEndpoint) -> Result<(), VcdError> {
        if endpoint.enabled {
            self.update_external_endpoint(&ExternalEndpoint { enabled: false, ..endpoint.clone() }).await?;
        }
        self.execute(&Call::new(Method::DELETE, Api::Json, format!("{ENDPOINTS_PATH}/{}", endpoint.id))).await?;
        Ok(())
    }

    pub async fn api_filters(&self) -> Result<Vec<ApiFilter>, VcdError> {
        decode_all(self.cloudapi_pages(FILTERS_PATH, None).await?, "API filter")
    }

    pub async fn create_api_filter(&self, filter: &ApiFilter) -> Result<ApiFilter, VcdError> {
        let call = Call::new(Method::POST, Api::Json, FILTERS_PATH).body("application/json", to_json(filter)?);
        self.execute(&call).await?.json()
    }

    pub async fn update_api_filter(&self, filter: &ApiFilter) -> Result<ApiFilter, VcdError> {
        let call = Call::new(Method::PUT, Api::Json, format!("{FILTERS_PATH}/{}", filter.id))
            .body("application/json", to_json(filter)?);
        self.execute(&call).await?.json()
    }

    pub async fn delete_api_filter(&self, id: &str) -> Result<(), VcdError> {
        self.execute(&Call::new(Method::DELETE, Api::Json, format!("{FILTERS_PATH}/{id}"))).await?;
        Ok(())
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, VcdError> {
    serde_json::to_string(value).map_err(|e| VcdError::Protocol(e.to_string()))
}

pub(crate) fn decode_all<T: serde::de::DeserializeOwned>(
    values: Vec<serde_json::Value>,
    what: &str,
) -> Result<Vec<T>, VcdError> {
    values
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(|e| VcdError::Protocol(format!("unreadable {what}: {e}"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_filter_has_no_id_field() {
        let filter = ApiFilter {
            id: String::new(),
            external_system: EntityRef { name: "stratus".into(), id: "urn:vcloud:extensionEndpoint:s:s:1".into() },
            url_matcher: Some(UrlMatcher { url_pattern: "/stratus/.*".into(), url_scope: "EXT_API".into() }),
        };
        let json = serde_json::to_value(&filter).unwrap();
        assert!(json.get("id").is_none());
        assert_eq!(json["urlMatcher"]["urlScope"], "EXT_API");
        assert_eq!(json["externalSystem"]["name"], "stratus");
    }
}
