//! Showback: cost reports for one org (tenant or provider) and across orgs (provider); the
//! submodules add the summary, budgets, rate cards, imports, collectors, charts and export.

mod budget;
mod charts;
mod collectors;
mod export;
mod import;
mod overview;
mod rates;
mod summary;
mod top;

use api_types::CostReport;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use stratus_core::showback::records::is_currency;
use stratus_core::showback::{CostKey, DayRange};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, OrgScope, Provider};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(org_costs))
        .routes(routes!(provider_costs))
        .merge(summary::router())
        .merge(overview::router())
        .merge(budget::router())
        .merge(rates::router())
        .merge(import::router())
        .merge(collectors::router())
        .merge(charts::router())
        .merge(export::router())
        .merge(top::router())
}

/// How an org's costs are grouped.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum OrgGroupBy {
    #[default]
    Service,
    Resource,
    Day,
    Month,
}

/// How the provider-wide costs are grouped.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum ProviderGroupBy {
    #[default]
    Org,
    Service,
    Month,
}

/// The day range and currency of a cost query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct RangeParams {
    /// First day, `YYYY-MM-DD`; default: the first of `to`'s month. At most 3,700 days before
    /// `to`, and not after it.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// Last day, inclusive; default: today (UTC).
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
    /// Which currency to report (ISO 4217); default: the one with the largest total. A currency
    /// with no records gives an empty report.
    #[param(pattern = "^[A-Z]{3}$")]
    currency: Option<String>,
}

/// Query of `/api/org/{org}/showback/costs`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OrgCostParams {
    /// Default `service`.
    #[param(inline)]
    group_by: Option<OrgGroupBy>,
}

/// Query of `/api/provider/showback/costs`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ProviderCostParams {
    /// Default `org`.
    #[param(inline)]
    group_by: Option<ProviderGroupBy>,
}

/// `from`..`to` as asked (default: the month to date); errors name the field.
pub(super) fn day_range(from: Option<&str>, to: Option<&str>) -> ApiResult<DayRange> {
    let today = chrono::Utc::now().date_naive();
    DayRange::parse(from, to, today).map_err(|(field, reason)| ApiError::field(field, reason))
}

/// The day range and the currency of a cost query.
pub(super) fn parse_range(range: RangeParams) -> ApiResult<(DayRange, Option<String>)> {
    let days = day_range(range.from.as_deref(), range.to.as_deref())?;
    match range.currency {
        Some(c) if !is_currency(&c) => {
            Err(ApiError::field("currency", format!("'{c}' is not a currency code such as EUR")))
        }
        currency => Ok((days, currency)),
    }
}

/// The org's costs over a range, grouped.
#[utoipa::path(get, path = "/api/org/{org}/showback/costs", tag = "showback",
    params(("org" = String, Path), RangeParams, OrgCostParams),
    responses((status = 200, body = CostReport), (status = 404, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn org_costs(
    State(state): State<AppState>,
    scope: OrgScope,
    AppQuery(range): AppQuery<RangeParams>,
    AppQuery(params): AppQuery<OrgCostParams>,
) -> ApiResult<Json<CostReport>> {
    let key = match params.group_by.unwrap_or_default() {
        OrgGroupBy::Service => CostKey::Service,
        OrgGroupBy::Resource => CostKey::Resource,
        OrgGroupBy::Day => CostKey::Day,
        OrgGroupBy::Month => CostKey::Month,
    };
    let (days, currency) = parse_range(range)?;
    Ok(Json(state.showback.costs(Some(&scope.org), days, currency, key).await?))
}

/// Costs of every org over a range (provider only).
#[utoipa::path(get, path = "/api/provider/showback/costs", tag = "showback", params(RangeParams, ProviderCostParams),
    responses((status = 200, body = CostReport), (status = 403, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn provider_costs(
    State(state): State<AppState>,
    _provider: Provider,
    AppQuery(range): AppQuery<RangeParams>,
    AppQuery(params): AppQuery<ProviderCostParams>,
) -> ApiResult<Json<CostReport>> {
    let key = match params.group_by.unwrap_or_default() {
        ProviderGroupBy::Org => CostKey::Org,
        ProviderGroupBy::Service => CostKey::Service,
        ProviderGroupBy::Month => CostKey::Month,
    };
    let (days, currency) = parse_range(range)?;
    Ok(Json(state.showback.costs(None, days, currency, key).await?))
}
