//! The invocations tab: a function's latest calls with their logs.

use api_types::InvocationResult;
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::outbound_calls::OutboundCalls;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::{count_noun, format_bytes, format_timestamp, http_status_badge, invocation_status_badge};
use crate::logic::test_call::format_duration_ms;

const COLUMNS: &[Column] = &[
    Column::text("Time"),
    Column::numeric("Duration"),
    Column::text("Status"),
    Column::text("HTTP"),
    Column::numeric("Memory"),
    Column::text("Cold start"),
    Column::numeric("Version"),
    Column::text(""),
];

/// How many invocations the tab shows.
const LIMIT: u32 = 50;

/// The newest invocations, fetched again whenever the tab is shown (`active`) and on Refresh.
#[component]
pub fn InvocationList(org: String, name: String, #[prop(into)] active: Signal<bool>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let invocations = LocalResource::new(move || {
        let (api, org, name) = (api.clone(), org.clone(), name.clone());
        async move { api.function_invocations(&org, &name, LIMIT).await }
    });
    // Shown again after a while: what happened in the meantime (e.g. test calls) is listed.
    Effect::new(move |was_active: Option<bool>| {
        let now = active.get();
        if now && was_active == Some(false) {
            invocations.refetch();
        }
        now
    });
    let body = move || match invocations.get() {
        None => view! { <Spinner label="Loading invocations…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => view! {
            <EmptyState title="No invocations yet" hint="Calls of this function are listed here, newest first." />
        }
        .into_any(),
        Some(Ok(list)) => {
            let footer = format!(
                "{} (newest first, at most {LIMIT})",
                count_noun(list.items.len(), "invocation", "invocations")
            );
            let rows = list.items.into_iter().map(invocation_row).collect_view();
            view! { <Datagrid columns=COLUMNS footer>{rows}</Datagrid> }.into_any()
        }
    };
    view! {
        <div id="function-invocations">
            <div class="panel-toolbar">
                <button
                    type="button"
                    id="invocations-refresh"
                    class="btn btn-sm btn-outline"
                    on:click=move |_| invocations.refetch()
                >
                    "Refresh"
                </button>
            </div>
            {body}
        </div>
    }
}

fn invocation_row(inv: InvocationResult) -> impl IntoView {
    let r = inv.record;
    let open = RwSignal::new(false);
    let duration = r.duration_ms.map(format_duration_ms).unwrap_or_else(|| "—".into());
    let http = r.http_status.map(|s| view! { <StatusBadge kind=http_status_badge(s) text=s.to_string() /> });
    let memory = r.memory_used_bytes.map(format_bytes).unwrap_or_else(|| "—".into());
    let error = r.error_code.clone().map(|code| {
        view! {
            <p class="invocation-error">
                <code>{code}</code>
                " "
                {r.error_message.clone().unwrap_or_default()}
            </p>
        }
    });
    let has_logs = !r.logs.is_empty();
    let logs = if has_logs { r.logs.clone() } else { "(nothing logged)".to_owned() };
    view! {
        <tr data-invocation=r.id.clone()>
            <td title=r.started_at.clone()>{format_timestamp(&r.started_at)}</td>
            <td class="numeric">{duration}</td>
            <td>
                <StatusBadge kind=invocation_status_badge(r.status) text=r.status.as_str() />
                {(r.attempts > 1)
                    .then(|| {
                        view! {
                            <span class="invocation-attempts" title="async calls are retried after a failure">
                                {format!(" {} attempts", r.attempts)}
                            </span>
                        }
                    })}
            </td>
            <td>{http}</td>
            <td class="numeric">{memory}</td>
            <td>{if r.cold_start { "cold" } else { "warm" }}</td>
            <td class="numeric">{r.version}</td>
            <td class="row-actions">
                <button
                    type="button"
                    class="btn btn-sm btn-link"
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || if open.get() { "Hide logs" } else { "Logs" }}
                </button>
            </td>
        </tr>
        <tr class="detail-row" hidden=move || !open.get()>
            <td colspan="8">
                {error}
                <div class="detail-label">
                    "Log tail " <span class="muted">"(last 4 KiB) · invocation "</span> <code>{r.id.clone()}</code>
                </div>
                <pre class="code-block logs" class:empty=!has_logs>{logs}</pre>
                <OutboundCalls calls=r.outbound.clone() />
            </td>
        </tr>
    }
}
