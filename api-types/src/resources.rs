//! List rows of the tenant resources.

use serde::{Deserialize, Serialize};

/// Every list endpoint answers `{"items": […]}` so fields can be added beside the items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListResponse<T> {
    pub items: Vec<T>,
}

/// One row of `GET /api/org/{org}/functions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionSummary {
    pub name: String,
    pub runtime: String,
    /// The route segment, e.g. `hello`.
    pub route: String,
    /// The full path it answers on: `/api/org/{org}/{route}`.
    pub path: String,
    pub status: crate::VersionStatus,
    pub version: i64,
    pub active_version: Option<i64>,
    pub updated_at: String,
}
