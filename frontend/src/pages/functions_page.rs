//! `#/functions`: the org's functions.

use api_types::FunctionSummary;
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::page_heading::PageHeading;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::{count_noun, format_timestamp, function_status_badge, version_label};
use crate::logic::load_state::DataState;

const COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("Route"),
    Column::text("Runtime"),
    Column::text("Status"),
    Column::numeric("Version"),
    Column::text("Updated"),
];

#[component]
pub fn FunctionsPage(org: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let fetch_org = org.clone();
    let functions = LocalResource::new(move || {
        let (api, org) = (api.clone(), fetch_org.clone());
        async move { api.functions(&org).await }
    });
    let state = move || functions.map(|r| DataState::of(Some(r), |l| l.items.is_empty())).unwrap_or(DataState::Loading);
    let body = move || match functions.get() {
        None => view! { <Spinner label="Loading functions…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => view! {
            <EmptyState
                title="No functions yet"
                hint="Functions deployed to this organization will be listed here."
            />
        }
        .into_any(),
        Some(Ok(list)) => {
            let footer = count_noun(list.items.len(), "function", "functions");
            let rows = list.items.into_iter().map(function_row).collect_view();
            view! { <Datagrid columns=COLUMNS footer>{rows}</Datagrid> }.into_any()
        }
    };
    view! {
        <section id="page-functions" class="page" data-state=move || state().as_str()>
            <PageHeading
                title="Functions"
                subtitle=format!("Serverless functions of organization {org}")
                on_refresh=Callback::new(move |()| functions.refetch())
            />
            {body}
        </section>
    }
}

fn function_row(f: FunctionSummary) -> impl IntoView {
    let updated = format_timestamp(&f.updated_at);
    view! {
        <tr>
            <td class="strong">{f.name}</td>
            <td>
                <code title=format!("route: {}", f.route)>{f.path}</code>
            </td>
            <td>{f.runtime}</td>
            <td>
                <StatusBadge kind=function_status_badge(&f.status) text=f.status />
            </td>
            <td class="numeric">{version_label(f.version, f.active_version)}</td>
            <td title=f.updated_at>{updated}</td>
        </tr>
    }
}
