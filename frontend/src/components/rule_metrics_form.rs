//! A small console to test a rule: push usage metrics and see what the rule decides.

use api_types::Evaluation;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::status_badge::StatusBadge;
use crate::logic::rule_metrics::metrics_push;
use crate::logic::rule_text::{decision_badge, decision_text};

/// Inputs `#push-cpu` and `#push-memory`, button `#push-send`; the answer is
/// `#push-result` (`data-direction`, `data-duplicate`) with `#push-decision` and
/// `#push-reason`. `on_pushed` runs after every accepted push (the timeline has grown).
#[component]
pub fn RuleMetricsForm(org: String, rule_id: String, on_pushed: Callback<()>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let cpu = RwSignal::new(String::new());
    let memory = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let answer = RwSignal::new(None::<Result<Evaluation, ApiError>>);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let push = match metrics_push(&cpu.get_untracked(), &memory.get_untracked()) {
            Ok(push) => push,
            Err(reason) => {
                problem.set(Some(reason));
                return;
            }
        };
        problem.set(None);
        sending.set(true);
        let (api, org, id) = (api.clone(), org.clone(), rule_id.clone());
        spawn_local(async move {
            let result = api.push_autoscale_metrics(&org, &id, &push).await;
            sending.set(false);
            let accepted = result.is_ok();
            answer.set(Some(result));
            if accepted {
                on_pushed.run(());
            }
        });
    };
    let result = move || {
        answer.get().map(|result| match result {
            Err(error) => view! { <ErrorAlert error /> }.into_any(),
            Ok(evaluation) => {
                let d = evaluation.decision;
                let action = evaluation.action_id.map(|id| {
                    view! {
                        <p class="muted">
                            "Action " <code id="push-action">{id}</code> " started; follow it in the timeline."
                        </p>
                    }
                });
                let duplicate = evaluation
                    .duplicate
                    .then(|| view! { <p class="muted">"This signal had been received already and was ignored."</p> });
                view! {
                    <div
                        id="push-result"
                        class="push-result"
                        data-direction=d.direction.as_str()
                        data-duplicate=evaluation.duplicate.to_string()
                    >
                        <p>
                            <StatusBadge kind=decision_badge(d.direction) text=decision_text(&d) />
                        </p>
                        <p id="push-reason" class="push-reason">
                            {d.reason}
                        </p>
                        <span id="push-decision" hidden=true>
                            {d.direction.as_str()}
                        </span>
                        {action}
                        {duplicate}
                    </div>
                }
                .into_any()
            }
        })
    };
    view! {
        <form id="push-metrics" class="card push-form" on:submit=send>
            <div class="card-header">"Test with metrics"</div>
            <div class="card-block">
                <p class="form-help">
                    "Push the group's average usage as a monitoring system would, and see what the rule decides. "
                    "A decision to scale really scales."
                </p>
                <div class="push-inputs">
                    <label class="toolbar-field" for="push-cpu">
                        <span class="toolbar-label">"CPU %"</span>
                        <input
                            id="push-cpu"
                            type="number"
                            class="clr-input narrow"
                            min="0"
                            max="100"
                            step="any"
                            placeholder="91"
                            prop:value=cpu
                            on:input=move |ev| cpu.set(event_target_value(&ev))
                        />
                    </label>
                    <label class="toolbar-field" for="push-memory">
                        <span class="toolbar-label">"Memory %"</span>
                        <input
                            id="push-memory"
                            type="number"
                            class="clr-input narrow"
                            min="0"
                            max="100"
                            step="any"
                            placeholder="40"
                            prop:value=memory
                            on:input=move |ev| memory.set(event_target_value(&ev))
                        />
                    </label>
                    <button id="push-send" type="submit" class="btn btn-primary" disabled=move || sending.get()>
                        {move || if sending.get() { "Pushing…" } else { "Push" }}
                    </button>
                </div>
                {move || problem.get().map(|p| view! { <div class="field-error">{p}</div> })}
                {result}
            </div>
        </form>
    }
}
