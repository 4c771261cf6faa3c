//! A dashboard card with one amount.

use leptos::prelude::*;

/// A card titled `label` showing `amount` (in `.card-amount`), with `children` as small text
/// below it.
#[component]
pub fn StatCard(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] amount: String,
    /// An id for the amount's element.
    #[prop(optional, into)]
    amount_id: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div id=id class="card stat-card">
            <div class="stat-label">{label}</div>
            <div id=amount_id class="card-amount">
                {amount}
            </div>
            <div class="stat-meta">{children.map(|c| c())}</div>
        </div>
    }
}
