//! The budget card: amount, how much of it is spent, and its standing.

use api_types::BudgetStatus;
use leptos::prelude::*;

use crate::components::status_badge::StatusBadge;
use crate::logic::money::format_money;
use crate::logic::showback_text::{bar_percent, budget_badge, thresholds_note};

/// `#card-budget`; `on_edit` opens the budget editor.
#[component]
pub fn BudgetCard(budget: Option<BudgetStatus>, on_edit: Callback<()>) -> impl IntoView {
    let edit = move |label: &'static str| {
        view! {
            <button id="edit-budget" type="button" class="btn btn-sm btn-link stat-action" on:click=move |_| on_edit.run(())>
                {label}
            </button>
        }
    };
    let Some(b) = budget else {
        return view! {
            <div id="card-budget" class="card stat-card" data-status="none">
                <div class="stat-label">"Budget"</div>
                <div class="card-amount muted">"Not set"</div>
                <div class="stat-meta">"A monthly budget warns as spending nears it."</div>
                {edit("Set budget")}
            </div>
        }
        .into_any();
    };
    let (kind, word) = budget_badge(b.status);
    let width = format!("width: {}%", bar_percent(b.spent_percent));
    let title = format!("Warns at {}", thresholds_note(&b.thresholds));
    view! {
        <div id="card-budget" class="card stat-card" data-status=word>
            <div class="stat-label">
                "Budget" <StatusBadge kind text=word />
            </div>
            <div class="card-amount">{format_money(&b.amount, &b.currency)}</div>
            <div class=format!("budget-bar {word}") title=title role="presentation">
                <div class="budget-bar-fill" style=width></div>
            </div>
            <div class="stat-meta">
                <span class="budget-spent">{format!("{}% spent", b.spent_percent)}</span>
                <span class="stat-sep">"·"</span>
                <span>{format!("{}% projected", b.projected_percent)}</span>
            </div>
            {edit("Edit budget")}
        </div>
    }
    .into_any()
}
