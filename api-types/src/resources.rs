//! List rows of the tenant resources: functions and autoscale rules.

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
    /// `initializing`, `ready` or `failed`.
    pub status: String,
    pub version: i64,
    pub active_version: Option<i64>,
    pub updated_at: String,
}

/// One row of `GET /api/org/{org}/autoscale/rules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoscaleRuleSummary {
    pub id: String,
    pub name: String,
    pub vapp: String,
    pub enabled: bool,
    pub current_vms: i64,
    pub min_vms: i64,
    pub max_vms: i64,
    pub last_action: Option<String>,
}
