//! The one error shape every non-2xx response carries.

use serde::{Deserialize, Serialize};

/// `{"error": {"code", "message", "details"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorInfo,
}

/// A stable machine-readable `code`, a sentence for people, and per-field details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorInfo {
    /// One of the codes documented in ARCHITECTURE.md (`not_found`, `validation_failed`, …).
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
}

/// What is wrong with one field (and, for file imports, on which line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub reason: String,
}

impl ErrorDetail {
    /// A detail about one named field.
    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: Some(field.into()), line: None, reason: reason.into() }
    }
}
