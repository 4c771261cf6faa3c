//! Server-rendered SVG charts: `GET /api/org/{org}/showback/chart/{kind}.svg` and the provider's
//! `GET /api/provider/showback/chart/{kind}.svg`.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::summary::month_param;
use crate::domain::dates::{format_day, parse_day};
use crate::domain::showback::chart_data::{items, month_trend, services_by_month};
use crate::domain::showback::month::Month;
use crate::domain::showback::summary::month_view;
use crate::domain::showback::{DEFAULT_CURRENCY, DayRange, currencies};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, OrgScope, Provider};
use crate::state::AppState;
use crate::store::CostKey;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(org_chart)).routes(routes!(provider_chart))
}

/// Query of the charts; each kind reads the parameters it needs.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ChartParams {
    /// `services-by-month`: the last month shown; `month-trend`: the month (`YYYY-MM`, not after
    /// the current one; default current).
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    month: Option<String>,
    /// `services-by-month`: how many months (1–24, default 6).
    #[param(minimum = 1, maximum = 24)]
    months: Option<u32>,
    /// `top-*`: first day (default: the first of `to`'s month).
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// `top-*`: last day, inclusive (default: today).
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
    /// `top-*`: how many bars (1–50, default 10).
    #[param(minimum = 1, maximum = 50)]
    n: Option<usize>,
    /// Pixels (200–2000, default 720).
    #[param(minimum = 200, maximum = 2000)]
    width: Option<u32>,
    /// Pixels (150–1200, default 320).
    #[param(minimum = 150, maximum = 1200)]
    height: Option<u32>,
}

pub(crate) fn svg(body: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, max-age=60")], body).into_response()
}

/// Checks every parameter given, whichever chart uses it.
fn check_params(p: &ChartParams) -> ApiResult<()> {
    for (field, value) in [("from", &p.from), ("to", &p.to)] {
        if let Some(day) = value {
            parse_day(day).map_err(|e| ApiError::field(field, e))?;
        }
    }
    if let Some(month) = &p.month {
        Month::parse(month).map_err(|e| ApiError::field("month", e))?;
    }
    let ranges = [
        ("months", p.months.map(|v| v as usize), 1..=24),
        ("n", p.n, 1..=50),
        ("width", p.width.map(|v| v as usize), 200..=2000),
        ("height", p.height.map(|v| v as usize), 150..=1200),
    ];
    for (field, value, range) in ranges {
        if let Some(v) = value
            && !range.contains(&v)
        {
            return Err(ApiError::field(field, format!("must be between {} and {}", range.start(), range.end())));
        }
    }
    Ok(())
}

fn size(p: &ChartParams) -> (u32, u32) {
    (p.width.unwrap_or(720), p.height.unwrap_or(320))
}

fn kind(file: &str, allowed: &[&str]) -> ApiResult<String> {
    match file.strip_suffix(".svg") {
        Some(k) if allowed.contains(&k) => Ok(k.to_owned()),
        _ => Err(ApiError::NotFound(format!("no chart '{file}': use {}", allowed.join(".svg, ") + ".svg"))),
    }
}

async fn by_month(state: &AppState, org: Option<&str>, p: &ChartParams, today: NaiveDate) -> ApiResult<String> {
    let last = month_param(p.month.as_deref(), today)?;
    let count = p.months.unwrap_or(6);
    let months = last.last_n(count);
    let from = format_day(months[0].first_day());
    let rows = state.store.costs2(org, &from, &format_day(last.last_day()), CostKey::Month, CostKey::Service).await?;
    let flat: Vec<_> = rows
        .iter()
        .map(|r| crate::store::CostRow { key: r.key.clone(), cost_micros: r.cost_micros, currency: r.currency.clone() })
        .collect();
    let currency = currencies(&flat).into_iter().next().unwrap_or_else(|| DEFAULT_CURRENCY.into());
    let (periods, series) = services_by_month(&rows, &months, &currency);
    let title = format!("Cost by service, {} to {last}", months[0]);
    Ok(charts::stacked_bars_svg(&title, &periods, &series, &currency, size(p)))
}

async fn top(
    state: &AppState,
    org: Option<&str>,
    key: CostKey,
    p: &ChartParams,
    today: NaiveDate,
) -> ApiResult<String> {
    let range = DayRange::parse(p.from.as_deref(), p.to.as_deref(), today).map_err(|(f, r)| ApiError::field(f, r))?;
    let n = p.n.unwrap_or(10);
    let (from, to) = (format_day(range.from), format_day(range.to));
    let rows = state.store.costs(org, &from, &to, key).await?;
    let currency = currencies(&rows).into_iter().next().unwrap_or_else(|| DEFAULT_CURRENCY.into());
    let what = if key == CostKey::Org { "tenants" } else { "resources" };
    let title = format!("Top {what}, {from} to {to}");
    let label = |v: f64| format!("{v:.2} {currency}");
    Ok(charts::top_n_svg(&title, &items(&rows, &currency), n, &label, size(p)))
}

/// An SVG chart of the org: `services-by-month.svg` (stacked bars of the last `months`),
/// `month-trend.svg` (cumulative month to date, dashed projection, budget line) or
/// `top-resources.svg` (the `n` costliest resources over `from`..`to`).
#[utoipa::path(get, path = "/api/org/{org}/showback/chart/{kind}", tag = "showback",
    params(("org" = String, Path), ("kind" = String, Path, pattern = "^(services-by-month|month-trend|top-resources)[.]svg$"), ChartParams),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = api_types::ErrorBody),
              (status = 422, body = api_types::ErrorBody)))]
async fn org_chart(
    State(state): State<AppState>,
    scope: OrgScope,
    Path(path): Path<(String, String)>,
    AppQuery(p): AppQuery<ChartParams>,
) -> ApiResult<Response> {
    check_params(&p)?;
    let today = chrono::Utc::now().date_naive();
    let org = Some(scope.org.as_str());
    let body = match kind(&path.1, &["services-by-month", "month-trend", "top-resources"])?.as_str() {
        "services-by-month" => by_month(&state, org, &p, today).await?,
        "month-trend" => {
            let month = month_param(p.month.as_deref(), today)?;
            let view = month_view(&state.store, &scope.org, month, today).await?;
            charts::trend_svg(&format!("Month to date, {month}"), &month_trend(&view), &view.currency, size(&p))
        }
        _ => top(&state, org, CostKey::Resource, &p, today).await?,
    };
    Ok(svg(body))
}

/// An SVG chart across every org: `services-by-month.svg` or `top-tenants.svg`.
#[utoipa::path(get, path = "/api/provider/showback/chart/{kind}", tag = "showback",
    params(("kind" = String, Path, pattern = "^(services-by-month|top-tenants)[.]svg$"), ChartParams),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 403, body = api_types::ErrorBody),
              (status = 404, body = api_types::ErrorBody)))]
async fn provider_chart(
    State(state): State<AppState>,
    _provider: Provider,
    Path(file): Path<String>,
    AppQuery(p): AppQuery<ChartParams>,
) -> ApiResult<Response> {
    check_params(&p)?;
    let today = chrono::Utc::now().date_naive();
    let body = match kind(&file, &["services-by-month", "top-tenants"])?.as_str() {
        "services-by-month" => by_month(&state, None, &p, today).await?,
        _ => top(&state, None, CostKey::Org, &p, today).await?,
    };
    Ok(svg(body))
}
