//! `#/autoscale`: rules that grow and shrink vApps.

use api_types::AutoscaleRuleSummary;
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::page_heading::PageHeading;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::{BadgeKind, count_noun, vm_counts};
use crate::logic::load_state::DataState;

const COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("vApp"),
    Column::text("VMs"),
    Column::text("Enabled"),
    Column::text("Last action"),
];

#[component]
pub fn AutoscalePage(org: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let fetch_org = org.clone();
    let rules = LocalResource::new(move || {
        let (api, org) = (api.clone(), fetch_org.clone());
        async move { api.autoscale_rules(&org).await }
    });
    let state = move || rules.map(|r| DataState::of(Some(r), |l| l.items.is_empty())).unwrap_or(DataState::Loading);
    let body = move || match rules.get() {
        None => view! { <Spinner label="Loading autoscale rules…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => view! {
            <EmptyState
                title="No autoscale rules yet"
                hint="An autoscale rule adds and removes VMs of a vApp between a minimum and a maximum."
            />
        }
        .into_any(),
        Some(Ok(list)) => {
            let footer = count_noun(list.items.len(), "rule", "rules");
            let rows = list.items.into_iter().map(rule_row).collect_view();
            view! { <Datagrid columns=COLUMNS footer>{rows}</Datagrid> }.into_any()
        }
    };
    view! {
        <section id="page-autoscale" class="page" data-state=move || state().as_str()>
            <PageHeading
                title="Autoscale"
                subtitle=format!("Autoscale rules of organization {org}")
                on_refresh=Callback::new(move |()| rules.refetch())
            />
            {body}
        </section>
    }
}

fn rule_row(rule: AutoscaleRuleSummary) -> impl IntoView {
    let (kind, enabled) = if rule.enabled { (BadgeKind::Success, "Enabled") } else { (BadgeKind::Neutral, "Disabled") };
    view! {
        <tr>
            <td class="strong">{rule.name}</td>
            <td>{rule.vapp}</td>
            <td>{vm_counts(rule.current_vms, rule.min_vms, rule.max_vms)}</td>
            <td>
                <StatusBadge kind text=enabled />
            </td>
            <td>{rule.last_action.unwrap_or_else(|| "—".to_owned())}</td>
        </tr>
    }
}
