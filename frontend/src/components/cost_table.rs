//! `#cost-table`: the org's costs over a range, grouped, with shares and a total row.

use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::spinner::Spinner;
use crate::logic::chart_data::report_period;
use crate::logic::cost_rows::{GroupBy, cost_rows};
use crate::logic::date::DateRange;
use crate::logic::money::format_money;

const fn columns(key: &'static str) -> [Column; 3] {
    [Column::text(key), Column::numeric("Cost"), Column::numeric("Share")]
}

const SERVICE: [Column; 3] = columns("Service");
const RESOURCE: [Column; 3] = columns("Resource");
const DAY: [Column; 3] = columns("Day");
const MONTH: [Column; 3] = columns("Month");
const TENANT: [Column; 3] = columns("Tenant");

/// The headings for a grouping.
pub fn cost_columns(group_by: GroupBy) -> &'static [Column] {
    match group_by {
        GroupBy::Service => &SERVICE,
        GroupBy::Resource => &RESOURCE,
        GroupBy::Day => &DAY,
        GroupBy::Month => &MONTH,
        GroupBy::Org => &TENANT,
    }
}

/// Fetches and shows the costs; the wrapper's `data-state` and `data-group-by` describe the
/// table on screen (the old one stays while a new grouping loads).
#[component]
pub fn CostTable(
    org: String,
    #[prop(into)] range: Signal<DateRange>,
    #[prop(into)] group_by: Signal<GroupBy>,
    #[prop(into)] refresh: Signal<u32>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let report = LocalResource::new(move || {
        refresh.track();
        let (api, org, range, group_by) = (api.clone(), org.clone(), range.get(), group_by.get());
        async move { (group_by, api.costs(&org, range, group_by).await) }
    });
    let state = move || match report.get() {
        None => "loading",
        Some((_, Err(_))) => "error",
        Some((_, Ok(r))) if r.groups.is_empty() => "empty",
        Some(_) => "ready",
    };
    let shown = move || report.get().map(|(g, _)| g.as_str()).unwrap_or_default();
    let body = move || match report.get() {
        None => view! { <Spinner label="Loading costs…" /> }.into_any(),
        Some((_, Err(error))) => view! { <ErrorAlert error /> }.into_any(),
        Some((_, Ok(r))) if r.groups.is_empty() => view! {
            <EmptyState title="No costs in this range" hint="Pick a longer range, or another one." />
        }
        .into_any(),
        Some((group_by, Ok(r))) => {
            let rows = cost_rows(&r, group_by);
            let footer = format!("{} · {}", group_by.count(rows.len()), report_period(&r));
            let currency = r.currency.clone();
            let total = format_money(&r.total, &r.currency);
            let rows = rows
                .into_iter()
                .map(|row| {
                    view! {
                        <tr>
                            <td class="strong">{row.key}</td>
                            <td class="numeric">{format_money(&row.cost, &currency)}</td>
                            <td class="numeric">{row.share}</td>
                        </tr>
                    }
                })
                .collect_view();
            let totals = move || {
                view! {
                    <tr class="total-row">
                        <td>"Total"</td>
                        <td class="numeric">{total.clone()}</td>
                        <td class="numeric">"100%"</td>
                    </tr>
                }
            };
            view! {
                <Datagrid columns=cost_columns(group_by) footer table_id="cost-table" totals>
                    {rows}
                </Datagrid>
            }
            .into_any()
        }
    };
    view! {
        <div class="cost-table" data-state=state data-group-by=shown>
            {body}
        </div>
    }
}
