//! Content packages over the API: a tenant plans the import of a package into its org; the
//! provider manages the keys trusted to sign packages.

use api_types::{ListResponse, PackageKey, PackageKeyTrust, PackagePlan, PackagePolicy};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use stratus_core::packages::{self, PackagesError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppJson, OrgScope, Provider};
use crate::http::functions::existing_org;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plan))
        .routes(routes!(list_keys, trust_key))
        .routes(routes!(revoke_key))
        .routes(routes!(get_policy, put_policy))
}

/// Verifies a package archive (`stratus package build`) against this instance's trust store
/// and says what importing it into the org would change, element by element; nothing is
/// written. Signatures are checked under the org's policy (`…/package-policy`; `warn` unless
/// the provider set another). A package that does not verify (a changed file, a manifest
/// edited after signing, an unsafe archive, too few trusted signatures under `enforce`) is a
/// 422 naming each reason.
#[utoipa::path(post, path = "/api/org/{org}/packages/plan", tag = "packages", params(("org" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The package archive (`.stratus`)."),
    responses((status = 200, body = PackagePlan), (status = 404, body = api_types::ErrorBody),
              (status = 413, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn plan(State(state): State<AppState>, scope: OrgScope, body: Bytes) -> ApiResult<Json<PackagePlan>> {
    let plan = packages::plan_archive(&state.store, &scope.org, &body).await?;
    Ok(Json(plan))
}

/// What an org asks of the signatures on packages it imports (provider only).
#[utoipa::path(get, path = "/api/provider/orgs/{org}/package-policy", tag = "packages", params(("org" = String, Path)),
    responses((status = 200, body = PackagePolicy), (status = 404, body = api_types::ErrorBody)))]
async fn get_policy(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
) -> ApiResult<Json<PackagePolicy>> {
    existing_org(&state, &org).await?;
    Ok(Json(packages::policy(&state.store, &org).await?))
}

/// Sets an org's signature policy (provider only): `off`, `warn`, or `enforce` with
/// `min_signatures` (1 to 10) by keys trusted for the org.
#[utoipa::path(put, path = "/api/provider/orgs/{org}/package-policy", tag = "packages", params(("org" = String, Path)),
    request_body = PackagePolicy,
    responses((status = 200, body = PackagePolicy), (status = 404, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn put_policy(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
    AppJson(policy): AppJson<PackagePolicy>,
) -> ApiResult<Json<PackagePolicy>> {
    existing_org(&state, &org).await?;
    packages::set_policy(&state.store, &org, policy).await.map_err(|e| match e {
        PackagesError::Invalid(m) => ApiError::field("min_signatures", m),
        other => other.into(),
    })?;
    Ok(Json(policy))
}

fn key_dto(key: package::TrustedKey) -> PackageKey {
    PackageKey {
        id: key.id.0,
        principal: key.principal,
        public_key: key.public_key,
        orgs: key.orgs,
        expires_at: key.expires_at.map(stratus_core::dates::rfc3339_from_millis),
        revoked: key.revoked,
    }
}

/// The keys this instance trusts to sign packages, revoked ones included (provider only).
#[utoipa::path(get, path = "/api/provider/package-keys", tag = "packages",
    responses((status = 200, body = ListResponse<PackageKey>)))]
async fn list_keys(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<ListResponse<PackageKey>>> {
    let keys = packages::trusted_keys(&state.store).await?;
    Ok(Json(ListResponse { items: keys.into_iter().map(key_dto).collect() }))
}

/// Trusts a public key to sign packages, for a principal and optionally some orgs and until a
/// time (provider only). `409` when it is trusted already.
#[utoipa::path(post, path = "/api/provider/package-keys", tag = "packages", request_body = PackageKeyTrust,
    responses((status = 201, body = PackageKey), (status = 409, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn trust_key(
    State(state): State<AppState>,
    _provider: Provider,
    AppJson(body): AppJson<PackageKeyTrust>,
) -> ApiResult<(StatusCode, Json<PackageKey>)> {
    if body.principal.trim().is_empty() || body.principal.chars().count() > 200 {
        return Err(ApiError::field("principal", "not blank, at most 200 characters"));
    }
    let expires_at = match body.expires_at.as_deref() {
        None => None,
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|_| ApiError::field("expires_at", "an RFC 3339 time, e.g. 2027-12-31T23:59:59Z"))?
                .timestamp_millis(),
        ),
    };
    if package::TrustedKey::new(&body.principal, &body.public_key).is_err() {
        return Err(ApiError::field("public_key", "an Ed25519 public key: 32 bytes of base64"));
    }
    let key =
        packages::trust(&state.store, &body.principal, &body.public_key, body.orgs, expires_at).await.map_err(|e| {
            match e {
                PackagesError::Invalid(m) if m.contains("trusted already") => ApiError::Conflict(m),
                other => other.into(),
            }
        })?;
    Ok((StatusCode::CREATED, Json(key_dto(key))))
}

/// Revokes a trusted key (provider only): packages it signed no longer verify under a policy
/// that enforces signatures.
#[utoipa::path(delete, path = "/api/provider/package-keys/{id}", tag = "packages", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = api_types::ErrorBody)))]
async fn revoke_key(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    packages::revoke(&state.store, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl From<PackagesError> for ApiError {
    fn from(err: PackagesError) -> Self {
        use package::PackageError;
        match err {
            PackagesError::NotFound(m) => ApiError::NotFound(m),
            PackagesError::Conflict(m) => ApiError::Conflict(m),
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
