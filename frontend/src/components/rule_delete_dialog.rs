//! Deleting an autoscale rule, after a confirmation.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::modal::Modal;

/// `#rule-delete-dialog` with `#rule-delete-confirm`; `on_deleted` runs once the API has
/// deleted the rule.
#[component]
pub fn RuleDeleteDialog(
    org: String,
    id: String,
    name: String,
    on_close: Callback<()>,
    on_deleted: Callback<()>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let deleting = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let delete = move |_| {
        if deleting.get_untracked() {
            return;
        }
        deleting.set(true);
        failure.set(None);
        let (api, org, id) = (api.clone(), org.clone(), id.clone());
        spawn_local(async move {
            match api.delete_autoscale_rule(&org, &id).await {
                Ok(()) => on_deleted.run(()),
                Err(error) => {
                    deleting.set(false);
                    failure.set(Some(error));
                }
            }
        });
    };
    view! {
        <Modal title=format!("Delete {name}?") id="rule-delete-dialog" on_close>
            <div class="modal-body">
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                <p>
                    "The rule " <strong>{name.clone()}</strong>
                    " stops scaling its vApp, and its webhook stops answering. The VMs it added stay; "
                    "the timeline is deleted with it."
                </p>
            </div>
            <div class="modal-footer">
                <button type="button" class="btn btn-outline" on:click=move |_| on_close.run(())>
                    "Cancel"
                </button>
                <button
                    id="rule-delete-confirm"
                    type="button"
                    class="btn btn-danger"
                    disabled=move || deleting.get()
                    on:click=delete
                >
                    {move || if deleting.get() { "Deleting…" } else { "Delete" }}
                </button>
            </div>
        </Modal>
    }
}
