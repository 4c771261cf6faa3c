//! The one error type at the HTTP edge.
//!
//! Every non-2xx answer is `{"error": {"code", "message", "details"}}`. The codes are stable and
//! listed in ARCHITECTURE.md. Internal errors are logged with their cause; the client gets a
//! generic message.

use api_types::{ErrorBody, ErrorDetail, ErrorInfo};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use sandbox::InvokeError;
use stratus_core::auth::AuthError;
use stratus_core::autoscale::AutoscaleError;
use stratus_core::autoscale::vcd::VcdFault;
use stratus_core::functions::{CallError, Failure, FunctionError};
use stratus_core::orgs::OrgError;
use stratus_core::showback::ShowbackError;

/// The header every function response carries.
pub const INVOCATION_HEADER: &str = "x-stratus-invocation-id";

/// Result of a handler.
pub type ApiResult<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `bad_request`: the request could not be read (malformed JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// 401 `unauthorized`: no credentials, or credentials that are invalid, expired or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// 403 `forbidden`: authenticated, but the role may not do this (a tenant on the provider API).
    #[error("{0}")]
    Forbidden(String),
    /// 404 `not_found`: no such thing, or not visible to this caller (another tenant's org).
    #[error("{0}")]
    NotFound(String),
    /// 409 `conflict`: the thing exists already, or its state forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// 409 `stale_plan`: a package plan applied after the org changed; plan again.
    #[error("{0}")]
    StalePlan(String),
    /// 413 `payload_too_large`.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415 `unsupported_media_type`: a body of a type the operation does not take.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422 `validation_failed`: the request was read but some fields are wrong (see `details`).
    #[error("{message}")]
    Validation { message: String, details: Vec<ErrorDetail> },
    /// 503 `unavailable`: a dependency (the database) does not answer.
    #[error("{0}")]
    Unavailable(String),
    /// 503 `vcd_unavailable` (vCD not configured, unreachable, or refusing Stratus'
    /// credentials) or 502 `vcd_error` (vCD answered with an error or a failed task).
    #[error("{message}")]
    Vcd { unavailable: bool, message: String },
    /// 500 `internal`: a bug or an unexpected failure; logged, never detailed to the client.
    #[error("{0}")]
    Internal(String),
    /// A function call that produced no function response; status from [`gateway_status`],
    /// code from `functions::Failure::code` (`function_timeout` 504, `memory_exceeded` 500,
    /// `function_error` 500, `function_crashed` 500, `response_too_large` 502,
    /// `bad_function_response` 502, `concurrency_limit` 429, `function_not_ready` 503,
    /// `no_worker_available` 503). Carries the invocation id when there is one.
    #[error("{message}")]
    Function {
        status: StatusCode,
        code: &'static str,
        message: String,
        details: Vec<ErrorDetail>,
        invocation_id: Option<String>,
    },
}

