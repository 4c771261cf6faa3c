//! The typed error every failed API call turns into, whatever went wrong.

use std::fmt;

use api_types::{ErrorBody, ErrorDetail};

/// A failed API call: the server's `{"error": {…}}` body, or a stand-in built from the HTTP
/// status or the network failure, so the UI always has a code, a message and details.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status, or 0 when no response arrived.
    pub status: u16,
    pub code: String,
    pub message: String,
    pub details: Vec<ErrorDetail>,
}

impl ApiError {
    /// From a non-2xx response: its JSON error body when it has that shape, else the status.
    pub fn from_response(status: u16, status_text: &str, body: &str) -> Self {
        if let Ok(ErrorBody { error }) = serde_json::from_str::<ErrorBody>(body) {
            return Self { status, code: error.code, message: error.message, details: error.details };
        }
        let message = match status_text.trim() {
            "" => format!("The server answered HTTP {status}"),
            text => text.to_owned(),
        };
        let body = body.trim();
        let details = if body.is_empty() {
            Vec::new()
        } else {
            let reason: String = body.chars().take(300).collect();
            vec![ErrorDetail { field: None, line: None, reason }]
        };
        Self { status, code: format!("http_{status}"), message, details }
    }

    /// The request never got an answer (server down, CORS, offline).
    pub fn network(reason: impl Into<String>) -> Self {
        Self {
            status: 0,
            code: "network_error".to_owned(),
            message: "Could not reach the Stratus API".to_owned(),
            details: vec![ErrorDetail { field: None, line: None, reason: reason.into() }],
        }
    }

    /// A 2xx answer whose body is not what this UI expects (usually a version mismatch).
    pub fn unexpected_body(status: u16, reason: impl Into<String>) -> Self {
        Self {
            status,
            code: "unexpected_response".to_owned(),
            message: "The Stratus API sent a response this page does not understand".to_owned(),
            details: vec![ErrorDetail { field: None, line: None, reason: reason.into() }],
        }
    }

    /// The token is missing, wrong or expired.
    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// `name: must not be empty`, `line 3: unknown key` or `code (line 3): …`.
pub fn describe_detail(detail: &ErrorDetail) -> String {
    match (&detail.field, detail.line) {
        (Some(field), Some(line)) => format!("{field} (line {line}): {}", detail.reason),
        (Some(field), None) => format!("{field}: {}", detail.reason),
        (None, Some(line)) => format!("line {line}: {}", detail.reason),
        (None, None) => detail.reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_error_body_is_kept() {
        let body = r#"{"error":{"code":"validation_failed","message":"Bad input",
            "details":[{"field":"name","reason":"must not be empty"},{"line":3,"reason":"x"}]}}"#;
        let err = ApiError::from_response(422, "Unprocessable Entity", body);
        assert_eq!(err.status, 422);
        assert_eq!(err.code, "validation_failed");
        assert_eq!(err.message, "Bad input");
        assert_eq!(err.details.len(), 2);
        assert_eq!(describe_detail(&err.details[0]), "name: must not be empty");
        assert_eq!(describe_detail(&err.details[1]), "line 3: x");
    }

    #[test]
    fn a_body_without_details_has_none() {
        let body = r#"{"error":{"code":"not_found","message":"No such org"}}"#;
        let err = ApiError::from_response(404, "Not Found", body);
        assert_eq!(err.code, "not_found");
        assert!(err.details.is_empty());
    }

    #[test]
    fn other_bodies_fall_back_to_the_status() {
        let err = ApiError::from_response(502, "Bad Gateway", "<html>upstream down</html>");
        assert_eq!(err.code, "http_502");
        assert_eq!(err.message, "Bad Gateway");
        assert_eq!(err.details[0].reason, "<html>upstream down</html>");

        let err = ApiError::from_response(500, "", "");
        assert_eq!(err.message, "The server answered HTTP 500");
        assert!(err.details.is_empty());

        let err = ApiError::from_response(400, "Bad Request", r#"{"message":"other shape"}"#);
        assert_eq!(err.code, "http_400");
    }

    #[test]
    fn only_401_means_unauthorized() {
        assert!(ApiError::from_response(401, "Unauthorized", "").is_unauthorized());
        assert!(!ApiError::from_response(403, "Forbidden", "").is_unauthorized());
        assert!(!ApiError::network("offline").is_unauthorized());
    }

    #[test]
    fn details_with_field_and_line_name_both() {
        let detail = ErrorDetail { field: Some("code".into()), line: Some(7), reason: "bad".into() };
        assert_eq!(describe_detail(&detail), "code (line 7): bad");
    }
}
