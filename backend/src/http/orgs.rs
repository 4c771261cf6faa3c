//! The caller's identity and the org list.

use api_types::{ListResponse, Me, Org, OrgCreate};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppJson, Caller, OrgScope, Provider};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_me)).routes(routes!(list_orgs, create_org)).routes(routes!(get_org))
}

/// Who the caller is and which orgs they may open.
#[utoipa::path(get, path = "/api/me", tag = "orgs",
    responses((status = 200, body = Me), (status = 401, body = api_types::ErrorBody)))]
async fn get_me(State(state): State<AppState>, Caller(caller): Caller) -> ApiResult<Json<Me>> {
    let orgs = if caller.is_provider() { state.orgs.names().await? } else { caller.org.iter().cloned().collect() };
    Ok(Json(Me { role: caller.role, org: caller.org, subject: caller.subject, orgs }))
}

/// Every org (provider only).
#[utoipa::path(get, path = "/api/provider/orgs", tag = "orgs",
    responses((status = 200, body = ListResponse<Org>), (status = 403, body = api_types::ErrorBody)))]
async fn list_orgs(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<ListResponse<Org>>> {
    let items = state.orgs.list().await?;
    Ok(Json(ListResponse { items }))
}

/// Creates an org (provider only).
#[utoipa::path(post, path = "/api/provider/orgs", tag = "orgs", request_body = OrgCreate,
    responses((status = 201, body = Org), (status = 409, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn create_org(
    State(state): State<AppState>,
    _provider: Provider,
    AppJson(body): AppJson<OrgCreate>,
) -> ApiResult<(StatusCode, Json<Org>)> {
    Ok((StatusCode::CREATED, Json(state.orgs.create(body).await?)))
}

/// One org.
#[utoipa::path(get, path = "/api/org/{org}", tag = "orgs", params(("org" = String, Path)),
    responses((status = 200, body = Org), (status = 404, body = api_types::ErrorBody)))]
async fn get_org(State(state): State<AppState>, scope: OrgScope) -> ApiResult<Json<Org>> {
    let org = state.orgs.get(&scope.org).await?.ok_or_else(|| ApiError::NotFound("org not found".into()))?;
    Ok(Json(org))
}
