//! Content packages over the API: a tenant plans and applies packages into its org as
//! releases, rolls back to an earlier one and sees what drifted; the provider manages the keys
//! trusted to sign packages and each org's signature policy.

use api_types::{
    ApplyQuery, ApplyResult, Drift, ExportElement, ExportQuery, ListResponse, PackageKey, PackageKeyTrust, PackagePlan,
    PackagePolicy, PackageRecipient, PackageRefusal, Release,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use stratus_core::packages::{self, PackagesError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppJson, AppPath, AppQuery, OrgScope, Provider};
use crate::http::functions::existing_org;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(export_elements))
        .routes(routes!(recipient))
        .routes(routes!(plan))
        .routes(routes!(apply))
        .routes(routes!(list_releases))
        .routes(routes!(rollback))
        .routes(routes!(drift))
        .routes(routes!(refusals))
        .routes(routes!(list_keys, trust_key))
        .routes(routes!(revoke_key))
        .routes(routes!(get_policy, put_policy))
}

/// The org's functions as a package archive (unsigned: sign it with `stratus package sign`),
/// each as the version it serves; `functions` picks some by name. With `seal_to` (the target
/// instance's recipient) secret values travel sealed to it; a `seal_to` that is not an age
/// recipient is a 422. `lock` names functions the package locks where it is imported (their
/// code not shown, not editable, not exported; only a package signed by the same key changes
/// them). A locked function of this org is never exported (409 when named).
#[utoipa::path(get, path = "/api/org/{org}/packages/export", tag = "packages", params(("org" = String, Path), ExportQuery),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>,
               description = "The package archive (`.stratus`)."),
              (status = 404, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    scope: OrgScope,
    AppQuery(query): AppQuery<ExportQuery>,
) -> ApiResult<impl IntoResponse> {
    let options = export_options(&query)?;
    let package = state.packages.export(&scope.org, &options).await?;
    let archive = package.to_archive().map_err(PackagesError::from)?;
    let disposition = format!("attachment; filename=\"{}.stratus\"", scope.org);
    Ok((
        [(header::CONTENT_TYPE, "application/octet-stream".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        archive,
    ))
}

/// What `…/packages/export` with the same query would hold, element by element, with why each
/// is in (a configuration element: the rules that need it); nothing is downloaded.
#[utoipa::path(get, path = "/api/org/{org}/packages/export/elements", tag = "packages",
    params(("org" = String, Path), ExportQuery),
    responses((status = 200, body = ListResponse<ExportElement>), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn export_elements(
    State(state): State<AppState>,
    scope: OrgScope,
    AppQuery(query): AppQuery<ExportQuery>,
) -> ApiResult<Json<ListResponse<ExportElement>>> {
    let package = state.packages.export(&scope.org, &export_options(&query)?).await?;
    let manifest = package.manifest().map_err(PackagesError::from)?;
    let items = manifest
        .elements
        .iter()
        .map(|e| ExportElement { id: e.id(), reason: e.reason.clone(), requires: e.requires.clone(), locked: e.locked })
        .collect();
    Ok(Json(ListResponse { items }))
}

/// A `seal_to` must be an age X25519 recipient (422 naming the field otherwise).
pub(crate) fn check_seal_to(recipient: Option<&str>) -> ApiResult<()> {
    match recipient {
        Some(recipient) if package::seal(recipient, "").is_err() => {
            Err(ApiError::field("seal_to", "an age X25519 recipient (age1…): the target's …/packages/recipient"))
        }
        _ => Ok(()),
    }
}

fn export_options(query: &ExportQuery) -> ApiResult<packages::ExportOptions> {
    let list = |text: &Option<String>| -> Vec<String> {
        let items = text.as_deref().unwrap_or_default().split(',').map(|n| n.trim().to_owned());
        items.filter(|n| !n.is_empty()).collect()
    };
    check_seal_to(query.seal_to.as_deref())?;
    let history = query.history.unwrap_or(0);
    if history > packages::MAX_HISTORY {
        return Err(ApiError::field("history", format!("at most {} earlier versions", packages::MAX_HISTORY)));
    }
    Ok(packages::ExportOptions {
        functions: list(&query.functions),
        seal_to: query.seal_to.clone(),
        lock: list(&query.lock),
        history,
    })
}

/// What exporters seal secret values to for this instance (`age1…`, the public half of its
/// X25519 key): `stratus package export --seal-to` or `…/packages/export?seal_to=`.
#[utoipa::path(get, path = "/api/org/{org}/packages/recipient", tag = "packages", params(("org" = String, Path)),
    responses((status = 200, body = PackageRecipient), (status = 404, body = api_types::ErrorBody)))]
async fn recipient(State(state): State<AppState>, _scope: OrgScope) -> ApiResult<Json<PackageRecipient>> {
    Ok(Json(PackageRecipient { recipient: packages::recipient(&state.store).await? }))
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
    let plan = state.packages.plan_archive(&scope.org, &body).await?;
    Ok(Json(plan))
}

/// Applies a package archive as a release of the org: the `select`ed elements (default: all)
/// are checked against what they require, validated and compiled, then written in one
/// transaction with the release, each function's new version serving from its commit. `plan` is
/// the fingerprint of the plan being applied: if the org changed since, nothing is written and
/// the answer is 409 `stale_plan`. Applying a plan whose elements are all in place already
/// changes nothing (`changed: 0`, no release).
#[utoipa::path(post, path = "/api/org/{org}/packages/apply", tag = "packages", params(("org" = String, Path), ApplyQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The package archive (`.stratus`)."),
    responses((status = 200, body = ApplyResult), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody), (status = 413, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn apply(
    State(state): State<AppState>,
    scope: OrgScope,
    AppQuery(query): AppQuery<ApplyQuery>,
    body: Bytes,
) -> ApiResult<Json<ApplyResult>> {
    let select = query.selection();
    let result = state.packages.apply_archive(&scope.org, &body, &query.plan, select.as_deref()).await?;
    Ok(Json(result))
}

/// The org's releases (each apply and rollback of a package), newest first.
#[utoipa::path(get, path = "/api/org/{org}/packages/releases", tag = "packages", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<Release>), (status = 404, body = api_types::ErrorBody)))]
async fn list_releases(State(state): State<AppState>, scope: OrgScope) -> ApiResult<Json<ListResponse<Release>>> {
    Ok(Json(ListResponse { items: packages::releases(&state.store, &scope.org).await? }))
}

/// Makes the org's functions serve the versions release `number` left (copies of them as new
/// versions), recorded as a new release; `changed: 0` when they serve those already.
#[utoipa::path(post, path = "/api/org/{org}/packages/releases/{number}/rollback", tag = "packages",
    params(("org" = String, Path), ("number" = i64, Path)),
    responses((status = 200, body = ApplyResult), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody)))]
