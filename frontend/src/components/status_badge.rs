//! A Clarity badge.

use leptos::prelude::*;

use crate::logic::display::BadgeKind;

/// A small coloured pill with a word in it.
#[component]
pub fn StatusBadge(kind: BadgeKind, #[prop(into)] text: String) -> impl IntoView {
    view! { <span class=kind.class()>{text}</span> }
}
