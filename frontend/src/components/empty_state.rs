//! What a list shows when it has nothing in it.

use leptos::prelude::*;

use crate::components::icon::{Icon, IconShape};

/// A centred illustration with a title and a hint on what to do next.
#[component]
pub fn EmptyState(#[prop(into)] title: String, #[prop(into)] hint: String) -> impl IntoView {
    view! {
        <div class="empty-state">
            <Icon shape=IconShape::Empty size=48 />
            <p class="empty-title">{title}</p>
            <p class="empty-hint">{hint}</p>
        </div>
    }
}
