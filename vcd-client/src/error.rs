//! The client's one error type and the decoding of vCD's error bodies.

use serde::{Deserialize, Serialize};

/// Everything a vCD call can fail with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum VcdError {
    /// The connection failed or timed out before vCD answered.
    #[error("vCD is unreachable: {0}")]
    Unreachable(String),
    /// The credentials (or the caller's token) were refused, also after one fresh login.
    #[error("vCD refused the credentials")]
    Unauthorized,
    /// No such entity, or one the session may not see (vCD answers 403 for those).
    #[error("not found in vCD: {0}")]
    NotFound(String),
    /// vCD answered with an error status; `message` comes from its `<Error>` XML or JSON error.
    #[error("vCD rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    /// A task ended in `error` or `aborted`.
    #[error("vCD task failed: {message}")]
    TaskFailed { message: String },
    /// A task did not finish within the given timeout.
    #[error("timed out waiting for a vCD task")]
    TaskTimeout,
    /// The vCD release is too old for what was asked (see `versions`).
    #[error("{0}")]
    TooOld(String),
    /// vCD answered with something this client cannot read.
    #[error("unexpected answer from vCD: {0}")]
    Protocol(String),
}

/// The minor error code vCD uses for entities that do not exist or are not visible to the session.
const FORBIDDEN_ENTITY: &str = "ACCESS_TO_RESOURCE_IS_FORBIDDEN";

/// Turns a non-success answer into a [`VcdError`].
pub(crate) fn from_status(status: u16, body: &str) -> VcdError {
    let detail = ErrorDetail::parse(body);
    let message = detail.message.unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        401 => VcdError::Unauthorized,
        404 => VcdError::NotFound(message),
        403 if detail.minor_code.as_deref() == Some(FORBIDDEN_ENTITY) => VcdError::NotFound(message),
        _ => VcdError::Rejected { status, message },
    }
}

/// What an error body says, whichever of vCD's shapes it has.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ErrorDetail {
    pub message: Option<String>,
    pub minor_code: Option<String>,
}

impl ErrorDetail {
    /// Reads `<Error message=… minorErrorCode=…/>` (vCD API), `<error><details>…` (NSX-V proxy) or
    /// `{"message": …, "minorErrorCode": …}` (cloudapi).
    pub fn parse(body: &str) -> ErrorDetail {
        let trimmed = body.trim_start();
        if trimmed.starts_with('<') {
            let Ok(doc) = roxmltree::Document::parse(trimmed) else { return ErrorDetail::default() };
            let root = doc.root_element();
            return match root.tag_name().name() {
                "Error" => ErrorDetail {
                    message: root.attribute("message").map(str::to_owned),
                    minor_code: root.attribute("minorErrorCode").map(str::to_owned),
                },
                "error" => ErrorDetail {
                    message: crate::xml::child_text(root, "details"),
                    minor_code: crate::xml::child_text(root, "errorCode"),
                },
                _ => ErrorDetail::default(),
            };
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) else { return ErrorDetail::default() };
        let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        ErrorDetail { message: text("message"), minor_code: text("minorErrorCode") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcd_error_xml_gives_its_message() {
        let body = r#"<?xml version="1.0"?><Error xmlns="http://www.vmware.com/vcloud/v1.5"
            majorErrorCode="400" minorErrorCode="BAD_REQUEST" message="no such template"/>"#;
        assert_eq!(from_status(400, body), VcdError::Rejected { status: 400, message: "no such template".into() });
    }

    #[test]
    fn forbidden_entity_reads_as_not_found() {
        let body = r#"{"majorErrorCode":403,"minorErrorCode":"ACCESS_TO_RESOURCE_IS_FORBIDDEN","message":"nope"}"#;
        assert_eq!(from_status(403, body), VcdError::NotFound("nope".into()));
    }

    #[test]
    fn nsx_error_uses_details() {
        let body = "<error><details>pool missing</details><errorCode>14000</errorCode></error>";
        assert_eq!(from_status(400, body), VcdError::Rejected { status: 400, message: "pool missing".into() });
    }

    #[test]
    fn unreadable_body_falls_back_to_status() {
        assert_eq!(from_status(500, "oops"), VcdError::Rejected { status: 500, message: "HTTP 500".into() });
        assert_eq!(from_status(401, ""), VcdError::Unauthorized);
    }
}
