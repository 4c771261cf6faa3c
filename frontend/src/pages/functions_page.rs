//! `#/functions`: the org's functions.

use std::time::Duration;

use api_types::{FunctionSummary, VersionStatus};
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::page_heading::PageHeading;
use crate::components::skeleton_grid::SkeletonGrid;
use crate::components::status_badge::StatusBadge;
use crate::host;
use crate::logic::display::{count_noun, format_timestamp, function_status_badge, version_label};
use crate::logic::load_state::DataState;
use crate::logic::route::{FunctionTab, Route};

/// How often the list is fetched again while a function is deploying.
const POLL_EVERY: Duration = Duration::from_secs(1);

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
    host::refetch_while(
        functions,
        |r| r.as_ref().is_ok_and(|l| l.items.iter().any(|f| f.status == VersionStatus::Initializing)),
        POLL_EVERY,
    );
    let state = move || functions.map(|r| DataState::of(Some(r), |l| l.items.is_empty())).unwrap_or(DataState::Loading);
    let body = move || match functions.get() {
        None => view! { <SkeletonGrid columns=COLUMNS label="Loading functions…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => view! {
            <EmptyState
                title="No functions yet"
                hint="Create one with New function: a JavaScript handler on a route of this organization."
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
            >
                <a id="new-function" class="btn btn-sm btn-primary" href=Route::NewFunction.href()>
                    "New function"
                </a>
            </PageHeading>
            {body}
        </section>
    }
}

fn function_row(f: FunctionSummary) -> impl IntoView {
    let updated = format_timestamp(&f.updated_at);
    view! {
        <tr>
            <td class="strong">
                <a class="function-link" href=Route::function_href(&f.name, FunctionTab::Overview)>
                    {f.name.clone()}
                </a>
            </td>
            <td>
                <code title=format!("route: {}", f.route)>{f.path}</code>
            </td>
            <td>{f.runtime}</td>
            <td>
                <StatusBadge kind=function_status_badge(f.status) text=f.status.as_str() />
            </td>
            <td class="numeric">{version_label(f.version, f.active_version)}</td>
            <td title=f.updated_at>{updated}</td>
        </tr>
    }
}
