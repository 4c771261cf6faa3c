//! Event triggers: a function's deliveries of vCD events and re-driving the dead ones.

use api_types::{DeliveryStatus, EventDelivery, ListResponse, Redriven};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, OrgScope, list_limit};
use crate::state::AppState;
use stratus_core::functions::MAX_LISTED_DELIVERIES;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deliveries))
        .routes(routes!(redrive_delivery))
        .routes(routes!(redrive_dead))
}

type ErrorBody = api_types::ErrorBody;

/// `/api/org/{org}/functions/{name}/deliveries…`
#[derive(Deserialize)]
struct FunctionPath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    name: String,
}

/// `/api/org/{org}/functions/{name}/deliveries/{id}/redrive`
#[derive(Deserialize)]
struct DeliveryPath {
    #[expect(dead_code, reason = "checked by OrgScope")]
    org: String,
    name: String,
    id: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DeliveryQuery {
    /// Only deliveries with this status: `pending`, `running`, `succeeded` or `dead` (the
    /// dead-letter list).
    #[param(pattern = "^(pending|running|succeeded|dead)$")]
    status: Option<String>,
    /// How many, newest first (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The function's deliveries of vCD events, newest first: status, attempts, the latest error
/// and invocation.
#[utoipa::path(get, path = "/api/org/{org}/functions/{name}/deliveries", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path), DeliveryQuery),
    responses((status = 200, body = ListResponse<EventDelivery>), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn list_deliveries(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<FunctionPath>,
    AppQuery(query): AppQuery<DeliveryQuery>,
) -> ApiResult<Json<ListResponse<EventDelivery>>> {
    let status = match query.status.as_deref().map(str::parse::<DeliveryStatus>) {
        None => None,
        Some(Ok(status)) => Some(status),
        Some(Err(_)) => return Err(ApiError::field("status", "must be pending, running, succeeded or dead")),
    };
    let limit = list_limit(query.limit, 100, MAX_LISTED_DELIVERIES)?;
    let items = state.functions.deliveries(&scope.org, &path.name, status, limit).await?;
    Ok(Json(ListResponse { items }))
}

/// Queues a dead delivery again with its attempts reset; it runs within seconds.
#[utoipa::path(post, path = "/api/org/{org}/functions/{name}/deliveries/{id}/redrive", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = EventDelivery), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the delivery is not dead")))]
async fn redrive_delivery(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<DeliveryPath>,
) -> ApiResult<Json<EventDelivery>> {
    Ok(Json(state.functions.redrive_delivery(&scope.org, &path.name, &path.id).await?))
}

/// Queues every dead delivery of the function again (the whole dead-letter list).
#[utoipa::path(post, path = "/api/org/{org}/functions/{name}/deliveries/redrive", tag = "functions",
    params(("org" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Redriven), (status = 404, body = ErrorBody)))]
async fn redrive_dead(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<FunctionPath>,
) -> ApiResult<Json<Redriven>> {
    let redriven = state.functions.redrive_dead_deliveries(&scope.org, &path.name).await?;
    Ok(Json(Redriven { redriven }))
}
