//! `#/provider/showback`: every tenant's costs for a provider, the top consumers, and each top
//! tenant's services; a tenant's name opens its own dashboard.

use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::date_range_picker::DateRangePicker;
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::page_heading::PageHeading;
use crate::components::spinner::Spinner;
use crate::components::tenant_services_chart::TenantServicesChart;
use crate::components::tenant_table::TenantTable;
use crate::components::top_tenants_chart::TopTenantsChart;
use crate::host;
use crate::logic::cost_rows::GroupBy;
use crate::logic::date::DateRange;
use crate::logic::load_state::DataState;

/// Tenants in the top chart and in the by-service chart.
const TOP_TENANTS: u32 = 10;

/// The page; `on_open_org` selects a tenant before its dashboard opens.
#[component]
pub fn ProviderShowbackPage(on_open_org: Callback<String>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let today = host::today_utc();
    let range = RwSignal::new(DateRange::month_to_date(today));
    let refresh = RwSignal::new(0u32);
    let costs_api = api.clone();
    let tenants = LocalResource::new(move || {
        refresh.track();
        let (api, range) = (costs_api.clone(), range.get());
        async move { api.provider_costs(range, GroupBy::Org).await }
    });
    let top = LocalResource::new(move || {
        refresh.track();
        let (api, range) = (api.clone(), range.get());
        async move { api.provider_top(range, TOP_TENANTS).await }
    });
    let state = move || tenants.map(|r| DataState::of(Some(r), |c| c.groups.is_empty())).unwrap_or(DataState::Loading);
    let top_now = Signal::derive(move || top.get());
    let table = move || match tenants.get() {
        None => view! { <Spinner label="Loading tenants' costs…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(report)) if report.groups.is_empty() => view! {
            <EmptyState
                title="No cost records in this range"
                hint="Collectors fill the cost store: add one (an HTTP billing API, a usage file or function \
                      metering) or import usage with `stratus showback import`."
            />
        }
        .into_any(),
        Some(Ok(report)) => view! { <TenantTable report on_open_org /> }.into_any(),
    };
    view! {
        <section id="page-provider-showback" class="page showback" data-state=move || state().as_str()>
            <PageHeading
                title="Tenant costs"
                subtitle="What every organization costs, and who costs most"
                on_refresh=Callback::new(move |()| refresh.update(|n| *n += 1))
            />
            <div class="toolbar">
                <DateRangePicker range today />
            </div>
            <div class="explorer-grid">
                <div class="tenant-costs">{table}</div>
                <div class="chart-stack">
                    <TopTenantsChart top=top_now />
                    <TenantServicesChart top=top_now />
                </div>
            </div>
        </section>
    }
}
