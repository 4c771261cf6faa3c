//! Cost reports.

use serde::{Deserialize, Serialize};

/// How `GET …/showback/costs` groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CostGroupBy {
    #[default]
    Service,
    Resource,
    Day,
    Month,
}

/// Query of `GET …/showback/costs`: `from` and `to` are `YYYY-MM-DD`, `to` inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CostQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub group_by: Option<CostGroupBy>,
}

/// `{currency, from, to, total, groups}` with every amount a decimal string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostReport {
    pub currency: String,
    pub from: String,
    pub to: String,
    pub total: String,
    pub groups: Vec<CostGroup>,
}

/// One group of a cost report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostGroup {
    pub key: String,
    pub cost: String,
}
