//! Showback: cost reports for one org (tenant or provider) and across orgs (provider); the
//! submodules add the summary, budgets, rate cards, imports, collectors, charts and export.

mod budget;
pub(crate) mod charts;
mod collectors;
mod export;
mod import;
mod rates;
mod summary;
mod top;

use api_types::{CostGroup, CostReport};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::dates::format_day;
use crate::domain::money::format_cents;
use crate::domain::showback::{DEFAULT_CURRENCY, DayRange, currencies};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, OrgScope, Provider};
use crate::state::AppState;
use crate::store::CostKey;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(org_costs))
        .routes(routes!(provider_costs))
        .merge(summary::router())
        .merge(budget::router())
        .merge(rates::router())
        .merge(import::router())
        .merge(collectors::router())
        .merge(charts::router())
        .merge(export::router())
        .merge(top::router())
}

/// Query of the cost endpoints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CostParams {
    /// First day, `YYYY-MM-DD`; default: the first of `to`'s month.
    from: Option<String>,
    /// Last day, inclusive; default: today (UTC).
    to: Option<String>,
    /// `service`, `resource`, `day` or `month` (org); `org`, `service` or `month` (provider).
    group_by: Option<String>,
    /// Which currency to report when records use several; default: the largest.
    currency: Option<String>,
}

fn cost_key(group_by: Option<&str>, provider_wide: bool) -> ApiResult<CostKey> {
    let key = match (group_by.unwrap_or(if provider_wide { "org" } else { "service" }), provider_wide) {
        ("service", _) => CostKey::Service,
        ("month", _) => CostKey::Month,
        ("resource", false) => CostKey::Resource,
        ("day", false) => CostKey::Day,
        ("org", true) => CostKey::Org,
        (other, _) => {
            let allowed = if provider_wide { "org, service or month" } else { "service, resource, day or month" };
            return Err(ApiError::field("group_by", format!("'{other}' is not one of {allowed}")));
        }
    };
    Ok(key)
}

async fn report(state: &AppState, org: Option<&str>, params: CostParams) -> ApiResult<CostReport> {
    let key = cost_key(params.group_by.as_deref(), org.is_none())?;
    let today = chrono::Utc::now().date_naive();
    let range = DayRange::parse(params.from.as_deref(), params.to.as_deref(), today)
        .map_err(|(field, reason)| ApiError::field(field, reason))?;
    let (from, to) = (format_day(range.from), format_day(range.to));
    let rows = state.store.costs(org, &from, &to, key).await?;
    let present = currencies(&rows);
    let currency = match params.currency {
        Some(c) if present.is_empty() || present.contains(&c) => c,
        Some(c) => {
            return Err(ApiError::field("currency", format!("no records in '{c}' (present: {})", present.join(", "))));
        }
        None => present.first().cloned().unwrap_or_else(|| DEFAULT_CURRENCY.to_owned()),
    };
    let rows: Vec<_> = rows.into_iter().filter(|r| r.currency == currency).collect();
    let total: i64 = rows.iter().map(|r| r.cost_micros).sum();
    let groups = rows.into_iter().map(|r| CostGroup { key: r.key, cost: format_cents(r.cost_micros) }).collect();
    Ok(CostReport { currency, from, to, total: format_cents(total), groups })
}

/// The org's costs over a range, grouped.
#[utoipa::path(get, path = "/api/org/{org}/showback/costs", tag = "showback",
    params(("org" = String, Path), CostParams),
    responses((status = 200, body = CostReport), (status = 404, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn org_costs(
    State(state): State<AppState>,
    scope: OrgScope,
    AppQuery(params): AppQuery<CostParams>,
) -> ApiResult<Json<CostReport>> {
    Ok(Json(report(&state, Some(&scope.org), params).await?))
}

/// Costs of every org over a range (provider only).
#[utoipa::path(get, path = "/api/provider/showback/costs", tag = "showback", params(CostParams),
    responses((status = 200, body = CostReport), (status = 403, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn provider_costs(
    State(state): State<AppState>,
    _provider: Provider,
    AppQuery(params): AppQuery<CostParams>,
) -> ApiResult<Json<CostReport>> {
    Ok(Json(report(&state, None, params).await?))
}
