//! Collectors (provider only): define where usage comes from and when, run them, see their runs.

use api_types::{Collector, CollectorInput, CollectorRun};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::{AppJson, AppQuery, Provider, list_limit};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_collectors, create_collector))
        .routes(routes!(get_collector, update_collector, delete_collector))
        .routes(routes!(run_collector))
        .routes(routes!(list_runs))
}

/// Every collector with its last run.
#[utoipa::path(get, path = "/api/provider/showback/collectors", tag = "showback",
    responses((status = 200, body = Vec<Collector>), (status = 403, body = api_types::ErrorBody)))]
async fn list_collectors(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<Vec<Collector>>> {
    Ok(Json(state.showback.collectors().await?))
}

/// Creates a collector; the scheduler first starts it one interval (or at the first cron time)
/// after now.
#[utoipa::path(post, path = "/api/provider/showback/collectors", tag = "showback", request_body = CollectorInput,
    responses((status = 201, body = Collector), (status = 409, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn create_collector(
    State(state): State<AppState>,
    _provider: Provider,
    AppJson(input): AppJson<CollectorInput>,
) -> ApiResult<(StatusCode, Json<Collector>)> {
    Ok((StatusCode::CREATED, Json(state.showback.create_collector(input).await?)))
}

/// One collector.
#[utoipa::path(get, path = "/api/provider/showback/collectors/{id}", tag = "showback", params(("id" = String, Path)),
    responses((status = 200, body = Collector), (status = 404, body = api_types::ErrorBody)))]
async fn get_collector(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
) -> ApiResult<Json<Collector>> {
    Ok(Json(state.showback.collector(&id).await?))
}

/// Replaces a collector's definition (send `auth_value` `********` to keep the stored secret).
#[utoipa::path(put, path = "/api/provider/showback/collectors/{id}", tag = "showback", params(("id" = String, Path)),
    request_body = CollectorInput,
    responses((status = 200, body = Collector), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody), (status = 422, body = api_types::ErrorBody)))]
async fn update_collector(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
    AppJson(input): AppJson<CollectorInput>,
) -> ApiResult<Json<Collector>> {
    Ok(Json(state.showback.update_collector(&id, input).await?))
}

/// Deletes a collector and its runs (its records stay).
#[utoipa::path(delete, path = "/api/provider/showback/collectors/{id}", tag = "showback", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = api_types::ErrorBody)))]
async fn delete_collector(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.showback.delete_collector(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs the collector now and answers with the finished run (409 while another run is going).
#[utoipa::path(post, path = "/api/provider/showback/collectors/{id}/run", tag = "showback", params(("id" = String, Path)),
    responses((status = 200, body = CollectorRun), (status = 404, body = api_types::ErrorBody),
              (status = 409, body = api_types::ErrorBody)))]
async fn run_collector(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
) -> ApiResult<Json<CollectorRun>> {
    Ok(Json(state.showback.run_collector(&id).await?))
}

/// Query of the run list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RunsParams {
    /// How many runs, newest first (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The collector's runs, newest first.
#[utoipa::path(get, path = "/api/provider/showback/collectors/{id}/runs", tag = "showback",
    params(("id" = String, Path), RunsParams),
    responses((status = 200, body = Vec<CollectorRun>), (status = 404, body = api_types::ErrorBody)))]
async fn list_runs(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
    AppQuery(params): AppQuery<RunsParams>,
) -> ApiResult<Json<Vec<CollectorRun>>> {
    let limit = match list_limit(params.limit, 50, 500) {
        Ok(limit) => limit,
        Err(err) => {
            // A missing collector is a 404 even when the limit is bad too.
            state.showback.collector(&id).await?;
            return Err(err);
        }
    };
    Ok(Json(state.showback.runs(&id, limit).await?))
}
