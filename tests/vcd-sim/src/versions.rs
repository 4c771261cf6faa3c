//! API versions as a vCD cell handles them: `GET /api/versions` lists the versions it speaks
//! (no login needed), a call asking for another version is refused with 406, and so is a call
//! asking for a version older than the one its endpoint was added in.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use vcd_client::ApiVersion;

use crate::reply::{self, escape};
use crate::state::SimState;

/// The versions a vCD 10.5.1 cell lists (deprecated ones included).
pub const DEFAULT_VERSIONS: [&str; 7] = ["36.0", "37.0", "37.1", "37.2", "37.3", "38.0", "38.1"];

/// Calls that exist only from a version on: the external endpoints and API filters of
/// `/ext-api` routing, "added in 37.3" (Broadcom's API reference).
const FLOORS: [(&str, ApiVersion); 2] = [
    ("/cloudapi/1.0.0/externalEndpoints", ApiVersion::new(37, 3)),
    ("/cloudapi/1.0.0/apiFilters", ApiVersion::new(37, 3)),
];

pub(crate) fn router() -> Router<SimState> {
    Router::new().route("/api/versions", get(supported))
}

async fn supported(State(state): State<SimState>) -> Response {
    let base = state.base_url().to_owned();
    let infos: String = state
        .world()
        .api_versions
        .iter()
        .map(|v| {
            let deprecated = v.parse::<ApiVersion>().is_ok_and(|v| v < ApiVersion::new(37, 0));
            format!(
                "<VersionInfo deprecated=\"{deprecated}\"><Version>{}</Version><LoginUrl>{}/api/sessions</LoginUrl></VersionInfo>",
                escape(v),
                escape(&base)
            )
        })
        .collect();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><SupportedVersions xmlns=\"http://www.vmware.com/vcloud/versions\">{infos}</SupportedVersions>"
    );
    reply::xml(StatusCode::OK, "application/vnd.vmware.vcloud.versions+xml", body)
}

/// The `version=` parameter of an `Accept` header.
pub(crate) fn requested(accept: &str) -> Option<&str> {
    accept.split([';', ',']).find_map(|part| part.trim().strip_prefix("version=")).map(str::trim)
}

/// Why vCD would refuse a call to `path` asked with `version`, if it would.
pub(crate) fn refusal(state: &SimState, path: &str, version: &str) -> Option<String> {
    if !state.world().api_versions.iter().any(|v| v == version) {
        return Some(format!("The request has invalid accept header: Invalid API version requested ({version})"));
    }
    let asked: ApiVersion = version.parse().ok()?;
    FLOORS
        .iter()
        .find(|(prefix, floor)| path.starts_with(prefix) && asked < *floor)
        .map(|(prefix, floor)| format!("{prefix} is not available in API version {version}; it needs {floor} or later"))
}

/// A 406 in the shape of the API the path belongs to.
pub(crate) fn not_acceptable(path: &str, message: &str) -> Response {
    if path.starts_with("/cloudapi") {
        reply::json_error(StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE", message)
    } else {
        reply::xml_error(StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE", message)
    }
}
