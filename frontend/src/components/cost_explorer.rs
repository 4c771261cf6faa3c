//! The lower half of the tenant dashboard: a range, a grouping, the top resources and the
//! cost table, and the CSV export of the range.

use leptos::prelude::*;

use crate::components::cost_table::CostTable;
use crate::components::date_range_picker::DateRangePicker;
use crate::components::export_button::ExportButton;
use crate::components::group_by_select::GroupBySelect;
use crate::components::top_resources_chart::TopResourcesChart;
use crate::logic::cost_rows::GroupBy;
use crate::logic::date::{Date, DateRange};

#[component]
pub fn CostExplorer(
    org: String,
    today: Date,
    range: RwSignal<DateRange>,
    group_by: RwSignal<GroupBy>,
    #[prop(into)] refresh: Signal<u32>,
) -> impl IntoView {
    view! {
        <section class="cost-explorer" aria-label="Cost explorer">
            <h2 class="section-title">"Costs by range"</h2>
            <div class="toolbar">
                <DateRangePicker range today />
                <div class="toolbar-end">
                    <GroupBySelect group_by />
                    <ExportButton org=org.clone() range />
                </div>
            </div>
            <div class="explorer-grid">
                <TopResourcesChart org=org.clone() range refresh />
                <CostTable org range group_by refresh />
            </div>
        </section>
    }
}
