//! `#chart-tenant-services`: the top tenants side by side, each bar stacked by service.

use api_types::CostReport;
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::components::chart_card::{ChartCard, ChartContent};
use crate::logic::chart_data::{Columns, report_period, smallest_first, stacked};
use crate::logic::cost_rows::GroupBy;
use crate::logic::date::{Date, DateRange};
use crate::logic::join::join_all;

/// Drawn at the size it is shown at in a half-width card.
const SIZE: (u32, u32) = (540, 320);

/// For each tenant of `top`, fetches its costs by service over the same days, all at once.
#[component]
pub fn TenantServicesChart(#[prop(into)] top: Signal<Option<Result<CostReport, ApiError>>>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let columns = LocalResource::new(move || {
        let (api, top) = (api.clone(), top.get());
        async move {
            match top? {
                Err(error) => Some(Err(error)),
                Ok(top) => Some(by_service(&api, &top).await),
            }
        }
    });
    let content = Signal::derive(move || match columns.get().flatten() {
        None => ChartContent::Loading,
        Some(Err(error)) => ChartContent::Failed(error),
        Some(Ok(columns)) if columns.iter().all(|(_, r)| r.groups.is_empty()) => {
            ChartContent::Empty("No costs in this range.".into())
        }
        Some(Ok(columns)) => {
            let period = columns.first().map(|(_, r)| report_period(r)).unwrap_or_default();
            let (tenants, series, unit) = stacked(&smallest_first(columns));
            let title = format!("Cost by service per tenant, {period}");
            ChartContent::Svg(charts::stacked_bars_svg(&title, &tenants, &series, &unit, SIZE))
        }
    });
    view! { <ChartCard id="chart-tenant-services" title="Cost by service per tenant" content /> }
}

async fn by_service(api: &ApiClient, top: &CostReport) -> Result<Columns, ApiError> {
    let (Some(from), Some(to)) = (Date::parse_iso(&top.from), Date::parse_iso(&top.to)) else {
        return Ok(Vec::new());
    };
    let range = DateRange { from, to };
    let tenants: Vec<String> = top.groups.iter().map(|g| g.key.clone()).collect();
    let reports = join_all(tenants.iter().map(|org| api.costs(org, range, GroupBy::Service))).await;
    tenants.into_iter().zip(reports).map(|(org, r)| r.map(|r| (org, r))).collect()
}
