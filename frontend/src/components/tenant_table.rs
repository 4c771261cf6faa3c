//! `#tenant-table`: every tenant's cost over a range, each a link into its dashboard.

use api_types::CostReport;
use leptos::prelude::*;

use crate::components::datagrid::{Column, Datagrid};
use crate::logic::chart_data::report_period;
use crate::logic::cost_rows::{GroupBy, cost_rows};
use crate::logic::money::format_money;
use crate::logic::route::Route;

const COLUMNS: &[Column] =
    &[Column::text("Tenant"), Column::numeric("Cost"), Column::numeric("Share"), Column::text("")];

/// The table of `report` (grouped by org); `on_open_org` runs when a tenant is clicked, just
/// before the link opens the tenant dashboard.
#[component]
pub fn TenantTable(report: CostReport, on_open_org: Callback<String>) -> impl IntoView {
    let rows = cost_rows(&report, GroupBy::Org);
    let footer = format!("{} · {}", GroupBy::Org.count(rows.len()), report_period(&report));
    let currency = report.currency.clone();
    let rows = rows
        .into_iter()
        .map(|row| {
            let (org, label, open_org) = (row.key.clone(), row.key.clone(), row.key.clone());
            let open = move |_| on_open_org.run(open_org.clone());
            view! {
                <tr data-org=org>
                    <td class="strong">
                        <a class="tenant-link" href=Route::Showback.href() on:click=open.clone()>
                            {label}
                        </a>
                    </td>
                    <td class="numeric tenant-cost">{format_money(&row.cost, &currency)}</td>
                    <td class="numeric">{row.share}</td>
                    <td class="row-actions">
                        <a class="btn btn-sm btn-link" href=Route::Showback.href() on:click=open>
                            "Open dashboard"
                        </a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let total = format_money(&report.total, &report.currency);
    let totals = move || {
        view! {
            <tr class="total-row">
                <td>"Total"</td>
                <td class="numeric">{total.clone()}</td>
                <td class="numeric">"100%"</td>
                <td></td>
            </tr>
        }
    };
    view! {
        <Datagrid columns=COLUMNS footer table_id="tenant-table" totals>
            {rows}
        </Datagrid>
    }
}
