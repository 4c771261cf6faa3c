//! Provider packages over the API (provider only): the instance's rate cards, showback
//! collectors and per-org limits exported as a package, and a provider package planned,
//! applied as a provider release, rolled back and checked for drift; the policy provider
//! packages are verified under.

use api_types::{
    ApplyQuery, ApplyResult, Drift, ListResponse, PackagePlan, PackagePolicy, PackageRecipient, PackageRefusal,
    ProviderExportQuery, Release,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use stratus_core::packages::{self, PackagesError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppJson, AppPath, AppQuery, Provider};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(recipient))
        .routes(routes!(plan))
        .routes(routes!(apply))
        .routes(routes!(list_releases))
        .routes(routes!(rollback))
        .routes(routes!(drift))
        .routes(routes!(refusals))
        .routes(routes!(get_policy, put_policy))
}

/// The instance's provider content as a package archive (unsigned: sign it with `stratus
/// package sign`): the provider's rate card and each org's overrides, each org's function
/// limits the provider set, and each showback collector (an HTTP source's URL as a `url`
/// configuration element with this instance's environment's value). With `seal_to` (the
/// target's `…/packages/recipient`) collector credentials travel sealed to it, else as slots
/// without values; a `seal_to` that is not an age recipient is a 422.
#[utoipa::path(get, path = "/api/provider/packages/export", tag = "packages", params(ProviderExportQuery),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>,
               description = "The package archive (`.stratus`)."),
              (status = 422, body = api_types::ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    _provider: Provider,
    AppQuery(query): AppQuery<ProviderExportQuery>,
) -> ApiResult<impl IntoResponse> {
    crate::http::packages::check_seal_to(query.seal_to.as_deref())?;
    let package = state.packages.export_provider(query.seal_to.as_deref()).await?;
    let archive = package.to_archive().map_err(PackagesError::from)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"provider.stratus\""),
        ],
        archive,
    ))
}

/// What exporters seal collector credentials to for this instance (`age1…`; the same key as
/// the orgs' `…/packages/recipient`).
#[utoipa::path(get, path = "/api/provider/packages/recipient", tag = "packages",
    responses((status = 200, body = PackageRecipient)))]
async fn recipient(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<PackageRecipient>> {
    Ok(Json(PackageRecipient { recipient: packages::recipient(&state.store).await? }))
}

/// Verifies a provider package against the trust store under the provider's policy (keys
/// trusted for some orgs only do not count) and says what importing it would change, element
/// by element; nothing is written. A tenant package, or one that does not verify, is a 422
/// naming each reason.
#[utoipa::path(post, path = "/api/provider/packages/plan", tag = "packages",
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The package archive (`.stratus`)."),
    responses((status = 200, body = PackagePlan), (status = 413, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn plan(State(state): State<AppState>, _provider: Provider, body: Bytes) -> ApiResult<Json<PackagePlan>> {
    Ok(Json(state.packages.plan_provider(&body).await?))
}

/// Applies a provider package as a provider release: the `select`ed elements (default: all)
/// are checked, then written in one transaction with the release. `plan` is the fingerprint of
/// the plan being applied: if anything it saw changed since, nothing is written (409
/// `stale_plan`). An element about an org this instance does not have, or not valid here, is a
/// 422 naming it.
#[utoipa::path(post, path = "/api/provider/packages/apply", tag = "packages", params(ApplyQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The package archive (`.stratus`)."),
    responses((status = 200, body = ApplyResult), (status = 409, body = api_types::ErrorBody),
              (status = 413, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn apply(
    State(state): State<AppState>,
    _provider: Provider,
    AppQuery(query): AppQuery<ApplyQuery>,
    body: Bytes,
) -> ApiResult<Json<ApplyResult>> {
    let select = query.selection();
    Ok(Json(state.packages.apply_provider(&body, &query.plan, select.as_deref()).await?))
}

/// The provider releases (each apply and rollback of a provider package), newest first.
#[utoipa::path(get, path = "/api/provider/packages/releases", tag = "packages",
    responses((status = 200, body = ListResponse<Release>)))]
async fn list_releases(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<ListResponse<Release>>> {
    Ok(Json(ListResponse { items: packages::releases(&state.store, "").await? }))
}

/// Puts every element of provider release `number` back as that release wrote it, as a new
/// release; `changed: 0` when they are so already.
#[utoipa::path(post, path = "/api/provider/packages/releases/{number}/rollback", tag = "packages",
    params(("number" = i64, Path)),
    responses((status = 200, body = ApplyResult), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody)))]
async fn rollback(
    State(state): State<AppState>,
    _provider: Provider,
    AppPath(number): AppPath<i64>,
) -> ApiResult<Json<ApplyResult>> {
    Ok(Json(state.packages.rollback_provider(number).await?))
}

/// The provider elements edited or deleted on this instance since the release that last wrote them.
#[utoipa::path(get, path = "/api/provider/packages/drift", tag = "packages",
    responses((status = 200, body = ListResponse<Drift>)))]
async fn drift(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<ListResponse<Drift>>> {
    Ok(Json(ListResponse { items: state.packages.drift_provider().await? }))
}

/// Provider package imports refused at verification, newest first (the last 100).
#[utoipa::path(get, path = "/api/provider/packages/refusals", tag = "packages",
    responses((status = 200, body = ListResponse<PackageRefusal>)))]
async fn refusals(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<ListResponse<PackageRefusal>>> {
    Ok(Json(ListResponse { items: packages::refusals(&state.store, "").await? }))
}

/// What provider packages' signatures must be (`warn` unless set).
#[utoipa::path(get, path = "/api/provider/package-policy", tag = "packages",
    responses((status = 200, body = PackagePolicy)))]
async fn get_policy(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<PackagePolicy>> {
    Ok(Json(packages::provider_policy(&state.store).await?))
}

/// Sets what provider packages' signatures must be: `off`, `warn`, or `enforce` with
/// `min_signatures` (1 to 10) by keys trusted for every org.
#[utoipa::path(put, path = "/api/provider/package-policy", tag = "packages", request_body = PackagePolicy,
    responses((status = 200, body = PackagePolicy), (status = 422, body = api_types::ErrorBody)))]
async fn put_policy(
    State(state): State<AppState>,
    _provider: Provider,
    AppJson(policy): AppJson<PackagePolicy>,
) -> ApiResult<Json<PackagePolicy>> {
    packages::set_provider_policy(&state.store, policy).await.map_err(|e| match e {
        PackagesError::Invalid(m) => ApiError::field("min_signatures", m),
        other => other.into(),
    })?;
    Ok(Json(policy))
}