impl ApiError {
    /// A 422 about one field.
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        let detail = ErrorDetail::field(field, reason);
        ApiError::Validation { message: format!("invalid field '{field}': {}", detail.reason), details: vec![detail] }
    }

    /// A 422 about several fields; `Ok` when `details` is empty.
    pub fn fields(details: Vec<ErrorDetail>) -> ApiResult<()> {
        if details.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = details.iter().filter_map(|d| d.field.as_deref()).collect();
        Err(ApiError::Validation { message: format!("invalid fields: {}", names.join(", ")), details })
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::StalePlan(_) => (StatusCode::CONFLICT, "stale_plan"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::Validation { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Vcd { unavailable: true, .. } => (StatusCode::SERVICE_UNAVAILABLE, "vcd_unavailable"),
            ApiError::Vcd { unavailable: false, .. } => (StatusCode::BAD_GATEWAY, "vcd_error"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::Function { status, code, .. } => (*status, code),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let mut invocation = None;
        let (message, details) = match self {
            ApiError::Function { message, details, invocation_id, .. } => {
                invocation = invocation_id;
                (message, details)
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                ("internal error; the cause is in the server log".to_owned(), Vec::new())
            }
            ApiError::Validation { message, details } => (message, details),
            other => (other.to_string(), Vec::new()),
        };
        let mut response =
            (status, Json(ErrorBody { error: ErrorInfo { code: code.into(), message, details } })).into_response();
        if let Some(id) = invocation.and_then(|id| axum::http::HeaderValue::from_str(&id).ok()) {
            response.headers_mut().insert(INVOCATION_HEADER, id.clone());
            response.headers_mut().insert("x-call-id", id);
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ApiError::Unavailable(format!("the database is unavailable: {err}"))
            }
            other => ApiError::Internal(format!("database: {other}")),
        }
    }
}

impl From<AutoscaleError> for ApiError {
    fn from(err: AutoscaleError) -> Self {
        match err {
            AutoscaleError::NotFound(m) => ApiError::NotFound(m),
            AutoscaleError::Invalid(details) => match ApiError::fields(details) {
                Err(e) => e,
                Ok(()) => ApiError::BadRequest("invalid autoscale request".into()),
            },
            AutoscaleError::Conflict(m) => ApiError::Conflict(m),
            AutoscaleError::Unauthorized(m) => ApiError::Unauthorized(m),
            // An id the caller gave that vCD does not know is the caller's mistake.
            AutoscaleError::Vcd(fault @ VcdFault::NotFound(_)) => ApiError::NotFound(fault.to_string()),
            AutoscaleError::Vcd(fault) => {
                ApiError::Vcd { unavailable: matches!(fault, VcdFault::Unavailable(_)), message: fault.to_string() }
            }
            AutoscaleError::Store(e) => e.into(),
        }
    }
}

impl From<OrgError> for ApiError {
    fn from(err: OrgError) -> Self {
        match err {
            OrgError::Invalid(details) => match details.as_slice() {
                [only] => ApiError::field(only.field.as_deref().unwrap_or_default(), only.reason.clone()),
                _ => ApiError::fields(details).err().unwrap_or_else(|| ApiError::BadRequest("invalid org".into())),
            },
            OrgError::Exists(m) => ApiError::Conflict(m),
            OrgError::Store(e) => e.into(),
        }
    }
}

impl From<FunctionError> for ApiError {
    fn from(err: FunctionError) -> Self {
        match err {
            FunctionError::Invalid(details) => match ApiError::fields(details) {
                Err(e) => e,
                Ok(()) => ApiError::BadRequest("invalid function definition".into()),
            },
            FunctionError::NotFound(m) => ApiError::NotFound(m),
            FunctionError::Conflict(m) => ApiError::Conflict(m),
            FunctionError::Store(e) => e.into(),
        }
    }
}

impl From<ShowbackError> for ApiError {
    fn from(err: ShowbackError) -> Self {
        match err {
            ShowbackError::NotFound(m) => ApiError::NotFound(m),
            ShowbackError::Invalid(details) => match ApiError::fields(details) {
                Err(e) => e,
                Ok(()) => ApiError::BadRequest("invalid showback request".into()),
            },
            ShowbackError::Conflict(m) => ApiError::Conflict(m),
            ShowbackError::Rejected { message, details } => ApiError::Validation { message, details },
            ShowbackError::Io(e) => ApiError::Internal(format!("reading the spooled import: {e}")),
            ShowbackError::Store(e) => e.into(),
        }
    }
}

impl From<CallError> for ApiError {
    fn from(err: CallError) -> Self {
        let function = |status: u16, code, message: String, details, invocation_id| ApiError::Function {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            message,
            details,
            invocation_id,
        };
        match err {
            CallError::NoFunction => ApiError::NotFound(err.to_string()),
            CallError::NotReady(_) => function(503, "function_not_ready", err.to_string(), Vec::new(), None),
            CallError::TooManyCalls { ref invocation_id } => {
                let id = Some(invocation_id.clone());
                function(429, "concurrency_limit", err.to_string(), Vec::new(), id)
            }
            CallError::Sandbox { invocation_id, error } => {
                let (failure, message) = Failure::of(&error);
                let (status, code) = (gateway_status(failure), failure.code());
                let details = match error {
                    InvokeError::Exception { stack: Some(stack), .. } => {
                        vec![ErrorDetail { field: Some("stack".into()), line: None, reason: stack }]
                    }
                    _ => Vec::new(),
                };
                function(status, code, message, details, Some(invocation_id))
            }
            CallError::Store(e) => e.into(),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Backend(cause) => ApiError::Unavailable(format!("could not check credentials: {cause}")),
            AuthError::Forbidden(reason) => ApiError::Forbidden(reason),
            other => ApiError::Unauthorized(other.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => ApiError::Validation {
                message: e.body_text(),
                details: vec![ErrorDetail { field: None, line: None, reason: e.body_text() }],
            },
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge(e.body_text())
            }
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    /// A query parameter of the wrong type or value is a 422 naming it (axum's message reads
    /// "Failed to deserialize query string: FIELD: REASON"); anything else is a 400.
    fn from(rejection: QueryRejection) -> Self {
        let text = rejection.body_text();
        let field = text.strip_prefix("Failed to deserialize query string: ").and_then(|rest| rest.split_once(": "));
        match field {
            Some((field, reason)) if !field.is_empty() && !field.contains(' ') => ApiError::field(field, reason),
            _ => ApiError::BadRequest(text),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

/// The gateway's HTTP status for a call that failed in the sandbox.
pub fn gateway_status(failure: Failure) -> u16 {
    match failure {
        Failure::Timeout => 504,
        Failure::ResponseTooLarge | Failure::BadResponse => 502,
        Failure::NoWorker => 503,
        Failure::MemoryExceeded | Failure::Exception | Failure::WorkerCrashed | Failure::Internal => 500,
    }
}
