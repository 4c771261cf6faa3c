//! Tenant functions: definitions, versions, invocations and the provider's per-org ceilings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{FunctionAccess, InvocationStatus, InvocationTrigger, LambdaPayload, VersionStatus};

/// A function definition's fixed limits: the server checks them, the UI's form checks what it
/// can before sending. (Memory and timeout ceilings are per org: `OrgLimits`.)
pub mod function_limits {
    /// Largest code (one source, or all files together) any org may allow; each org's own cap
    /// is `OrgLimits::max_code_bytes`.
    pub const MAX_CODE_BYTES: usize = 64 * 1024 * 1024;
    /// An org's code cap unless the provider sets another.
    pub const DEFAULT_MAX_CODE_BYTES: u32 = 5 * 1024 * 1024;
    /// Most files one function may have.
    pub const MAX_FILES: usize = 10_000;
    /// Longest path of a file inside a function.
    pub const MAX_FILE_PATH_BYTES: usize = 512;
    /// Most environment variables (and, separately, secrets).
    pub const MAX_ENV_ENTRIES: usize = 100;
    /// Longest environment variable or secret value.
    pub const MAX_ENV_VALUE_BYTES: usize = 4096;
    /// Longest environment variable or secret name.
    pub const MAX_ENV_NAME_BYTES: usize = 128;
    /// Longest function name or route (one URL path segment).
    pub const MAX_SEGMENT_CHARS: usize = 63;

    /// Routes that would shadow the org's own API.
    pub const RESERVED_ROUTES: [&str; 22] = [
        "functions",
        "autoscale",
        "showback",
        "invocations",
        "events",
        "dead-letters",
        "limits",
        "budget",
        "packages",
        "api",
        "admin",
        "system",
        "provider",
        "openapi",
        "metrics",
        "healthz",
        "readyz",
        "ext-api",
        "me",
        "ui",
        "assets",
        "static",
    ];
}

/// What makes a function run: an HTTP call on its route, or a vCD event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    #[default]
    Http,
    /// A vCD notification, e.g. `com.vmware.vcloud.event.vm.create`.
    Event {
        /// An event type of words (letters, digits, `_`, `-`) separated by `.` or `/`, optionally
        /// ending in a `.*` segment that stands for one or more further segments
        /// (`com.vmware.vcloud.event.vm.*`); `*` alone matches every event. At most 256 bytes;
        /// surrounding whitespace is ignored.
        #[cfg_attr(
            feature = "openapi",
            schema(
                min_length = 1,
                max_length = 256,
                pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:\*|[A-Za-z0-9_-]+(?:[./][A-Za-z0-9_-]+)*)(?:[./]\*)?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
                example = "com.vmware.vcloud.event.vm.create"
            )
        )]
        event: String,
    },
}

/// Per-call limits of one function. Omitted values take the org's defaults. Each must also be at
/// most the org's ceiling (`max_memory_mb`, `max_timeout_ms` of its [`OrgLimits`]); the bounds
/// below are the highest any org may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionLimits {
    /// 16 to the org's `max_memory_mb` (at most 4096).
    #[cfg_attr(feature = "openapi", schema(minimum = 16, maximum = 4096))]
    pub memory_mb: Option<u32>,
    /// 10 to the org's `max_timeout_ms` (at most 900000).
    #[cfg_attr(feature = "openapi", schema(minimum = 10, maximum = 900_000))]
    pub timeout_ms: Option<u32>,
}

