//! Content packages over the API: a tenant plans the import of a package into its org.

use api_types::PackagePlan;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use stratus_core::packages::{self, PackagesError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::OrgScope;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(plan))
}

/// Verifies a package archive (`stratus package build`) against this instance's trust store
/// and says what importing it into the org would change, element by element; nothing is
/// written. Signature problems are warnings until signature policies per org exist. A package
/// that does not verify (a changed file, a manifest edited after signing, an unsafe archive)
/// is a 422 naming each reason.
#[utoipa::path(post, path = "/api/org/{org}/packages/plan", tag = "packages", params(("org" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The package archive (`.stratus`)."),
    responses((status = 200, body = PackagePlan), (status = 404, body = api_types::ErrorBody),
              (status = 413, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn plan(State(state): State<AppState>, scope: OrgScope, body: Bytes) -> ApiResult<Json<PackagePlan>> {
    let plan = packages::plan_archive(&state.store, &scope.org, &body, package::Policy::Warn).await?;
    Ok(Json(plan))
}

impl From<PackagesError> for ApiError {
    fn from(err: PackagesError) -> Self {
        use package::PackageError;
        match err {
            PackagesError::NotFound(m) => ApiError::NotFound(m),
            PackagesError::Invalid(m) => ApiError::field("body", m),
            PackagesError::Package(PackageError::TooLarge(m)) => ApiError::PayloadTooLarge(m),
            PackagesError::Package(other) => ApiError::field("body", other.to_string()),
            PackagesError::Refused(reasons) => {
                let details = reasons.into_iter().map(|r| api_types::ErrorDetail::field("body", r)).collect();
                ApiError::Validation { message: "the package does not verify".to_owned(), details }
            }
            PackagesError::Store(e) => e.into(),
        }
    }
}
