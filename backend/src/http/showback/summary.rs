//! `GET /api/org/{org}/showback/summary`: the month at a glance.

use api_types::{BudgetStatus, ShowbackSummary};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::money::format_cents;
use crate::domain::showback::month::Month;
use crate::domain::showback::summary::{MonthView, month_view};
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

/// The month asked for; not after the current one.
pub(super) fn month_param(month: Option<&str>, today: chrono::NaiveDate) -> ApiResult<Month> {
    let current = Month::of(today);
    let month = match month {
        Some(m) => Month::parse(m).map_err(|e| ApiError::field("month", e))?,
        None => current,
    };
    if month > current {
        return Err(ApiError::field("month", format!("{month} has not started yet")));
    }
    Ok(month)
}

/// Converts a month view into the summary the API returns.
pub(super) fn to_summary(org: &str, view: &MonthView) -> ShowbackSummary {
    ShowbackSummary {
        org: org.to_owned(),
        month: view.month.to_string(),
        currency: view.currency.clone(),
        days_elapsed: view.days_elapsed(),
        days_in_month: view.days_in_month,
        month_to_date: format_cents(view.month_to_date_micros),
        projected: format_cents(view.projection.projected_micros),
        projection_method: view.projection.method,
        last_month: format_cents(view.last_month_micros),
        budget: view.budget.as_ref().map(|(b, e)| BudgetStatus {
            amount: format_cents(b.amount_micros),
            currency: b.currency.clone(),
            thresholds: b.thresholds.clone(),
            status: e.state,
            threshold_crossed: e.threshold_crossed,
            spent_percent: e.spent_percent,
            projected_percent: e.projected_percent,
        }),
    }
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
    let today = chrono::Utc::now().date_naive();
    let month = month_param(params.month.as_deref(), today)?;
    let view = month_view(&state.store, &scope.org, month, today).await?;
    Ok(Json(to_summary(&scope.org, &view)))
}
