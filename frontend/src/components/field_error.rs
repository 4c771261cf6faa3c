//! The messages under a form field that the server (or the form itself) rejected.

use leptos::prelude::*;

/// One `.field-error` line per message; nothing when there are none.
#[component]
pub fn FieldError(#[prop(into)] messages: Signal<Vec<String>>) -> impl IntoView {
    move || {
        messages
            .get()
            .into_iter()
            .map(|m| {
                view! {
                    <div class="field-error" role="alert">
                        {m}
                    </div>
                }
            })
            .collect_view()
    }
}
