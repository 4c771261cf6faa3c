//! Rolling the org back to an earlier release, after a confirmation.

use api_types::ApplyResult;
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::modal::Modal;
use crate::components::modal_footer::{ModalFooter, busy_label, run_once};

/// `#rollback-dialog` with `#release-rollback-confirm`; `on_done` gets the rollback's outcome.
#[component]
pub fn ReleaseRollbackDialog(
    org: String,
    number: i64,
    on_close: Callback<()>,
    on_done: Callback<ApplyResult>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let confirm = Callback::new(move |()| {
        let (api, org) = (api.clone(), org.clone());
        run_once(busy, failure, async move { api.rollback_release(&org, number).await }, move |done| on_done.run(done));
    });
    view! {
        <Modal title=format!("Roll back to release {number}?") id="rollback-dialog" on_close>
            <div class="modal-body">
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                <p>
                    "Each function of release " <strong>{number}</strong>
                    " serves again the exact version that release left, as a new version, recorded as a new "
                    "release. Functions that later releases created stay as they are."
                </p>
            </div>
            <ModalFooter
                on_cancel=on_close
                confirm_id="release-rollback-confirm"
                label=busy_label(busy, "Roll back", "Rolling back…")
                disabled=busy
                on_confirm=confirm
            />
        </Modal>
    }
}
