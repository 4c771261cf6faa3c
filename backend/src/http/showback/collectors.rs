//! Collectors (provider only): define where usage comes from and when, run them, see their runs.

use api_types::{Collector, CollectorInput, CollectorRun};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::collectors::convert::{self, new_id};
use crate::collectors::runner::{RunError, Trigger};
use crate::domain::dates::now_millis;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppJson, AppQuery, Provider, list_limit};
use crate::state::AppState;
use crate::store::{CollectorRow, is_unique_violation};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_collectors, create_collector))
        .routes(routes!(get_collector, update_collector, delete_collector))
        .routes(routes!(run_collector))
        .routes(routes!(list_runs))
}

async fn view(state: &AppState, row: &CollectorRow) -> ApiResult<Collector> {
    let last = state.store.list_runs(&row.collector_id, 1).await?;
    let next = state.collectors.next_run_at(row).await?;
    Ok(convert::collector(row, last.first(), next))
}

async fn find(state: &AppState, id: &str) -> ApiResult<CollectorRow> {
    state.store.find_collector(id).await?.ok_or_else(|| ApiError::NotFound(format!("no collector '{id}'")))
}

fn taken(err: sqlx::Error) -> ApiError {
    if is_unique_violation(&err) { ApiError::Conflict("a collector has this name".into()) } else { err.into() }
}

/// Every collector with its last run.
#[utoipa::path(get, path = "/api/provider/showback/collectors", tag = "showback",
    responses((status = 200, body = Vec<Collector>), (status = 403, body = api_types::ErrorBody)))]
async fn list_collectors(State(state): State<AppState>, _provider: Provider) -> ApiResult<Json<Vec<Collector>>> {
    let mut out = Vec::new();
    for row in state.store.list_collectors().await? {
        out.push(view(&state, &row).await?);
    }
    Ok(Json(out))
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
    ApiError::fields(convert::validate(&input))?;
    let now = now_millis();
    let row = CollectorRow {
        collector_id: new_id("col"),
        name: input.name.trim().to_owned(),
        kind: convert::kind(&input.source).into(),
        schedule: input.schedule.trim().to_owned(),
        enabled: input.enabled,
        config_json: convert::config_json(&input, None),
        created_at: now,
        updated_at: now,
    };
    state.store.insert_collector(&row).await.map_err(taken)?;
    Ok((StatusCode::CREATED, Json(view(&state, &row).await?)))
}

/// One collector.
#[utoipa::path(get, path = "/api/provider/showback/collectors/{id}", tag = "showback", params(("id" = String, Path)),
    responses((status = 200, body = Collector), (status = 404, body = api_types::ErrorBody)))]
async fn get_collector(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
) -> ApiResult<Json<Collector>> {
    let row = find(&state, &id).await?;
    Ok(Json(view(&state, &row).await?))
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
    let old = find(&state, &id).await?;
    ApiError::fields(convert::validate(&input))?;
    let row = CollectorRow {
        name: input.name.trim().to_owned(),
        kind: convert::kind(&input.source).into(),
        schedule: input.schedule.trim().to_owned(),
        enabled: input.enabled,
        config_json: convert::config_json(&input, Some(&old)),
        updated_at: now_millis(),
        ..old
    };
    state.store.update_collector(&row).await.map_err(taken)?;
    Ok(Json(view(&state, &row).await?))
}

/// Deletes a collector and its runs (its records stay).
#[utoipa::path(delete, path = "/api/provider/showback/collectors/{id}", tag = "showback", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = api_types::ErrorBody)))]
async fn delete_collector(
    State(state): State<AppState>,
    _provider: Provider,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !state.store.delete_collector(&id).await? {
        return Err(ApiError::NotFound(format!("no collector '{id}'")));
    }
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
    match state.collectors.run(&id, Trigger::Manual).await {
        Ok(run) => Ok(Json(convert::run(&run))),
        Err(RunError::NotFound(_)) => Err(ApiError::NotFound(format!("no collector '{id}'"))),
        Err(err @ (RunError::Busy(_) | RunError::NotDue(_))) => Err(ApiError::Conflict(err.to_string())),
        Err(RunError::Store(err)) => Err(err.into()),
    }
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
    find(&state, &id).await?;
    let limit = list_limit(params.limit, 50, 500)?;
    Ok(Json(state.store.list_runs(&id, limit).await?.iter().map(convert::run).collect()))
}