async fn rollback(
    State(state): State<AppState>,
    scope: OrgScope,
    AppPath(path): AppPath<(String, i64)>,
) -> ApiResult<Json<ApplyResult>> {
    let number = path.1;
    Ok(Json(state.packages.rollback(&scope.org, number).await?))
}

/// The functions and autoscale rules edited on this instance since the release that last set them.
#[utoipa::path(get, path = "/api/org/{org}/packages/drift", tag = "packages", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<Drift>), (status = 404, body = api_types::ErrorBody)))]
async fn drift(State(state): State<AppState>, scope: OrgScope) -> ApiResult<Json<ListResponse<Drift>>> {
    Ok(Json(ListResponse { items: state.packages.drift(&scope.org).await? }))
}

/// Imports into the org refused at verification, newest first (the last 100): the archive's
/// SHA-256 and size and each reason; nothing else of those packages is stored.
#[utoipa::path(get, path = "/api/org/{org}/packages/refusals", tag = "packages", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<PackageRefusal>), (status = 404, body = api_types::ErrorBody)))]
async fn refusals(State(state): State<AppState>, scope: OrgScope) -> ApiResult<Json<ListResponse<PackageRefusal>>> {
    Ok(Json(ListResponse { items: packages::refusals(&state.store, &scope.org).await? }))
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
    let key = packages::trust(&state.store, &body.principal, &body.public_key, body.orgs, expires_at).await?;
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
            PackagesError::StalePlan(m) => ApiError::StalePlan(m),
            PackagesError::Source(m) => ApiError::Unavailable(m),
            PackagesError::Unapplicable(details) => {
                ApiError::Validation { message: "the package cannot be applied".to_owned(), details }
            }
            PackagesError::Store(e) => e.into(),
        }
    }
}
