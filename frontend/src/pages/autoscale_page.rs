//! `#/autoscale`: rules that grow and shrink vApps.
//!
//! Element ids: `#page-autoscale` (`data-state` `loading|empty|ready|error`), `#new-rule`,
//! `#rule-table` with one `tr.rule-row` per rule (`data-rule-id`, `data-status`
//! `ok|scaling|error|disabled`, `data-enabled`), its name a `a.rule-link`; the VM cell is
//! `.rule-vms`, the last action `.rule-last-action` (`data-direction`, `data-status`).

use std::time::Duration;

use api_types::{AutoscaleRuleSummary, RuleStatus};
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::page_heading::PageHeading;
use crate::components::rule_last_action::RuleLastAction;
use crate::components::skeleton_grid::SkeletonGrid;
use crate::components::status_badge::StatusBadge;
use crate::host;
use crate::logic::display::{BadgeKind, count_noun};
use crate::logic::load_state::DataState;
use crate::logic::route::Route;
use crate::logic::rule_text::{rule_status_badge, rule_vm_counts};

/// How often the list is fetched again while a rule is scaling.
const POLL_EVERY: Duration = Duration::from_secs(3);

const COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("vApp"),
    Column::text("Status"),
    Column::numeric("VMs (current of min–max)"),
    Column::text("Last action"),
    Column::text("Enabled"),
];

#[component]
pub fn AutoscalePage(org: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let fetch_org = org.clone();
    let rules = LocalResource::new(move || {
        let (api, org) = (api.clone(), fetch_org.clone());
        async move { api.autoscale_rules(&org).await }
    });
    host::refetch_while(
        rules,
        |r| r.as_ref().is_ok_and(|l| l.items.iter().any(|r| r.status == RuleStatus::Scaling)),
        POLL_EVERY,
    );
    let state = move || rules.map(|r| DataState::of(Some(r), |l| l.items.is_empty())).unwrap_or(DataState::Loading);
    let body = move || match rules.get() {
        None => view! { <SkeletonGrid columns=COLUMNS label="Loading autoscale rules…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => view! {
            <EmptyState
                title="No autoscale rules yet"
                hint="An autoscale rule adds and removes VMs of a vApp between a minimum and a maximum, \
                      behind its load balancer. Create one with New rule."
            />
        }
        .into_any(),
        Some(Ok(list)) => {
            let footer = count_noun(list.items.len(), "rule", "rules");
            let rows = list.items.into_iter().map(rule_row).collect_view();
            view! {
                <Datagrid columns=COLUMNS footer table_id="rule-table">
                    {rows}
                </Datagrid>
            }
            .into_any()
        }
    };
    view! {
        <section id="page-autoscale" class="page" data-state=move || state().as_str()>
            <PageHeading
                title="Autoscale"
                subtitle=format!("Autoscale rules of organization {org}")
                on_refresh=Callback::new(move |()| rules.refetch())
            >
                <a id="new-rule" class="btn btn-sm btn-primary" href=Route::NewRule.href()>
                    "New rule"
                </a>
            </PageHeading>
            {body}
        </section>
    }
}

fn rule_row(rule: AutoscaleRuleSummary) -> impl IntoView {
    let (status_kind, status) = rule_status_badge(rule.status);
    let (enabled_kind, enabled) =
        if rule.enabled { (BadgeKind::Success, "Enabled") } else { (BadgeKind::Neutral, "Disabled") };
    let vapp = if rule.vapp_name.is_empty() { rule.vapp.clone() } else { rule.vapp_name.clone() };
    view! {
        <tr class="rule-row" data-rule-id=rule.id.clone() data-status=status data-enabled=rule.enabled.to_string()>
            <td class="strong">
                <a class="rule-link function-link" href=Route::rule_href(&rule.id)>
                    {rule.name.clone()}
                </a>
            </td>
            <td title=rule.vapp.clone()>{vapp}</td>
            <td>
                <StatusBadge kind=status_kind text=status />
            </td>
            <td class="numeric rule-vms">{rule_vm_counts(rule.current_vms, rule.min_vms, rule.max_vms)}</td>
            <td>
                <RuleLastAction action=rule.last_action />
            </td>
            <td>
                <StatusBadge kind=enabled_kind text=enabled />
            </td>
        </tr>
    }
}
