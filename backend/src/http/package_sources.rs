//! Package sources over the API: the provider registers other Stratus instances (URL and a
//! provider token of theirs); a tenant plans and applies its org's export from one of them
//! through the same checks as an uploaded archive.

use api_types::{ApplyQuery, ApplyResult, ListResponse, PackagePlan, PackageSource, PackageSourceCreate};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use stratus_core::packages::{self, PackagesError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppJson, AppQuery, OrgScope, Provider};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sources, add_source))
        .routes(routes!(remove_source))
        .routes(routes!(org_sources))
        .routes(routes!(plan_source))
        .routes(routes!(apply_source))
}

/// The registered package sources (provider only; tokens are never shown).
#[utoipa::path(get, path = "/api/provider/package-sources", tag = "packages",
    responses((status = 200, body = ListResponse<PackageSource>)))]
async fn list_sources(
    State(state): State<AppState>,
    _provider: Provider,
) -> ApiResult<Json<ListResponse<PackageSource>>> {
    Ok(Json(ListResponse { items: packages::sources(&state.store, None).await? }))
}

/// Registers another Stratus as a package source (provider only): its base URL, a provider
/// token of it (kept sealed to this instance's key) and the orgs that may pull from it, each
/// from the org of the same name there. `409` when the name is taken.
#[utoipa::path(post, path = "/api/provider/package-sources", tag = "packages", request_body = PackageSourceCreate,
    responses((status = 201, body = PackageSource), (status = 409, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn add_source(
    State(state): State<AppState>,
    _provider: Provider,
    AppJson(body): AppJson<PackageSourceCreate>,
) -> ApiResult<(StatusCode, Json<PackageSource>)> {
    let added = packages::add_source(&state.store, &body.name, &body.url, &body.token, body.orgs).await.map_err(
        |e| match e {
            PackagesError::Invalid(m) => match m.split_once(": ") {
                Some((field, reason)) => ApiError::field(field, reason),
                None => ApiError::field("body", m),
            },
            other => other.into(),
        },
    )?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Removes a package source (provider only).
#[utoipa::path(delete, path = "/api/provider/package-sources/{name}", tag = "packages", params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = api_types::ErrorBody)))]
async fn remove_source(
    State(state): State<AppState>,
    _provider: Provider,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    packages::remove_source(&state.store, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The package sources this org may pull from.
#[utoipa::path(get, path = "/api/org/{org}/packages/sources", tag = "packages", params(("org" = String, Path)),
    responses((status = 200, body = ListResponse<PackageSource>), (status = 404, body = api_types::ErrorBody)))]
async fn org_sources(State(state): State<AppState>, scope: OrgScope) -> ApiResult<Json<ListResponse<PackageSource>>> {
    Ok(Json(ListResponse { items: packages::sources(&state.store, Some(&scope.org)).await? }))
}

/// Pulls this org's export from a source (the same org name there) and plans it like an
/// uploaded archive: verified under the org's signature policy, nothing written. A source that
/// does not answer or refuses this instance is a 503 `unavailable` saying so.
#[utoipa::path(post, path = "/api/org/{org}/packages/sources/{name}/plan", tag = "packages",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = PackagePlan), (status = 404, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody), (status = 503, body = api_types::ErrorBody)))]
async fn plan_source(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<PackagePlan>> {
    Ok(Json(state.packages.plan_source(&scope.org, &path.1).await?))
}

/// Pulls this org's export from the source again and applies it with the plan's fingerprint
/// (409 `stale_plan` when the source or the org changed since).
#[utoipa::path(post, path = "/api/org/{org}/packages/sources/{name}/apply", tag = "packages",
    params(("org" = String, Path), ("name" = String, Path), ApplyQuery),
    responses((status = 200, body = ApplyResult), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody),
              (status = 503, body = api_types::ErrorBody)))]
async fn apply_source(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<(String, String)>,
    AppQuery(query): AppQuery<ApplyQuery>,
) -> ApiResult<Json<ApplyResult>> {
    let select = query.selection();
    Ok(Json(state.packages.apply_source(&scope.org, &path.1, &query.plan, select.as_deref()).await?))
}
