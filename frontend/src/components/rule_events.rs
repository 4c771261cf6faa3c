//! `#rule-events`: a rule's timeline, newest first; action entries open their journal.

use api_types::{AutoscaleEvent, EventKind};
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::rule_action_steps::RuleActionSteps;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::format_timestamp;
use crate::logic::load_state::DataState;
use crate::logic::rule_text::event_kind_badge;

/// The timeline of `events` as the API lists them (newest first): `ol#rule-events` (with
/// `data-state`) and one `li.rule-event` per event with `data-kind` and `data-event-id`
/// (plus `data-action-id` when it belongs to an action). An action's entry has a
/// `button.event-steps-toggle` that shows its steps, fetched again when `revision` changes.
#[component]
pub fn RuleEvents(
    org: String,
    rule_id: String,
    #[prop(into)] events: Signal<Option<Result<Vec<AutoscaleEvent>, ApiError>>>,
    #[prop(into)] revision: Signal<String>,
) -> impl IntoView {
    let (org, rule_id) = (StoredValue::new(org), StoredValue::new(rule_id));
    let state = move || events.with(|e| DataState::of(e.as_ref(), Vec::is_empty)).as_str();
    let placeholder = move || match events.get() {
        None => Some(view! { <Spinner label="Loading the timeline…" /> }.into_any()),
        Some(Err(error)) => Some(view! { <ErrorAlert error /> }.into_any()),
        Some(Ok(list)) if list.is_empty() => Some(
            view! {
                <EmptyState
                    title="Nothing happened yet"
                    hint="Pushed metrics, vROps alerts, decisions and scaling actions appear here."
                />
            }
            .into_any(),
        ),
        Some(Ok(_)) => None,
    };
    // Keyed by id, so an entry whose steps are open stays open when the list is fetched again.
    let items = move || events.get().and_then(Result::ok).unwrap_or_default();
    let item = move |event: AutoscaleEvent| {
        view! { <EventItem event org=org.get_value() rule_id=rule_id.get_value() revision /> }
    };
    view! {
        {placeholder}
        <ol id="rule-events" class="timeline" data-state=state>
            <For each=items key=|e| e.id children=item />
        </ol>
    }
}

#[component]
fn EventItem(event: AutoscaleEvent, org: String, rule_id: String, revision: Signal<String>) -> impl IntoView {
    let slug = event.kind.as_str();
    let open = RwSignal::new(false);
    let journal = event.action_id.clone().filter(|_| event.kind == EventKind::Action).map(|action_id| {
        let steps = move || {
            open.get().then(|| {
                view! {
                    <RuleActionSteps org=org.clone() rule_id=rule_id.clone() action_id=action_id.clone() revision />
                }
            })
        };
        view! {
            <button
                type="button"
                class="btn btn-sm btn-link event-steps-toggle"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Hide steps" } else { "Steps" }}
            </button>
            {steps}
        }
    });
    let count = event.vm_count.map(|n| view! { <span class="muted event-vms">{format!("{n} VMs")}</span> });
    view! {
        <li
            class=format!("rule-event kind-{slug}")
            data-kind=slug
            data-event-id=event.id
            data-action-id=event.action_id.clone()
        >
            <span class="event-dot" aria-hidden="true"></span>
            <div class="event-body">
                <div class="event-head">
                    <StatusBadge kind=event_kind_badge(event.kind) text=slug />
                    <time class="event-time" datetime=event.at.clone()>
                        {format_timestamp(&event.at)}
                    </time>
                    {count}
                </div>
                <p class="event-message">{event.message}</p>
                {journal}
            </div>
        </li>
    }
}
