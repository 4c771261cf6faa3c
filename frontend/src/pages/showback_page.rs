//! `#/showback`: the tenant's showback dashboard. Cards from the month's summary, the month
//! trend and the services of the last months as charts drawn here with the server's `charts`
//! code, then a cost explorer over any range, and the budget editor.

use api_types::{ShowbackOverview, ShowbackSummary};
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
use crate::logic::date::DateRange;
use crate::logic::load_state::DataState;

/// Months in the by-service chart, the current one included.
const HISTORY_MONTHS: u32 = 6;

type History = Result<Columns, ApiError>;

#[component]
pub fn ShowbackPage(org: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let today = host::today_utc();
    let refresh = RwSignal::new(0u32);
    // The first screen (cards and both charts) comes in one request.
    let overview_org = org.clone();
    let overview = LocalResource::new(move || {
        refresh.track();
        let (api, org) = (api.clone(), overview_org.clone());
        async move { api.showback_overview(&org, HISTORY_MONTHS).await }
    });
    let summary = Signal::derive(move || overview.get().map(|o| o.map(|o| o.summary)));
    let history: Signal<Option<History>> = Signal::derive(move || overview.get().map(|o| o.map(history_columns)));
    let no_records = |months: &Columns| months.iter().all(|(_, r)| r.groups.is_empty());
    let state = move || DataState::of_both(summary.get().as_ref(), history.get().as_ref(), no_records);
    let empty = Memo::new(move |_| history.with(|h| h.as_ref().map(|h| h.as_ref().is_ok_and(no_records))));
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
                <TrendChart org=org.clone() summary refresh />
                <ServicesChart history />
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
                        overview.refetch();
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

/// The overview's months as chart columns, oldest first.
fn history_columns(overview: ShowbackOverview) -> Columns {
    overview.months.into_iter().map(|m| (m.month, m.report)).collect()
}
