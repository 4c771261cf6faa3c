//! Server-rendered SVG charts: `GET /api/org/{org}/showback/chart/{kind}.svg` and the provider's
//! `GET /api/provider/showback/chart/{kind}.svg`.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use stratus_core::dates::parse_day;
use stratus_core::showback::CostKey;
use stratus_core::showback::month::Month;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::day_range;
use super::summary::month_param;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{AppQuery, OrgScope, Provider};
use crate::http::svg::svg;
use crate::state::AppState;

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

async fn by_month(state: &AppState, org: Option<&str>, p: &ChartParams) -> ApiResult<String> {
    let last = month_param(p.month.as_deref())?;
    let data = state.showback.services_by_month(org, last, p.months.unwrap_or(6)).await?;
    let title = format!("Cost by service, {} to {last}", data.months[0]);
    Ok(charts::stacked_bars_svg(&title, &data.periods, &data.series, &data.currency, size(p)))
}

async fn top(state: &AppState, org: Option<&str>, key: CostKey, p: &ChartParams) -> ApiResult<String> {
    let range = day_range(p.from.as_deref(), p.to.as_deref())?;
    let data = state.showback.top_costs(org, key, range).await?;
    let what = if key == CostKey::Org { "tenants" } else { "resources" };
    let title = format!("Top {what}, {} to {}", data.from, data.to);
    let label = |v: f64| format!("{v:.2} {}", data.currency);
    Ok(charts::top_n_svg(&title, &data.items, p.n.unwrap_or(10), &label, size(p)))
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
    let org = Some(scope.org.as_str());
    let body = match kind(&path.1, &["services-by-month", "month-trend", "top-resources"])?.as_str() {
        "services-by-month" => by_month(&state, org, &p).await?,
        "month-trend" => {
            let month = month_param(p.month.as_deref())?;
            let data = state.showback.month_trend(&scope.org, month).await?;
            charts::trend_svg(&format!("Month to date, {month}"), &data.trend, &data.currency, size(&p))
        }
        _ => top(&state, org, CostKey::Resource, &p).await?,
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
    let body = match kind(&file, &["services-by-month", "top-tenants"])?.as_str() {
        "services-by-month" => by_month(&state, None, &p).await?,
        _ => top(&state, None, CostKey::Org, &p).await?,
    };
    Ok(svg(body))
}
