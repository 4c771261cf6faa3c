//! Tenant functions: definitions, versions, invocations and the provider's per-org ceilings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What makes a function run: an HTTP call on its route, or a vCD event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    #[default]
    Http,
    /// A vCD notification, e.g. `com.vmware.vcloud.event.vm.create`.
    Event { event: String },
}

/// Per-call limits of one function. Omitted values take the org's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionLimits {
    pub memory_mb: Option<u32>,
    pub timeout_ms: Option<u32>,
}

/// Body of `POST /api/org/{org}/functions` and `PUT …/functions/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionSpec {
    /// Unique in the org; `PUT` may omit it or repeat the path's name.
    #[serde(default)]
    pub name: String,
    /// Only `javascript` for now.
    #[serde(default = "default_runtime")]
    pub runtime: String,
    /// One path segment: `hello` serves `/api/org/{org}/hello` and everything below it.
    pub route: String,
    pub code: String,
    #[serde(default)]
    pub trigger: Trigger,
    #[serde(default)]
    pub limits: FunctionLimits,
    /// Plain configuration, readable back.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Write-only values, visible to the code like `env`. On `PUT`, omitted means unchanged.
    #[serde(default)]
    pub secrets: Option<BTreeMap<String, String>>,
    /// A new JavaScript context for every call: nothing leaks between calls, at a cold-start cost.
    #[serde(default)]
    pub fresh_context: bool,
}

fn default_runtime() -> String {
    "javascript".into()
}

/// Where a compile error is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeError {
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// A function as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Function {
    pub name: String,
    pub runtime: String,
    pub route: String,
    /// The full path it answers on: `/api/org/{org}/{route}`.
    pub path: String,
    /// Of the latest version: `initializing`, `ready` or `failed`.
    pub status: String,
    /// The latest version.
    pub version: i64,
    /// The version serving calls; `None` until one is ready.
    pub active_version: Option<i64>,
    pub trigger: Trigger,
    /// Effective limits (the org defaults filled in).
    pub limits: FunctionLimits,
    pub env: BTreeMap<String, String>,
    /// Names only: secret values are never returned.
    pub secret_names: Vec<String>,
    pub fresh_context: bool,
    /// Code of the latest version.
    pub code: String,
    /// `openfaas`, `lambda` or `workers`, once compiled.
    pub shape: Option<String>,
    /// Why the latest version failed to deploy.
    pub error: Option<CodeError>,
    pub created_at: String,
    pub updated_at: String,
}

/// One immutable version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionVersion {
    pub version: i64,
    pub status: String,
    /// Whether this version serves calls now.
    pub active: bool,
    pub code: String,
    pub error: Option<CodeError>,
    pub created_at: String,
}

/// Body of `POST …/functions/{name}/rollback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rollback {
    pub version: i64,
}

/// One call of a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvocationRecord {
    pub id: String,
    pub function: String,
    pub version: i64,
    /// `http`, `async` or `event`.
    pub trigger: String,
    /// `pending`, `running`, `succeeded` or `failed`.
    pub status: String,
    pub started_at: String,
    pub duration_ms: Option<f64>,
    /// The HTTP status the function answered (or the gateway's error status).
    pub http_status: Option<u16>,
    /// The gateway's error code when the call failed (`function_timeout`, `memory_exceeded`, …).
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub memory_used_bytes: Option<u64>,
    pub cold_start: bool,
    /// The last 4 KiB of what the call logged.
    pub logs: String,
}

/// `GET /api/org/{org}/invocations/{id}`: an invocation with its response once finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvocationResult {
    #[serde(flatten)]
    pub record: InvocationRecord,
    pub response: Option<StoredResponse>,
}

/// A function's HTTP answer as stored for async calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredResponse {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    /// UTF-8 text, or base64 when `body_base64` is true.
    pub body: String,
    pub body_base64: bool,
}

/// `202 Accepted` for `Prefer: respond-async`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvocationAccepted {
    pub id: String,
    pub status: String,
    /// Where to poll: `/api/org/{org}/invocations/{id}`.
    pub location: String,
}

/// The provider's ceilings for one org (`/api/provider/orgs/{org}/limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgLimits {
    /// Highest `memory_mb` a function may ask for.
    pub max_memory_mb: u32,
    /// Highest `timeout_ms` a function may ask for.
    pub max_timeout_ms: u32,
    /// Defaults for functions that set none.
    pub default_memory_mb: u32,
    pub default_timeout_ms: u32,
    /// Calls running at once, all functions of the org together.
    pub max_concurrency: u32,
    /// Calls running at once of one function.
    pub max_function_concurrency: u32,
    pub max_request_bytes: u32,
    pub max_response_bytes: u32,
    pub max_functions: u32,
}

impl Default for OrgLimits {
    fn default() -> Self {
        Self {
            max_memory_mb: 256,
            max_timeout_ms: 30_000,
            default_memory_mb: 64,
            default_timeout_ms: 5_000,
            max_concurrency: 64,
            max_function_concurrency: 32,
            max_request_bytes: 6 * 1024 * 1024,
            max_response_bytes: 6 * 1024 * 1024,
            max_functions: 200,
        }
    }
}