/// Body of `POST /api/org/{org}/functions` and `PUT …/functions/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionSpec {
    /// Unique in the org: 1 to 63 lowercase letters, digits, `-` and `_`, starting with a letter or
    /// digit. Required on `POST`; `PUT` may omit it (or send `""`) or repeat the path's name
    /// (renaming is not supported).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 63, pattern = r"^(?:[a-z0-9][a-z0-9_-]{0,62})?$"))]
    pub name: String,
    /// Only `javascript` for now.
    #[serde(default = "default_runtime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::Runtime, inline, default = "javascript"))]
    pub runtime: String,
    /// One path segment: `hello` serves `/api/org/{org}/hello` and everything below it. 1 to 63
    /// lowercase letters, digits, `-` and `_`, starting with a letter or digit; not one of the
    /// names the API itself uses (`functions`, `autoscale`, `showback`, `invocations`, `events`,
    /// `dead-letters`, `limits`, `budget`, `packages`, `api`, `admin`, `system`, `provider`,
    /// `openapi`, `metrics`, `healthz`, `readyz`, `ext-api`, `me`, `ui`, `assets`, `static`), and
    /// not taken by another function of the org.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 63,
            pattern = r"^(?!(?:functions|autoscale|showback|invocations|events|dead-letters|limits|budget|packages|api|admin|system|provider|openapi|metrics|healthz|readyz|ext-api|me|ui|assets|static)$)[a-z0-9][a-z0-9_-]{0,62}$",
            example = "hello"
        )
    )]
    pub route: String,
    /// JavaScript source of a one-file function: not blank, at most the org's `max_code_bytes`.
    /// Send either `code` or `files`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 67_108_864))]
    pub code: String,
    /// A function of several files: relative path (`index.js`, `lib/db.mjs`,
    /// `node_modules/lodash/lodash.js`, `package.json`) → text. Paths use `/`, without `.` or
    /// `..` segments; at most 10000 files of at most the org's `max_code_bytes` together.
    /// Files `require` and `import` each other and `node_modules` as in Node. Or upload a zip
    /// to `PUT …/functions/{name}/code`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::files))]
    pub files: Option<BTreeMap<String, String>>,
    /// With `files`: the entry file. Omitted: `package.json`'s `exports` or `main`, else
    /// `index.js` (or `index.mjs`, `index.cjs`, `handler.js`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 512))]
    pub main: Option<String>,
    #[serde(default)]
    pub trigger: Trigger,
    #[serde(default, deserialize_with = "crate::object")]
    pub limits: FunctionLimits,
    /// Plain configuration, readable back. At most 100 entries; names are letters, digits and
    /// `_`, not starting with a digit, at most 128 characters; values at most 4096 bytes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::env))]
    pub env: BTreeMap<String, String>,
    /// Write-only values, visible to the code like `env`. On `PUT`, omitted means unchanged.
    /// Same rules as `env`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::secrets))]
    pub secrets: Option<BTreeMap<String, String>>,
    /// A new JavaScript context for every call: nothing leaks between calls, at a cold-start cost.
    #[serde(default)]
    pub fresh_context: bool,
    /// Who may call it over HTTP: `org` (the org's credentials, the default), `keys` (a key of
    /// the function's, in `x-functions-key` or `?code=`, or the org's credentials) or `public`
    /// (anyone; the provider may forbid it per org).
    #[serde(default)]
    pub access: FunctionAccess,
    /// For `exports.handler` (Lambda) functions: the event format, `2.0` (the default) or `1.0`.
    #[serde(default)]
    pub payload_format_version: LambdaPayload,
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
    /// The file, in a function of several files.
    #[serde(default)]
    pub file: Option<String>,
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
    /// Of the latest version.
    pub status: VersionStatus,
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
    pub access: FunctionAccess,
    pub payload_format_version: LambdaPayload,
    /// Code of the latest version (of its entry file, for a function of several files).
    pub code: String,
    /// All files of the latest version, for a function of several files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, String>>,
    /// The entry file of a function of several files (as given, or found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main: Option<String>,
    /// `openfaas`, `lambda` or `workers`, once compiled.
    pub shape: Option<String>,
    /// Why the latest version failed to deploy.
    pub error: Option<CodeError>,
    pub created_at: String,
    pub updated_at: String,
    /// Locked by the package that brought it: `code` is empty and `files` absent (its code is
    /// not shown), code changes and exports are refused, and only a package signed by the same
    /// key changes it. Settings (env, secrets, limits) may still be changed with a `PUT` that
    /// sends no code.
    #[serde(default)]
    pub locked: bool,
}

