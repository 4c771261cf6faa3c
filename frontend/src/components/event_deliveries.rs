//! The Events tab: the vCD events delivered to an event-triggered function, their attempts and
//! errors, and re-driving the dead letters.

use std::time::Duration;

use api_types::{DeliveryStatus, EventDelivery};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::host;
use crate::logic::display::{count_noun, format_timestamp};
use crate::logic::event_deliveries::{
    DeliveryFilter, can_redrive, dead_count, delivery_status_badge, pretty_payload, short_event_type,
};
use crate::logic::route::{FunctionTab, Route};

const COLUMNS: &[Column] = &[
    Column::text("Received"),
    Column::text("Event"),
    Column::text("Status"),
    Column::numeric("Attempts"),
    Column::text("Last error"),
    Column::text("Invocation"),
    Column::text(""),
];

/// While deliveries are pending or running, the list is fetched again this often.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// The deliveries of `name`, triggered by `event`; fetched again when the tab is shown
/// (`active`), on Refresh, after a re-drive, and while some are still on their way.
#[component]
pub fn EventDeliveries(
    org: String,
    name: String,
    #[prop(into)] event: String,
    #[prop(into)] active: Signal<bool>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let filter = RwSignal::new(DeliveryFilter::All);
    let (fetch_api, fetch_org, fetch_name) = (api.clone(), org.clone(), name.clone());
    let deliveries = LocalResource::new(move || {
        let filter = filter.get();
        let (api, org, name) = (fetch_api.clone(), fetch_org.clone(), fetch_name.clone());
        async move { api.function_deliveries(&org, &name, filter).await }
    });
    host::refetch_while(
        deliveries,
        |r| {
            r.as_ref().is_ok_and(|l| {
                l.items.iter().any(|d| matches!(d.status, DeliveryStatus::Pending | DeliveryStatus::Running))
            })
        },
        POLL_EVERY,
    );
    Effect::new(move |was_active: Option<bool>| {
        let now = active.get();
        if now && was_active == Some(false) {
            deliveries.refetch();
        }
        now
    });
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);

    let (one_api, one_org, one_name) = (api.clone(), org.clone(), name.clone());
    let redrive = Callback::new(move |id: String| {
        busy.set(true);
        failure.set(None);
        let (api, org, name) = (one_api.clone(), one_org.clone(), one_name.clone());
        spawn_local(async move {
            let result = api.redrive_delivery(&org, &name, &id).await;
            busy.set(false);
            match result {
                Ok(_) => deliveries.refetch(),
                Err(error) => failure.set(Some(error)),
            }
        });
    });
    let (all_org, all_name) = (org.clone(), name.clone());
    let redrive_all = move |_| {
        busy.set(true);
        failure.set(None);
        let (api, org, name) = (api.clone(), all_org.clone(), all_name.clone());
        spawn_local(async move {
            let result = api.redrive_dead_deliveries(&org, &name).await;
            busy.set(false);
            match result {
                Ok(_) => deliveries.refetch(),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let dead =
        move || deliveries.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).map_or(0, |l| dead_count(&l.items)));

    let invocations_href = Route::function_href(&name, FunctionTab::Invocations);
    let body = move || match deliveries.get() {
        None => view! { <Spinner label="Loading event deliveries…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => {
            let (title, hint) = match filter.get_untracked() {
                DeliveryFilter::Dead => ("No dead letters", "Events whose every attempt failed are kept here."),
                DeliveryFilter::All => {
                    ("No events yet", "Each vCD event of this org that matches the trigger is listed here.")
                }
                _ => ("No events with this status", "Choose another status to see more."),
            };
            view! { <EmptyState title hint /> }.into_any()
        }
        Some(Ok(list)) => {
            let footer = format!("{} (newest first)", count_noun(list.items.len(), "delivery", "deliveries"));
            let href = invocations_href.clone();
            let rows = list.items.into_iter().map(|d| delivery_row(d, href.clone(), busy, redrive)).collect_view();
            view! { <Datagrid columns=COLUMNS footer table_id="deliveries-table">{rows}</Datagrid> }.into_any()
        }
    };
    let options = DeliveryFilter::ALL
        .into_iter()
        .map(|f| view! { <option value=f.value() selected=move || filter.get() == f>{f.label()}</option> })
        .collect_view();
    view! {
        <div id="function-events">
            <p class="muted">
                "Runs on each vCD event " <code>{event}</code>
                " of this org, once per event. A failed delivery is tried again after 10 s, 1 min and 5 min; "
                "then it is a dead letter until it is re-driven."
            </p>
            <div class="panel-toolbar page-actions">
                <label class="toolbar-field">
                    <span class="toolbar-label">"Status"</span>
                    <select
                        id="deliveries-filter"
                        class="clr-select"
                        on:change=move |ev| filter.set(DeliveryFilter::from_value(&event_target_value(&ev)))
                    >
                        {options}
                    </select>
                </label>
                <button
                    type="button"
                    id="deliveries-redrive-all"
                    class="btn btn-sm btn-outline"
                    disabled=move || busy.get() || dead() == 0
                    on:click=redrive_all
                >
                    "Re-drive all dead"
                </button>
                <button
                    type="button"
                    id="deliveries-refresh"
                    class="btn btn-sm btn-outline"
                    on:click=move |_| deliveries.refetch()
                >
                    "Refresh"
                </button>
            </div>
            {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
            {body}
        </div>
    }
}

fn delivery_row(
    d: EventDelivery,
    invocations_href: String,
    busy: RwSignal<bool>,
    redrive: Callback<String>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let id = d.id.clone();
    let redrive_button = can_redrive(&d).then(|| {
        view! {
            <button
                type="button"
                class="btn btn-sm btn-primary redrive-button"
                disabled=move || busy.get()
                on:click=move |_| redrive.run(id.clone())
            >
                "Re-drive"
            </button>
        }
    });
    let invocation = d.invocation_id.clone().map(|inv| {
        view! {
            <a href=invocations_href title="The function's invocations">
                <code>{inv}</code>
            </a>
        }
    });
    let error = d.last_error.clone().unwrap_or_else(|| "—".to_owned());
    let next = d.next_attempt_at.as_deref().map(|at| format!("next attempt {}", format_timestamp(at)));
    let payload = pretty_payload(&d.payload);
    view! {
        <tr data-delivery=d.id.clone() data-status=d.status.as_str()>
            <td title=d.created_at.clone()>{format_timestamp(&d.created_at)}</td>
            <td title=d.event_type.clone()>
                <code>{short_event_type(&d.event_type)}</code>
                <div class="muted">{d.event_id.clone()}</div>
            </td>
            <td>
                <StatusBadge kind=delivery_status_badge(d.status) text=d.status.as_str() />
                {next.map(|n| view! { <div class="muted">{n}</div> })}
            </td>
            <td class="numeric">{d.attempts}</td>
            <td class="delivery-error">{error}</td>
            <td>{invocation}</td>
            <td class="row-actions">
                <button
                    type="button"
                    class="btn btn-sm btn-link"
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || if open.get() { "Hide event" } else { "Event" }}
                </button>
                {redrive_button}
            </td>
        </tr>
        <tr class="detail-row" hidden=move || !open.get()>
            <td colspan="7">
                <pre class="code-block">{payload}</pre>
            </td>
        </tr>
    }
}
