//! The journal of one scaling action: each step, its VM and its state.

use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::error_alert::ErrorAlert;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::format_timestamp;
use crate::logic::rule_text::{action_status_badge, action_text, step_state_badge};

/// Fetches the action and lists its steps (`ol.action-steps` with `data-action`, one
/// `li.action-step` per step with `data-step` and `data-state`), again when `revision` changes.
#[component]
pub fn RuleActionSteps(
    org: String,
    rule_id: String,
    action_id: String,
    #[prop(into)] revision: Signal<String>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let fetch_action = action_id.clone();
    let detail = LocalResource::new(move || {
        revision.track();
        let (api, org, rule, action) = (api.clone(), org.clone(), rule_id.clone(), fetch_action.clone());
        async move { api.autoscale_action(&org, &rule, &action).await }
    });
    let body = move || match detail.get() {
        None => view! { <Spinner label="Loading the steps…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(detail)) => {
            let (kind, status) = action_status_badge(detail.summary.status);
            let error = detail.summary.error.clone().map(|e| view! { <p class="invocation-error">{e}</p> });
            let steps = detail
                .steps
                .into_iter()
                .map(|step| {
                    let (kind, state) = step_state_badge(step.state);
                    view! {
                        <li class="action-step" data-step=step.step.as_str() data-state=step.state.as_str()>
                            <span class="step-seq">{step.seq}</span>
                            <code class="step-name">{step.step.as_str()}</code>
                            <span class="step-vm">{step.vm_name}</span>
                            <StatusBadge kind text=state />
                            <span class="muted step-detail">{step.detail.unwrap_or_default()}</span>
                            <span class="muted step-when" title=step.updated_at.clone()>
                                {format_timestamp(&step.updated_at)}
                            </span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p class="action-head">
                    {action_text(&detail.summary)} " " <StatusBadge kind text=status />
                </p>
                {error}
                <ol class="action-steps" data-action=action_id.clone()>
                    {steps}
                </ol>
            }
            .into_any()
        }
    };
    view! { <div class="action-journal">{body}</div> }
}
