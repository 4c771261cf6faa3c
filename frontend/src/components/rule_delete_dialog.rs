//! Deleting an autoscale rule, after a confirmation.

use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::modal::Modal;
use crate::components::modal_footer::{ModalFooter, busy_label, run_once};

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
    let delete = Callback::new(move |()| {
        let (api, org, id) = (api.clone(), org.clone(), id.clone());
        run_once(deleting, failure, async move { api.delete_autoscale_rule(&org, &id).await }, move |()| {
            on_deleted.run(())
        });
    });
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
            <ModalFooter
                on_cancel=on_close
                confirm_id="rule-delete-confirm"
                label=busy_label(deleting, "Delete", "Deleting…")
                class="btn btn-danger"
                disabled=deleting
                on_confirm=delete
            />
        </Modal>
    }
}
