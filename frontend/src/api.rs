//! The one client of the Stratus HTTP API. Every call sends the bearer token and turns any
//! failure into an [`ApiError`].

use api_types::{AutoscaleRuleSummary, CostReport, FunctionSummary, ListResponse, Me};
use gloo_net::http::Request;
use serde::de::DeserializeOwned;

use crate::logic::date::DateRange;
use crate::logic::urls;

pub use crate::logic::api_error::ApiError;

/// A client for one API base and token; cheap to clone into each page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    base: String,
    token: String,
}

impl ApiClient {
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        Self { base: base.into(), token: token.into() }
    }

    /// `GET /api/me`.
    pub async fn me(&self) -> Result<Me, ApiError> {
        self.get(&urls::me(&self.base)).await
    }

    /// `GET /api/org/{org}/functions`.
    pub async fn functions(&self, org: &str) -> Result<ListResponse<FunctionSummary>, ApiError> {
        self.get(&urls::functions(&self.base, org)).await
    }

    /// `GET /api/org/{org}/autoscale/rules`.
    pub async fn autoscale_rules(&self, org: &str) -> Result<ListResponse<AutoscaleRuleSummary>, ApiError> {
        self.get(&urls::autoscale_rules(&self.base, org)).await
    }

    /// `GET /api/org/{org}/showback/costs` grouped by service, `range` inclusive.
    pub async fn costs_by_service(&self, org: &str, range: DateRange) -> Result<CostReport, ApiError> {
        self.get(&urls::costs_by_service(&self.base, org, range)).await
    }

    async fn get<T: DeserializeOwned>(&self, url: &str) -> Result<T, ApiError> {
        let response = Request::get(url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| ApiError::network(e.to_string()))?;
        let status = response.status();
        if !response.ok() {
            // An unreadable body still leaves the status to report.
            let body = response.text().await.unwrap_or_default();
            return Err(ApiError::from_response(status, &response.status_text(), &body));
        }
        response.json().await.map_err(|e| ApiError::unexpected_body(status, e.to_string()))
    }
}
