//! Health and readiness.

use serde::{Deserialize, Serialize};

/// `GET /healthz` and `GET /readyz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: String,
    pub version: String,
    /// `sqlite` or `postgres`; only on `/readyz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}
