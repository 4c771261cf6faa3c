//! `#/showback`: the tenant's showback dashboard. Cards from the month's summary, the month
//! trend and the services of the last months as charts drawn here with the server's `charts`
//! code, then a cost explorer over any range, and the budget editor.

use api_types::ShowbackSummary;
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::components::budget_editor::BudgetEditor;
use crate::components::cost_explorer::CostExplorer;
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::page_heading::PageHeading;
use crate::components::services_chart::ServicesChart;
use crate::components::spinner::Spinner;
use crate::components::summary_cards::SummaryCards;
use crate::components::trend_chart::TrendChart;
use crate::host;
use crate::logic::budget_form::BudgetValues;
use crate::logic::chart_data::Columns;
use crate::logic::cost_rows::GroupBy;
use crate::logic::date::{Date, DateRange};
use crate::logic::join::join_all;
use crate::logic::load_state::DataState;

/// Months in the by-service chart, the current one included.
const HISTORY_MONTHS: u32 = 6;

type History = Result<Columns, ApiError>;

#[component]
pub fn ShowbackPage(org: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let today = host::today_utc();
    let refresh = RwSignal::new(0u32);
    let (summary_api, summary_org) = (api.clone(), org.clone());
    let summary = LocalResource::new(move || {
        refresh.track();
        let (api, org) = (summary_api.clone(), summary_org.clone());
        async move { api.showback_summary(&org, &today.month_key()).await }
    });
    let history_org = org.clone();
    let history = LocalResource::new(move || {
        refresh.track();
        let (api, org) = (api.clone(), history_org.clone());
        async move { service_history(&api, &org, today).await }
    });
    let no_records = |months: &Columns| months.iter().all(|(_, r)| r.groups.is_empty());
    let state = move || DataState::of_both(summary.get().as_ref(), history.get().as_ref(), no_records);
    let empty = Memo::new(move |_| history.map(|h| h.as_ref().is_ok_and(no_records)));
    let summary_now = Signal::derive(move || summary.get());
    let history_now = Signal::derive(move || history.get());
    let range = RwSignal::new(DateRange::month_to_date(today));
    let group_by = RwSignal::new(GroupBy::Service);
    let editing = RwSignal::new(false);
    let on_edit_budget = Callback::new(move |()| editing.set(true));

    let cards = move || match summary.get() {
        None => view! { <Spinner label="Loading the month…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(summary)) => view! { <SummaryCards summary on_edit_budget /> }.into_any(),
    };
    let main_org = org.clone();
    let main = move || {
        if empty.get() == Some(true) {
            return view! {
                <EmptyState
                    title="No cost records yet"
                    hint="Collectors fill the cost store: billing APIs, usage files and function metering, \
                          set up by your provider, or an import. Costs show here after their first run."
                />
            }
            .into_any();
        }
        let org = main_org.clone();
        view! {
            <div class="chart-row">
                <TrendChart org=org.clone() summary=summary_now refresh />
                <ServicesChart history=history_now />
            </div>
            <CostExplorer org today range group_by refresh />
        }
        .into_any()
    };
    let dialog_org = org.clone();
    let dialog = move || {
        editing.get().then(|| {
            let current = summary.get_untracked().and_then(Result::ok);
            let initial = budget_values(current.as_ref());
            view! {
                <BudgetEditor
                    org=dialog_org.clone()
                    initial
                    on_close=Callback::new(move |()| editing.set(false))
                    on_saved=Callback::new(move |()| {
                        editing.set(false);
                        summary.refetch();
                    })
                />
            }
        })
    };
    view! {
        <section id="page-showback" class="page showback" data-state=move || state().as_str()>
            <PageHeading
                title="Showback"
                subtitle=format!("Costs of organization {org}")
                on_refresh=Callback::new(move |()| refresh.update(|n| *n += 1))
            />
            {cards}
            {main}
            {dialog}
        </section>
    }
}

fn budget_values(summary: Option<&ShowbackSummary>) -> BudgetValues {
    let currency = summary.map(|s| s.currency.as_str()).unwrap_or("EUR");
    BudgetValues::from_status(summary.and_then(|s| s.budget.as_ref()), currency)
}

/// The org's costs by service for each of the last months, fetched at once.
async fn service_history(api: &ApiClient, org: &str, today: Date) -> History {
    let months = DateRange::last_months(today, HISTORY_MONTHS);
    let reports = join_all(months.iter().map(|(_, range)| api.costs(org, *range, GroupBy::Service))).await;
    months.into_iter().zip(reports).map(|((label, _), report)| report.map(|r| (label, r))).collect()
}
