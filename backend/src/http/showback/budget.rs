//! `GET`/`PUT`/`DELETE /api/org/{org}/showback/budget`: the org's monthly budget, set by the
//! provider or by the org's tenant admin.

use api_types::Budget;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::{AppJson, OrgScope};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_budget, put_budget, delete_budget))
}

/// The org's monthly budget (404 when none is set).
#[utoipa::path(get, path = "/api/org/{org}/showback/budget", tag = "showback", params(("org" = String, Path)),
    responses((status = 200, body = Budget), (status = 404, body = api_types::ErrorBody)))]
async fn get_budget(State(state): State<AppState>, scope: OrgScope) -> ApiResult<Json<Budget>> {
    Ok(Json(state.showback.budget(&scope.org).await?))
}

/// Sets the monthly budget: `amount` > 0, a currency code, thresholds in percent.
#[utoipa::path(put, path = "/api/org/{org}/showback/budget", tag = "showback", params(("org" = String, Path)),
    request_body = Budget,
    responses((status = 200, body = Budget), (status = 404, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn put_budget(
    State(state): State<AppState>,
    scope: OrgScope,
    AppJson(input): AppJson<Budget>,
) -> ApiResult<Json<Budget>> {
    Ok(Json(state.showback.put_budget(&scope.org, input).await?))
}

/// Removes the org's budget.
#[utoipa::path(delete, path = "/api/org/{org}/showback/budget", tag = "showback", params(("org" = String, Path)),
    responses((status = 204), (status = 404, body = api_types::ErrorBody)))]
async fn delete_budget(State(state): State<AppState>, scope: OrgScope) -> ApiResult<StatusCode> {
    state.showback.delete_budget(&scope.org).await?;
    Ok(StatusCode::NO_CONTENT)
}
