//! `#/autoscale/{id}`: one autoscale rule — its facts, VM-count chart, VMs, timeline and a
//! console to test it with metrics.
//!
//! Element ids: `#page-rule` (`data-state` `loading|ready|error`, `data-status`
//! `ok|scaling|error|disabled`, `data-rule-id`, `data-enabled`); heading `#rule-title`;
//! actions `#rule-toggle` (Enable/Disable), `#rule-edit`, `#rule-rotate-secret`,
//! `#rule-delete` (then `#rule-delete-dialog`, `#rule-delete-confirm`); `#rule-action-error`
//! when one of them failed. `#rule-summary` (`#rule-current-vms` with `data-current`,
//! `#rule-webhook-path`, `#rule-last-metrics`), `#chart-vm-count` (`data-state`), `#rule-vms`
//! (rows `tr.vm-row`, toggles `input.vm-protect`), `#rule-events` (one `li.rule-event` per
//! event with `data-kind`; action entries' `button.event-steps-toggle` shows
//! `ol.action-steps`), `#push-metrics` (`#push-cpu`, `#push-memory`, `#push-send`,
//! `#push-result`, `#push-reason`). Rotating shows `#rule-secret-dialog` (`#rule-webhook-secret`,
//! `#rule-secret-copy`, `#rule-secret-done`).

use std::time::Duration;

use api_types::{Rule, RuleStatus, RuleWithSecret};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::rule_delete_dialog::RuleDeleteDialog;
use crate::components::rule_events::RuleEvents;
use crate::components::rule_metrics_form::RuleMetricsForm;
use crate::components::rule_secret_dialog::RuleSecretDialog;
use crate::components::rule_summary::RuleSummary;
use crate::components::rule_vm_chart::RuleVmChart;
use crate::components::rule_vm_table::RuleVmTable;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::host;
use crate::logic::route::Route;
use crate::logic::rule_text::rule_status_badge;

/// How often a scaling rule is looked at again.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// The newest events the timeline and the chart show.
const EVENT_LIMIT: u32 = 200;

