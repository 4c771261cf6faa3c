//! Rolling the org back to an earlier release, after a confirmation.

use api_types::ApplyResult;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::modal::Modal;

/// `#rollback-dialog` with `#rollback-confirm`; `on_done` gets the rollback's outcome.
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
    let confirm = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let (api, org) = (api.clone(), org.clone());
        spawn_local(async move {
            match api.rollback_release(&org, number).await {
                Ok(done) => on_done.run(done),
                Err(error) => {
                    busy.set(false);
                    failure.set(Some(error));
                }
            }
        });
    };
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
            <div class="modal-footer">
                <button type="button" class="btn btn-outline" on:click=move |_| on_close.run(())>
                    "Cancel"
                </button>
                <button id="rollback-confirm" type="button" class="btn btn-primary" disabled=move || busy.get() on:click=confirm>
                    {move || if busy.get() { "Rolling back…" } else { "Roll back" }}
                </button>
            </div>
        </Modal>
    }
}
