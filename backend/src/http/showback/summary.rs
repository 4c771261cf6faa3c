//! `GET /api/org/{org}/showback/summary`: the month at a glance.

use api_types::ShowbackSummary;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use stratus_core::showback::month::Month;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, OrgScope};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(summary))
}

/// Query of the summary.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct MonthParams {
    /// `YYYY-MM`, not after the current month; default: the current month (UTC).
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

/// The month asked for (default: the current one); not after the current one.
pub(super) fn month_param(month: Option<&str>) -> ApiResult<Month> {
    let current = Month::of(chrono::Utc::now().date_naive());
    let month = match month {
        Some(m) => Month::parse(m).map_err(|e| ApiError::field("month", e))?,
        None => current,
    };
    if month > current {
        return Err(ApiError::field("month", format!("{month} has not started yet")));
    }
    Ok(month)
}

/// Month-to-date cost, projected month end (and how), last month, and the budget's standing.
#[utoipa::path(get, path = "/api/org/{org}/showback/summary", tag = "showback",
    params(("org" = String, Path), MonthParams),
    responses((status = 200, body = ShowbackSummary), (status = 404, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn summary(
    State(state): State<AppState>,
    scope: OrgScope,
    AppQuery(params): AppQuery<MonthParams>,
) -> ApiResult<Json<ShowbackSummary>> {
    let month = month_param(params.month.as_deref())?;
    Ok(Json(state.showback.summary(&scope.org, month).await?))
}
