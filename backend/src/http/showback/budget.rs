//! `GET`/`PUT`/`DELETE /api/org/{org}/showback/budget`: the org's monthly budget, set by the
//! provider or by the org's tenant admin.

use api_types::{Budget, ErrorDetail};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::dates::now_millis;
use crate::domain::money::{format_cents, parse_decimal};
use crate::domain::showback::budget::normalize_thresholds;
use crate::domain::showback::records::is_currency;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppJson, OrgScope};
use crate::state::AppState;
use crate::store::BudgetRow;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_budget, put_budget, delete_budget))
}

fn to_api(b: &BudgetRow) -> Budget {
    Budget { amount: format_cents(b.amount_micros), currency: b.currency.clone(), thresholds: b.thresholds.clone() }
}

/// The org's monthly budget (404 when none is set).
#[utoipa::path(get, path = "/api/org/{org}/showback/budget", tag = "showback", params(("org" = String, Path)),
    responses((status = 200, body = Budget), (status = 404, body = api_types::ErrorBody)))]
async fn get_budget(State(state): State<AppState>, scope: OrgScope) -> ApiResult<Json<Budget>> {
    let budget = state.store.find_budget(&scope.org).await?;
    let budget = budget.ok_or_else(|| ApiError::NotFound(format!("org '{}' has no budget", scope.org)))?;
    Ok(Json(to_api(&budget)))
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
    let mut errors = Vec::new();
    let amount = match parse_decimal(&input.amount) {
        Ok(a) if a % 10_000 != 0 => {
            errors.push(ErrorDetail::field("amount", "must have at most 2 decimals"));
            a
        }
        Ok(a) if a > 0 => a,
        Ok(_) => {
            errors.push(ErrorDetail::field("amount", "must be more than 0"));
            0
        }
        Err(e) => {
            errors.push(ErrorDetail::field("amount", e));
            0
        }
    };
    if !is_currency(&input.currency) {
        errors.push(ErrorDetail::field("currency", "must be a currency code such as EUR"));
    }
    let thresholds = normalize_thresholds(&input.thresholds).unwrap_or_else(|e| {
        errors.push(e);
        Vec::new()
    });
    ApiError::fields(errors)?;
    let row = BudgetRow {
        org: scope.org,
        amount_micros: amount,
        currency: input.currency,
        thresholds,
        updated_at: now_millis(),
    };
    state.store.put_budget(&row).await?;
    Ok(Json(to_api(&row)))
}

/// Removes the org's budget.
#[utoipa::path(delete, path = "/api/org/{org}/showback/budget", tag = "showback", params(("org" = String, Path)),
    responses((status = 204), (status = 404, body = api_types::ErrorBody)))]
async fn delete_budget(State(state): State<AppState>, scope: OrgScope) -> ApiResult<StatusCode> {
    if !state.store.delete_budget(&scope.org).await? {
        return Err(ApiError::NotFound(format!("org '{}' has no budget", scope.org)));
    }
    Ok(StatusCode::NO_CONTENT)
}
