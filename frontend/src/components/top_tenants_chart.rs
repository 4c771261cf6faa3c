//! `#chart-top-tenants`: the tenants that cost most over the range.

use api_types::CostReport;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::chart_card::{ChartCard, ChartContent};
use crate::logic::chart_data::{amounts, chart_money, report_period, top_chart_height};

/// Drawn at the width of a half-width card; the height follows the number of tenants.
const WIDTH: u32 = 540;

/// Draws `top`, the answer of `GET /api/provider/showback/top`.
#[component]
pub fn TopTenantsChart(#[prop(into)] top: Signal<Option<Result<CostReport, ApiError>>>) -> impl IntoView {
    let content = Signal::derive(move || match top.get() {
        None => ChartContent::Loading,
        Some(Err(error)) => ChartContent::Failed(error),
        Some(Ok(r)) if r.groups.is_empty() => ChartContent::Empty("No costs in this range.".into()),
        Some(Ok(r)) => {
            let title = format!("Top tenants, {}", report_period(&r));
            let label = |v: f64| chart_money(v, &r.currency);
            let items = amounts(&r);
            let size = (WIDTH, top_chart_height(items.len()));
            ChartContent::Svg(charts::top_n_svg(&title, &items, items.len(), &label, size))
        }
    });
    view! { <ChartCard id="chart-top-tenants" title="Top tenants" content /> }
}
