//! Why an autoscale request failed; the HTTP layer gives each variant its status.

use api_types::ErrorDetail;

use super::vcd::VcdFault;

/// Why an autoscale request failed.
#[derive(Debug, thiserror::Error)]
pub enum AutoscaleError {
    #[error("{0}")]
    NotFound(String),
    #[error("invalid rule")]
    Invalid(Vec<ErrorDetail>),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error(transparent)]
    Vcd(#[from] VcdFault),
    #[error("database: {0}")]
    Store(#[from] sqlx::Error),
}
