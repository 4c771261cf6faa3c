//! Rate cards: the provider's prices and per-org overrides, each effective from a day on.

use api_types::{RateEntry, RateInput};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::{AppJson, Provider};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rates, create_rate))
        .routes(routes!(update_rate, delete_rate))
        .routes(routes!(list_overrides, create_override))
}

/// The provider's rate card, every entry (past, current and future prices).
#[utoipa::path(get, path = "/api/provider/showback/rates", tag = "showback",
    responses((status = 200, body = Vec<RateEntry>), (status = 403, body = api_types::ErrorBody)))]
async fn list_rates(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<Vec<RateEntry>>> {
    Ok(Json(state.showback.rates().await?))
}

/// Adds a price to the provider's card, applying from `effective_from` on.
#[utoipa::path(post, path = "/api/provider/showback/rates", tag = "showback", request_body = RateInput,
    responses((status = 201, body = RateEntry), (status = 409, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn create_rate(
    State(state): State<AppState>,
    _provider: Provider,
    AppJson(input): AppJson<RateInput>,
) -> ApiResult<(StatusCode, Json<RateEntry>)> {
    Ok((StatusCode::CREATED, Json(state.showback.create_rate(input).await?)))
}

/// Corrects an entry of the provider's card or of an override.
#[utoipa::path(put, path = "/api/provider/showback/rates/{id}", tag = "showback",
    params(("id" = String, Path)), request_body = RateInput,
    responses((status = 200, body = RateEntry), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn update_rate(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
    AppJson(input): AppJson<RateInput>,
) -> ApiResult<Json<RateEntry>> {
    Ok(Json(state.showback.update_rate(&id, input).await?))
}

/// Deletes an entry.
#[utoipa::path(delete, path = "/api/provider/showback/rates/{id}", tag = "showback",
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = api_types::ErrorBody)))]
async fn delete_rate(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.showback.delete_rate(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The org's overrides of the provider's card.
#[utoipa::path(get, path = "/api/provider/orgs/{org}/showback/rates", tag = "showback",
    params(("org" = String, Path)),
    responses((status = 200, body = Vec<RateEntry>), (status = 404, body = api_types::ErrorBody)))]
async fn list_overrides(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
) -> ApiResult<Json<Vec<RateEntry>>> {
    Ok(Json(state.showback.overrides(&org).await?))
}

/// Adds a price for this org only; it wins over the provider's card from `effective_from` on.
#[utoipa::path(post, path = "/api/provider/orgs/{org}/showback/rates", tag = "showback",
    params(("org" = String, Path)), request_body = RateInput,
    responses((status = 201, body = RateEntry), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn create_override(
    State(state): State<AppState>,
    _provider: Provider,
    Path(org): Path<String>,
    AppJson(input): AppJson<RateInput>,
) -> ApiResult<(StatusCode, Json<RateEntry>)> {
    Ok((StatusCode::CREATED, Json(state.showback.create_override(&org, input).await?)))
}
