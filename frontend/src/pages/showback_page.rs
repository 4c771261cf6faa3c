//! `#/showback`: what the org has cost this month, by service.

use api_types::CostReport;
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::page_heading::PageHeading;
use crate::components::spinner::Spinner;
use crate::host;
use crate::logic::date::{Date, DateRange};
use crate::logic::display::{count_noun, share_percent};
use crate::logic::load_state::DataState;
use crate::logic::money::{amount_for_chart, format_money};

const COLUMNS: &[Column] = &[Column::text("Service"), Column::numeric("Cost"), Column::numeric("Share")];

const CHART_WIDTH: u32 = 720;
const CHART_HEIGHT: u32 = 300;

#[component]
pub fn ShowbackPage(org: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let range = DateRange::month_to_date(host::today_utc());
    let fetch_org = org.clone();
    let costs = LocalResource::new(move || {
        let (api, org) = (api.clone(), fetch_org.clone());
        async move { api.costs_by_service(&org, range).await }
    });
    let state = move || costs.map(|r| DataState::of(Some(r), |c| c.groups.is_empty())).unwrap_or(DataState::Loading);
    let body = move || match costs.get() {
        None => view! { <Spinner label="Loading costs…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(report)) => report_view(report, range).into_any(),
    };
    view! {
        <section id="page-showback" class="page" data-state=move || state().as_str()>
            <PageHeading
                title="Showback"
                subtitle=format!("Costs of organization {org}, month to date")
                on_refresh=Callback::new(move |()| costs.refetch())
            />
            {body}
        </section>
    }
}

/// One row of the report with its amount as a number, for ordering and the chart.
struct Line {
    service: String,
    cost: String,
    value: f64,
}

fn report_view(report: CostReport, requested: DateRange) -> impl IntoView {
    let period = match (Date::parse_iso(&report.from), Date::parse_iso(&report.to)) {
        (Some(from), Some(to)) => DateRange { from, to },
        _ => requested,
    };
    let total = format_money(&report.total, &report.currency);
    let total_value = amount_for_chart(&report.total).unwrap_or(0.0);
    let mut lines: Vec<Line> = report
        .groups
        .into_iter()
        .map(|g| Line { value: amount_for_chart(&g.cost).unwrap_or(0.0), service: g.key, cost: g.cost })
        .collect();
    lines.sort_by(|a, b| b.value.total_cmp(&a.value));
    let services = count_noun(lines.len(), "service", "services");
    let footer = services.clone();
    let summary = view! {
        <div class="card summary-card">
            <div class="card-header">"Month to date"</div>
            <div class="card-block">
                <div id="showback-total" class="summary-value">{total}</div>
                <div class="summary-meta">
                    <span class="badge badge-info">{report.currency.clone()}</span>
                    <span>{period.describe()}</span>
                </div>
                <div class="summary-meta">{services}</div>
            </div>
        </div>
    };
    if lines.is_empty() {
        return view! {
            <div class="showback">
                {summary}
                <EmptyState
                    title="No costs recorded this month"
                    hint="Costs appear here once this organization's resources are metered."
                />
            </div>
        }
        .into_any();
    }
    let bars: Vec<(String, f64)> = lines.iter().map(|l| (l.service.clone(), l.value)).collect();
    let svg = charts::bar_chart_svg("Cost by service", &bars, &report.currency, CHART_WIDTH, CHART_HEIGHT);
    let rows = lines
        .into_iter()
        .map(|l| {
            view! {
                <tr>
                    <td class="strong">{l.service}</td>
                    <td class="numeric">{format_money(&l.cost, &report.currency)}</td>
                    <td class="numeric">{share_percent(l.value, total_value)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="showback">
            <div class="showback-top">
                {summary}
                <div class="card chart-card">
                    <div id="showback-chart" class="chart" inner_html=svg></div>
                </div>
            </div>
            <Datagrid columns=COLUMNS footer>{rows}</Datagrid>
        </div>
    }
    .into_any()
}