/// One immutable version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionVersion {
    pub version: i64,
    pub status: VersionStatus,
    /// Whether this version serves calls now.
    pub active: bool,
    /// Its code (its entry file's, for a function of several files).
    pub code: String,
    /// How many files it has (1 for a one-file function).
    #[serde(default = "one")]
    pub file_count: u32,
    pub error: Option<CodeError>,
    pub created_at: String,
}

/// Body of `POST …/functions/{name}/rollback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rollback {
    /// A version of this function whose deployment succeeded (status `ready`).
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: i64,
}

/// One call of a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvocationRecord {
    pub id: String,
    pub function: String,
    pub version: i64,
    pub trigger: InvocationTrigger,
    pub status: InvocationStatus,
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
    /// How many times it was started: async invocations are retried after a failure, and run
    /// again when the replica running them died.
    #[serde(default = "one")]
    pub attempts: u32,
    /// The requests its code made with `fetch()`, in order.
    #[serde(default)]
    pub outbound: Vec<crate::OutboundCall>,
}

fn one() -> u32 {
    1
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
    pub status: InvocationStatus,
    /// Where to poll: `/api/org/{org}/invocations/{id}`.
    pub location: String,
}

/// The provider's ceilings for one org (`/api/provider/orgs/{org}/limits`). On `PUT` every field
/// is required, and `default_memory_mb <= max_memory_mb`, `default_timeout_ms <= max_timeout_ms`
/// and `max_function_concurrency <= max_concurrency` must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgLimits {
    /// Highest `memory_mb` a function may ask for (16 to 4096).
    #[cfg_attr(feature = "openapi", schema(minimum = 16, maximum = 4096))]
    pub max_memory_mb: u32,
    /// Highest `timeout_ms` a function may ask for (10 to 900000).
    #[cfg_attr(feature = "openapi", schema(minimum = 10, maximum = 900_000))]
    pub max_timeout_ms: u32,
    /// Defaults for functions that set none: memory from 16 to `max_memory_mb`.
    #[cfg_attr(feature = "openapi", schema(minimum = 16, maximum = 4096))]
    pub default_memory_mb: u32,
    /// Timeout from 10 to `max_timeout_ms`.
    #[cfg_attr(feature = "openapi", schema(minimum = 10, maximum = 900_000))]
    pub default_timeout_ms: u32,
    /// Calls running at once, all functions of the org together (1 to 10000).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    pub max_concurrency: u32,
    /// Calls running at once of one function (1 to `max_concurrency`).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    pub max_function_concurrency: u32,
    /// 1 to 67108864 (64 MiB).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 67_108_864))]
    pub max_request_bytes: u32,
    /// 1 to 67108864 (64 MiB).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 67_108_864))]
    pub max_response_bytes: u32,
    /// 0 to 100000.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100_000))]
    pub max_functions: u32,
    /// Whether the org's functions may be `public` (callable without credentials). Omitted
    /// means allowed.
    #[serde(default = "allowed")]
    pub allow_public: bool,
    /// Largest code of one function: its source, or all its files together (1024 to 67108864;
    /// omitted means 5 MiB).
    #[serde(default = "default_max_code_bytes")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1024, maximum = 67_108_864, default = 5_242_880))]
    pub max_code_bytes: u32,
}

fn default_max_code_bytes() -> u32 {
    function_limits::DEFAULT_MAX_CODE_BYTES
}

fn allowed() -> bool {
    true
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
            allow_public: true,
            max_code_bytes: function_limits::DEFAULT_MAX_CODE_BYTES,
        }
    }
}

/// A key that may call one function (`access: keys`): sent in `x-functions-key` or as
/// `?code=`. Only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionKey {
    pub id: String,
    pub name: String,
    pub created_at: String,
}

/// `201 Created` for a new key: the secret is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewFunctionKey {
    #[serde(flatten)]
    pub key: FunctionKey,
    pub secret: String,
}

/// `POST /api/org/{org}/functions/{name}/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionKeyCreate {
    /// 1 to 63 characters, to tell keys apart (who holds it).
    pub name: String,
}