#[component]
pub fn AutoscaleRulePage(org: String, id: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let (fetch_api, fetch_org, fetch_id) = (api.clone(), org.clone(), id.clone());
    let rule = LocalResource::new(move || {
        let (api, org, id) = (fetch_api.clone(), fetch_org.clone(), fetch_id.clone());
        async move { api.autoscale_rule(&org, &id).await }
    });
    host::refetch_while(rule, |r| r.as_ref().is_ok_and(|r| r.status == RuleStatus::Scaling), POLL_EVERY);
    // The last rule that loaded: a failed poll leaves the page as it was, with an alert.
    let loaded = RwSignal::new(None::<Rule>);
    Effect::new(move || {
        if let Some(Ok(r)) = rule.get() {
            loaded.set(Some(r));
        }
    });
    // Anything that changes the rule's state also adds to its timeline and may change its VMs.
    let pushes = RwSignal::new(0u32);
    let revision = Memo::new(move |_| {
        let pushed = pushes.get();
        loaded.with(|r| {
            r.as_ref().map_or_else(String::new, |r| {
                let action = r.last_action.as_ref().map(|a| format!("{}:{:?}", a.id, a.status));
                let metrics = r.last_metrics.as_ref().map(|m| m.at.clone());
                format!("{pushed}|{:?}|{:?}|{action:?}|{metrics:?}|{}", r.status, r.current_vms, r.updated_at)
            })
        })
    });
    let (events_api, events_org, events_id) = (api.clone(), org.clone(), id.clone());
    let events = LocalResource::new(move || {
        revision.track();
        let (api, org, id) = (events_api.clone(), events_org.clone(), events_id.clone());
        async move { api.autoscale_events(&org, &id, EVENT_LIMIT).await.map(|l| l.items) }
    });
    let events_now = Signal::derive(move || events.get());
    let revision: Signal<String> = revision.into();

    let adopt = move |r: Rule| {
        loaded.set(Some(r));
        rule.refetch();
    };
    let action_error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let secret = RwSignal::new(None::<RuleWithSecret>);
    let show_delete = RwSignal::new(false);

    let (toggle_api, toggle_org, toggle_id) = (api.clone(), org.clone(), id.clone());
    let toggle = move |_| {
        let Some(mut spec) = loaded.with_untracked(|r| r.as_ref().map(|r| r.spec.clone())) else { return };
        spec.enabled = !spec.enabled;
        busy.set(true);
        action_error.set(None);
        let (api, org, id) = (toggle_api.clone(), toggle_org.clone(), toggle_id.clone());
        spawn_local(async move {
            let result = api.update_autoscale_rule(&org, &id, &spec).await;
            busy.set(false);
            match result {
                Ok(r) => adopt(r),
                Err(error) => action_error.set(Some(error)),
            }
        });
    };
    let (rotate_api, rotate_org, rotate_id) = (api.clone(), org.clone(), id.clone());
    let rotate = move |_| {
        busy.set(true);
        action_error.set(None);
        let (api, org, id) = (rotate_api.clone(), rotate_org.clone(), rotate_id.clone());
        spawn_local(async move {
            let result = api.rotate_autoscale_secret(&org, &id).await;
            busy.set(false);
            match result {
                Ok(with_secret) => {
                    adopt(with_secret.rule.clone());
                    secret.set(Some(with_secret));
                }
                Err(error) => action_error.set(Some(error)),
            }
        });
    };

    let secret_dialog = move || {
        secret.get().map(|created| {
            view! {
                <RuleSecretDialog
                    title="New webhook secret"
                    created
                    on_close=Callback::new(move |()| secret.set(None))
                />
            }
        })
    };
    let (dialog_org, dialog_id) = (org.clone(), id.clone());
    let delete_dialog = move || {
        show_delete.get().then(|| {
            let name = loaded.with_untracked(|r| r.as_ref().map(|r| r.spec.name.clone())).unwrap_or_default();
            view! {
                <RuleDeleteDialog
                    org=dialog_org.clone()
                    id=dialog_id.clone()
                    name
                    on_close=Callback::new(move |()| show_delete.set(false))
                    on_deleted=Callback::new(|()| host::go_to(&Route::Autoscale.href()))
                />
            }
        })
    };

    let state = move || match (loaded.with(Option::is_some), rule.with(|r| r.is_some())) {
        (true, _) => "ready",
        (false, false) => "loading",
        (false, true) => "error",
    };
    let status = move || loaded.with(|r| r.as_ref().map(|r| rule_status_badge(r.status).1));
    let enabled = move || loaded.with(|r| r.as_ref().map(|r| r.spec.enabled));
    let name = move || loaded.with(|r| r.as_ref().map(|r| r.spec.name.clone())).unwrap_or_else(|| "Rule".to_owned());
    let vapp = move || {
        loaded.with(|r| {
            r.as_ref().map(|r| {
                let vapp = if r.targets.vapp_name.is_empty() { &r.spec.vapp } else { &r.targets.vapp_name };
                format!("Scales vApp {vapp}")
            })
        })
    };
    let failure = move || rule.get().and_then(Result::err);
    let content = move || {
        if loaded.with(Option::is_none) {
            return Some(match failure() {
                Some(error) => view! {
                    <ErrorAlert error />
                    <a href=Route::Autoscale.href()>"Back to the rules"</a>
                }
                .into_any(),
                None => view! { <Spinner label="Loading the rule…" /> }.into_any(),
            });
        }
        None
    };
    let summary = move || loaded.get().map(|rule| view! { <RuleSummary rule /> });
    let bounds =
        Signal::derive(move || loaded.with(|r| r.as_ref().map_or((0, 0), |r| (r.spec.min_vms, r.spec.max_vms))));
    let current = Signal::derive(move || loaded.with(|r| r.as_ref().and_then(|r| r.current_vms)));
    let on_pushed = Callback::new(move |()| {
        pushes.update(|n| *n += 1);
        rule.refetch();
    });
    let edit_href = Route::EditRule { id: id.clone() }.href();
    view! {
        <section
            id="page-rule"
            class="page rule-page"
            data-state=state
            data-status=status
            data-enabled=move || enabled().map(|e| e.to_string())
            data-rule-id=id.clone()
        >
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href=Route::Autoscale.href()>"Autoscale"</a>
                <span class="breadcrumb-sep">"/"</span>
                <span>{name}</span>
            </nav>
            <div class="page-heading">
                <div>
                    <h1 id="rule-title" class="title-with-badge">
                        {name}
                        {move || {
                            loaded
                                .get()
                                .map(|r| {
                                    let (kind, text) = rule_status_badge(r.status);
                                    view! { <StatusBadge kind text /> }
                                })
                        }}
                    </h1>
                    <p class="page-subtitle">{vapp}</p>
                </div>
                <div class="page-actions" hidden=move || loaded.with(Option::is_none)>
                    <button
                        id="rule-toggle"
                        type="button"
                        class="btn btn-sm btn-outline"
                        disabled=move || busy.get()
                        on:click=toggle
                    >
                        {move || if enabled() == Some(true) { "Disable" } else { "Enable" }}
                    </button>
                    <a id="rule-edit" class="btn btn-sm btn-primary" href=edit_href>
                        "Edit"
                    </a>
                    <button
                        id="rule-rotate-secret"
                        type="button"
                        class="btn btn-sm btn-outline"
                        disabled=move || busy.get()
                        on:click=rotate
                    >
                        "Rotate secret"
                    </button>
                    <button
                        id="rule-delete"
                        type="button"
                        class="btn btn-sm btn-danger-outline"
                        on:click=move |_| show_delete.set(true)
                    >
                        "Delete"
                    </button>
                    <button type="button" class="btn btn-sm btn-outline" on:click=move |_| rule.refetch()>
                        "Refresh"
                    </button>
                </div>
            </div>
            {move || {
                action_error
                    .get()
                    .map(|error| {
                        view! {
                            <div id="rule-action-error">
                                <ErrorAlert error />
                            </div>
                        }
                    })
            }}
            {move || {
                loaded.with(Option::is_some).then(failure).flatten().map(|error| view! { <ErrorAlert error /> })
            }}
            {content}
            <div class="rule-body" hidden=move || loaded.with(Option::is_none)>
                <div class="chart-row">
                    {summary}
                    <RuleVmChart events=events_now bounds current />
                </div>
                <h2 class="section-title">"VMs"</h2>
                <RuleVmTable org=org.clone() rule_id=id.clone() revision />
                <div class="rule-columns">
                    <div>
                        <h2 class="section-title">"Timeline"</h2>
                        <RuleEvents org=org.clone() rule_id=id.clone() events=events_now revision />
                    </div>
                    <div>
                        <h2 class="section-title">"Test"</h2>
                        <RuleMetricsForm org=org.clone() rule_id=id.clone() on_pushed />
                    </div>
                </div>
            </div>
            {secret_dialog}
            {delete_dialog}
        </section>
    }
}
