//! Health and readiness.

use serde::{Deserialize, Serialize};

/// `GET /healthz` and `GET /readyz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`; on `/readyz` also `degraded` (200: the replica serves, but its caches fall back to
    /// a short TTL because the cache-coherence channel is down), `draining` (503: the replica is
    /// stopping) or `unavailable` (503: the database does not answer).
    pub status: String,
    pub version: String,
    /// `sqlite` or `postgres`; only on `/readyz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// This replica's id (`rep_…`); only on `/readyz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica: Option<String>,
}
