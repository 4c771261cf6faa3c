//! The Clarity-style loading spinner.

use leptos::prelude::*;

/// A spinning ring with a line saying what is loading.
#[component]
pub fn Spinner(#[prop(into)] label: String) -> impl IntoView {
    view! {
        <div class="spinner-block" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span class="spinner-label">{label}</span>
        </div>
    }
}
