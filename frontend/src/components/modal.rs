//! A Clarity modal dialog over a dimmed page.

use leptos::prelude::*;

/// A dialog titled `title`; `children` are its body and footer (`.modal-body`,
/// `.modal-footer`). The close button, Escape and a click on the backdrop call `on_close`.
#[component]
pub fn Modal(
    #[prop(into)] title: String,
    #[prop(into)] id: String,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())></div>
        <div
            class="modal"
            id=id
            role="dialog"
            aria-modal="true"
            aria-labelledby=labelled_by
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    on_close.run(());
                }
            }
        >
            <div class="modal-dialog">
                <div class="modal-header">
                    <h3 class="modal-title" id=title_id>
                        {title}
                    </h3>
                    <button type="button" class="modal-close" aria-label="Close" on:click=move |_| on_close.run(())>
                        "×"
                    </button>
                </div>
                {children()}
            </div>
        </div>
    }
}
