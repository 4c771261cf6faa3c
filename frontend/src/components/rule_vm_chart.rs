//! `#chart-vm-count`: the group's size over time, from the rule's timeline.

use api_types::AutoscaleEvent;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::chart_card::{ChartCard, ChartContent};
use crate::host;
use crate::logic::rule_chart::vm_count_points;

/// Drawn at the size it is shown at in a half-width card.
const SIZE: (u32, u32) = (560, 300);

/// The chart of `events` (newest first, as the API lists them) between `min` and `max`,
/// reaching `current` now.
#[component]
pub fn RuleVmChart(
    #[prop(into)] events: Signal<Option<Result<Vec<AutoscaleEvent>, ApiError>>>,
    #[prop(into)] bounds: Signal<(u32, u32)>,
    #[prop(into)] current: Signal<Option<u32>>,
) -> impl IntoView {
    let content = Signal::derive(move || match events.get() {
        None => ChartContent::Loading,
        Some(Err(error)) => ChartContent::Failed(error),
        Some(Ok(events)) => {
            let now = (host::now_ms() / 1000.0) as i64;
            let points = vm_count_points(&events, current.get().map(|vms| (now, vms)));
            if points.is_empty() {
                return ChartContent::Empty("No VM count recorded yet: it appears with the first evaluation.".into());
            }
            let (min, max) = bounds.get();
            ChartContent::Svg(charts::vm_count_svg("VMs over time", &points, min, max, SIZE))
        }
    });
    view! { <ChartCard id="chart-vm-count" card_id="rule-chart" title="VMs over time" content /> }
}
