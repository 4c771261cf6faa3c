//! Content packages: export, plan, apply, releases, rollback and drift of an org, or of the
//! provider's own content.

use api_types::{ApplyResult, Drift, ExportElement, ListResponse, PackagePlan, PackageSource, Release};
use gloo_net::http::Method;

use super::{ApiClient, ApiError, checked, json_of, send};
use crate::logic::urls::{self, PackageScope};

impl ApiClient {
    /// `GET …/packages/export[?functions=…]`: the archive's bytes.
    pub async fn export_package(&self, scope: &PackageScope, names: &[String]) -> Result<Vec<u8>, ApiError> {
        let url = urls::packages_export(&self.base, scope, names);
        let request = self.request(Method::GET, &url).build().map_err(|e| ApiError::network(e.to_string()))?;
        let response = checked(send(request).await?).await?;
        response.binary().await.map_err(|e| ApiError::network(e.to_string()))
    }

    /// `GET …/packages/export/elements`: what a full export holds, and why.
    pub async fn export_elements(&self, org: &str) -> Result<ListResponse<ExportElement>, ApiError> {
        self.get(&urls::packages(&self.base, &PackageScope::Org(org.to_owned()), "export/elements")).await
    }

    /// `POST …/packages/plan` with an archive the user picked.
    pub async fn plan_package(&self, scope: &PackageScope, archive: &web_sys::File) -> Result<PackagePlan, ApiError> {
        self.send_file(&urls::packages(&self.base, scope, "plan"), archive).await
    }

    /// `POST …/packages/apply?plan=…[&select=…]` with the same archive.
    pub async fn apply_package(
        &self,
        scope: &PackageScope,
        archive: &web_sys::File,
        fingerprint: &str,
        select: Option<&str>,
    ) -> Result<ApplyResult, ApiError> {
        self.send_file(&urls::packages_apply(&self.base, scope, None, fingerprint, select), archive).await
    }

    /// `GET …/packages/sources`: the instances this org can pull from.
    pub async fn package_sources(&self, org: &str) -> Result<ListResponse<PackageSource>, ApiError> {
        self.get(&urls::packages(&self.base, &PackageScope::Org(org.to_owned()), "sources")).await
    }

    /// `POST …/packages/sources/{name}/plan`: the org's export at that source, planned here.
    pub async fn plan_source(&self, org: &str, source: &str) -> Result<PackagePlan, ApiError> {
        let path = format!("sources/{}/plan", urls::encode_segment(source));
        let url = urls::packages(&self.base, &PackageScope::Org(org.to_owned()), &path);
        self.send_json(Method::POST, &url, &serde_json::json!({})).await
    }

    /// `POST …/packages/sources/{name}/apply?plan=…[&select=…]`.
    pub async fn apply_source(
        &self,
        org: &str,
        source: &str,
        fingerprint: &str,
        select: Option<&str>,
    ) -> Result<ApplyResult, ApiError> {
        let url =
            urls::packages_apply(&self.base, &PackageScope::Org(org.to_owned()), Some(source), fingerprint, select);
        self.send_json(Method::POST, &url, &serde_json::json!({})).await
    }

    /// `GET …/packages/releases`, newest first.
    pub async fn releases(&self, scope: &PackageScope) -> Result<ListResponse<Release>, ApiError> {
        self.get(&urls::packages(&self.base, scope, "releases")).await
    }

    /// `GET …/packages/drift`.
    pub async fn drift(&self, scope: &PackageScope) -> Result<ListResponse<Drift>, ApiError> {
        self.get(&urls::packages(&self.base, scope, "drift")).await
    }

    /// `POST …/packages/releases/{number}/rollback`.
    pub async fn rollback_release(&self, scope: &PackageScope, number: i64) -> Result<ApplyResult, ApiError> {
        let url = urls::packages_rollback(&self.base, scope, number);
        self.send_json(Method::POST, &url, &serde_json::json!({})).await
    }

    async fn send_file<T: serde::de::DeserializeOwned>(&self, url: &str, file: &web_sys::File) -> Result<T, ApiError> {
        let request = self
            .request(Method::POST, url)
            .header("Content-Type", "application/octet-stream")
            .body(wasm_bindgen::JsValue::from(file.clone()))
            .map_err(|e| ApiError::network(e.to_string()))?;
        json_of(checked(send(request).await?).await?).await
    }
}
