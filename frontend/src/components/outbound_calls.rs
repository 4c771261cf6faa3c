//! The requests one invocation made with `fetch()`: method, host, outcome, time and size.

use api_types::OutboundCall;
use leptos::prelude::*;

use crate::components::status_badge::StatusBadge;
use crate::logic::display::{format_bytes, http_status_badge};
use crate::logic::test_call::format_duration_ms;

/// Nothing when the call made no request.
#[component]
pub fn OutboundCalls(calls: Vec<OutboundCall>) -> impl IntoView {
    (!calls.is_empty()).then(|| {
        let rows = calls
            .into_iter()
            .map(|call| {
                let outcome = match (call.status, call.error) {
                    (Some(status), _) => {
                        view! { <StatusBadge kind=http_status_badge(status) text=status.to_string() /> }.into_any()
                    }
                    (None, error) => {
                        view! { <span class="outbound-error">{error.unwrap_or_default()}</span> }.into_any()
                    }
                };
                view! {
                    <tr>
                        <td><code>{call.method}</code></td>
                        <td>{call.host}</td>
                        <td>{outcome}</td>
                        <td class="numeric">{format_duration_ms(call.duration_ms)}</td>
                        <td class="numeric">{format_bytes(call.bytes)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="detail-label">"Outbound requests " <span class="muted">"(fetch)"</span></div>
            <table class="outbound-calls">
                <tbody>{rows}</tbody>
            </table>
        }
    })
}
