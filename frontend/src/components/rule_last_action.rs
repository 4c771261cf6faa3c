//! The last scaling action of a rule, in one line.

use api_types::ActionSummary;
use leptos::prelude::*;

use crate::components::status_badge::StatusBadge;
use crate::logic::rule_text::{action_status_badge, action_text, action_when, direction_arrow};

/// `↑ scale out 2 → 3`, its state and when (`.rule-last-action`, with `data-direction` and
/// `data-status`); a dash before the first action. A failed action's error is its tooltip.
#[component]
pub fn RuleLastAction(action: Option<ActionSummary>) -> impl IntoView {
    let Some(action) = action else {
        return view! { <span class="muted">"—"</span> }.into_any();
    };
    let (kind, status) = action_status_badge(action.status);
    view! {
        <span
            class="rule-last-action"
            data-direction=action.direction.as_str()
            data-status=action.status.as_str()
            title=action.error.clone()
        >
            {direction_arrow(action.direction)}
            " "
            {action_text(&action)}
            " "
            <StatusBadge kind text=status />
            " "
            <span class="muted action-when">{action_when(&action)}</span>
        </span>
    }
    .into_any()
}
