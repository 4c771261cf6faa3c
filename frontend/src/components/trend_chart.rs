//! `#chart-trend`: cumulative cost this month, the projection and the budget line.

use api_types::ShowbackSummary;
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::chart_card::{ChartCard, ChartContent};
use crate::host;
use crate::logic::chart_data::month_trend;
use crate::logic::cost_rows::GroupBy;
use crate::logic::date::DateRange;
use crate::logic::showback_text::month_label;

/// Drawn at the size it is shown at in a half-width card.
const SIZE: (u32, u32) = (540, 300);

/// Fetches this month's daily costs and draws them with `summary`'s projection and budget.
#[component]
pub fn TrendChart(
    org: String,
    #[prop(into)] summary: Signal<Option<Result<ShowbackSummary, crate::api::ApiError>>>,
    #[prop(into)] refresh: Signal<u32>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let range = DateRange::month_to_date(host::today_utc());
    let daily = LocalResource::new(move || {
        refresh.track();
        let (api, org) = (api.clone(), org.clone());
        async move { api.costs(&org, range, GroupBy::Day).await }
    });
    let content = Signal::derive(move || match (summary.get(), daily.get()) {
        (None, _) | (_, None) => ChartContent::Loading,
        (Some(Err(error)), _) | (_, Some(Err(error))) => ChartContent::Failed(error),
        (Some(Ok(summary)), Some(Ok(daily))) => {
            let trend = month_trend(&summary, &daily);
            if trend.cumulative.iter().all(|v| *v == 0.0) && trend.budget.is_none() {
                return ChartContent::Empty("No costs this month yet.".into());
            }
            let title = format!("Month to date, {}", month_label(&summary.month));
            ChartContent::Svg(charts::trend_svg(&title, &trend, &summary.currency, SIZE))
        }
    });
    view! { <ChartCard id="chart-trend" title="Month to date" content /> }
}
