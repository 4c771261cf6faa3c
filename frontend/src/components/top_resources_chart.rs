//! `#chart-top`: the costliest resources over the chosen range.

use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::chart_card::{ChartCard, ChartContent};
use crate::logic::chart_data::{amounts, chart_money, report_period};
use crate::logic::cost_rows::GroupBy;
use crate::logic::date::DateRange;

const SIZE: (u32, u32) = (540, 320);
/// Bars before the rest is summed as "other".
const TOP: usize = 8;

#[component]
pub fn TopResourcesChart(
    org: String,
    #[prop(into)] range: Signal<DateRange>,
    #[prop(into)] refresh: Signal<u32>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let report = LocalResource::new(move || {
        refresh.track();
        let (api, org, range) = (api.clone(), org.clone(), range.get());
        async move { api.costs(&org, range, GroupBy::Resource).await }
    });
    let content = Signal::derive(move || match report.get() {
        None => ChartContent::Loading,
        Some(Err(error)) => ChartContent::Failed(error),
        Some(Ok(r)) if r.groups.is_empty() => ChartContent::Empty("No costs in this range.".into()),
        Some(Ok(r)) => {
            let title = format!("Top resources, {}", report_period(&r));
            let label = |v: f64| chart_money(v, &r.currency);
            ChartContent::Svg(charts::top_n_svg(&title, &amounts(&r), TOP, &label, SIZE))
        }
    });
    view! { <ChartCard id="chart-top" title="Top resources" content /> }
}
