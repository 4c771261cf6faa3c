//! Deleting a function, confirmed by typing its name.

use leptos::html::Input;
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::modal::Modal;
use crate::components::modal_footer::{ModalFooter, busy_label, run_once};

/// The confirmation dialog; `on_deleted` runs once the API has deleted the function.
#[component]
pub fn DeleteFunctionDialog(
    org: String,
    name: String,
    path: String,
    on_close: Callback<()>,
    on_deleted: Callback<()>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let typed = RwSignal::new(String::new());
    let input = NodeRef::<Input>::new();
    Effect::new(move || {
        if let Some(input) = input.get() {
            // Without focus the person types with the mouse first; nothing breaks either way.
            let _ = input.focus();
        }
    });
    let deleting = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let expected = name.clone();
    let confirmed = move || typed.with(|t| t.trim() == expected);
    let confirmed_for_delete = confirmed.clone();
    let delete_name = name.clone();
    let delete = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !confirmed_for_delete() {
            return;
        }
        let (api, org, name) = (api.clone(), org.clone(), delete_name.clone());
        run_once(deleting, failure, async move { api.delete_function(&org, &name).await }, move |()| {
            on_deleted.run(())
        });
    };
    view! {
        <Modal title=format!("Delete {name}?") id="delete-dialog" on_close>
            <form on:submit=delete>
                <div class="modal-body">
                    {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                    <p>
                        "This deletes " <strong>{name.clone()}</strong>
                        " with all its versions and its invocation history. " <code>{path}</code>
                        " stops answering at once. This cannot be undone."
                    </p>
                    <label class="form-label block" for="delete-confirm">
                        "Type " <strong>{name.clone()}</strong> " to confirm"
                    </label>
                    <input
                        id="delete-confirm"
                        node_ref=input
                        type="text"
                        class="clr-input wide"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=typed
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                </div>
                <ModalFooter
                    on_cancel=on_close
                    confirm_id="delete-confirm-button"
                    label=busy_label(deleting, "Delete", "Deleting…")
                    class="btn btn-danger"
                    disabled=Signal::derive(move || !confirmed() || deleting.get())
                />
            </form>
        </Modal>
    }
}
