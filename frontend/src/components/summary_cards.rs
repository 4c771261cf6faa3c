//! The row of cards at the top of the tenant dashboard.

use api_types::ShowbackSummary;
use leptos::prelude::*;

use crate::components::budget_card::BudgetCard;
use crate::components::stat_card::StatCard;
use crate::logic::money::format_money;
use crate::logic::showback_text::{days_note, month_label, previous_month_label, projection_note};

/// Month to date, projected month end, last month and the budget.
#[component]
pub fn SummaryCards(summary: ShowbackSummary, on_edit_budget: Callback<()>) -> impl IntoView {
    let money = |amount: &str| format_money(amount, &summary.currency);
    view! {
        <div class="stat-cards">
            // `#showback-total` is the amount's id from before the dashboard, kept for older tests.
            <StatCard
                id="card-mtd"
                label="Month to date"
                amount=money(&summary.month_to_date)
                amount_id="showback-total"
            >
                {format!("{} · {}", month_label(&summary.month), days_note(summary.days_elapsed, summary.days_in_month))}
            </StatCard>
            <StatCard id="card-projected" label="Projected month end" amount=money(&summary.projected)>
                <span class="stat-method">{projection_note(summary.projection_method)}</span>
            </StatCard>
            <StatCard id="card-last-month" label="Last month" amount=money(&summary.last_month)>
                {previous_month_label(&summary.month)}
            </StatCard>
            <BudgetCard budget=summary.budget.clone() on_edit=on_edit_budget />
        </div>
    }
}
