//! `GET /api/provider/showback/top`: the tenants that cost most over a range.

use api_types::CostReport;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{RangeParams, parse_range};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, Provider};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(top_tenants))
}

/// How many tenants the top list holds.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TopParams {
    /// How many tenants (1–100, default 10).
    #[param(minimum = 1, maximum = 100)]
    n: Option<usize>,
}

/// The `n` orgs with the highest cost, most expensive first; `total` covers every org.
#[utoipa::path(get, path = "/api/provider/showback/top", tag = "showback", params(RangeParams, TopParams),
    responses((status = 200, body = CostReport), (status = 403, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn top_tenants(
    State(state): State<AppState>,
    _provider: Provider,
    AppQuery(range): AppQuery<RangeParams>,
    AppQuery(params): AppQuery<TopParams>,
) -> ApiResult<Json<CostReport>> {
    let n = params.n.unwrap_or(10);
    if !(1..=100).contains(&n) {
        return Err(ApiError::field("n", "must be between 1 and 100"));
    }
    let (days, currency) = parse_range(range)?;
    Ok(Json(state.showback.top_tenants(days, currency, n).await?))
}
