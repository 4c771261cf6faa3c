//! The footer of a dialog: Cancel, then the dialog's one action.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

/// Cancel and the action button `confirm_id` (`class`, `btn btn-primary` unless set). With
/// `on_confirm` the button runs it; without, it submits the dialog's form.
#[component]
pub fn ModalFooter(
    on_cancel: Callback<()>,
    confirm_id: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(default = "btn btn-primary")] class: &'static str,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional)] on_confirm: Option<Callback<()>>,
) -> impl IntoView {
    let kind = if on_confirm.is_some() { "button" } else { "submit" };
    view! {
        <div class="modal-footer">
            <button type="button" class="btn btn-outline" on:click=move |_| on_cancel.run(())>
                "Cancel"
            </button>
            <button
                id=confirm_id
                type=kind
                class=class
                disabled=move || disabled.get()
                on:click=move |_| {
                    if let Some(confirm) = on_confirm {
                        confirm.run(());
                    }
                }
            >
                {move || label.get()}
            </button>
        </div>
    }
}

/// Runs a dialog's API call unless one is running (`busy`): its error goes to `failure` (and
/// the dialog may be used again), its result to `done`.
pub fn run_once<T: 'static>(
    busy: RwSignal<bool>,
    failure: RwSignal<Option<ApiError>>,
    call: impl Future<Output = Result<T, ApiError>> + 'static,
    done: impl FnOnce(T) + 'static,
) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    failure.set(None);
    spawn_local(async move {
        match call.await {
            Ok(value) => done(value),
            Err(error) => {
                busy.set(false);
                failure.set(Some(error));
            }
        }
    });
}

/// `busy_text` while `busy`, else `text`: a footer button's label.
pub fn busy_label(busy: RwSignal<bool>, text: &'static str, busy_text: &'static str) -> Signal<String> {
    Signal::derive(move || if busy.get() { busy_text } else { text }.to_owned())
}
