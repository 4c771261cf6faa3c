//! `GET /api/org/{org}/showback/overview`: the dashboard's first screen in one request.

use api_types::ShowbackOverview;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, OrgScope};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(overview))
}

/// How many months the overview covers.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OverviewParams {
    /// Months of costs by service, the current one included (1–24, default 6).
    #[param(minimum = 1, maximum = 24)]
    months: Option<u32>,
}

/// The current month's summary and the org's costs by service for each of the last `months`
/// months: what the dashboard shows first, in one answer instead of one request per month.
#[utoipa::path(get, path = "/api/org/{org}/showback/overview", tag = "showback",
    params(("org" = String, Path), OverviewParams),
    responses((status = 200, body = ShowbackOverview), (status = 404, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn overview(
    State(state): State<AppState>,
    scope: OrgScope,
    AppQuery(params): AppQuery<OverviewParams>,
) -> ApiResult<Json<ShowbackOverview>> {
    let count = params.months.unwrap_or(6);
    if !(1..=24).contains(&count) {
        return Err(ApiError::field("months", "must be between 1 and 24"));
    }
    Ok(Json(state.showback.overview(&scope.org, count).await?))
}
