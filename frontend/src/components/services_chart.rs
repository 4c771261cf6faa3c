//! `#chart-services`: cost by service for each of the last months, stacked.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::chart_card::{ChartCard, ChartContent};
use crate::logic::chart_data::{Columns, stacked};

const SIZE: (u32, u32) = (540, 300);

/// Draws `history`: one report grouped by service per month, labelled `YYYY-MM`, oldest first.
#[component]
pub fn ServicesChart(#[prop(into)] history: Signal<Option<Result<Columns, ApiError>>>) -> impl IntoView {
    let content = Signal::derive(move || match history.get() {
        None => ChartContent::Loading,
        Some(Err(error)) => ChartContent::Failed(error),
        Some(Ok(months)) if months.iter().all(|(_, r)| r.groups.is_empty()) => {
            ChartContent::Empty("No costs in these months.".into())
        }
        Some(Ok(months)) => {
            let (periods, series, unit) = stacked(&months);
            let title = format!("Cost by service, last {} months", months.len());
            ChartContent::Svg(charts::stacked_bars_svg(&title, &periods, &series, &unit, SIZE))
        }
    });
    // `#showback-chart` is the card's id from before the dashboard, kept for older tests.
    view! { <ChartCard id="chart-services" card_id="showback-chart" title="Cost by service" content /> }
}
