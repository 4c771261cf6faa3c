//! Rolling an org (or the provider's content) back to an earlier release, after a confirmation.

use api_types::ApplyResult;
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::modal::Modal;
use crate::components::modal_footer::{ModalFooter, busy_label, run_once};
use crate::logic::urls::PackageScope;

/// `#rollback-dialog` with `#release-rollback-confirm`; `on_done` gets the rollback's outcome.
#[component]
pub fn ReleaseRollbackDialog(
    scope: PackageScope,
    number: i64,
    on_close: Callback<()>,
    on_done: Callback<ApplyResult>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let scope_text = scope.clone();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let confirm = Callback::new(move |()| {
        let (api, scope) = (api.clone(), scope.clone());
        run_once(busy, failure, async move { api.rollback_release(&scope, number).await }, move |done| {
            on_done.run(done)
        });
    });
    view! {
        <Modal title=format!("Roll back to release {number}?") id="rollback-dialog" on_close>
            <div class="modal-body">
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                <p>{rollback_text(&scope_text, number)}</p>
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

fn rollback_text(scope: &PackageScope, number: i64) -> String {
    match scope {
        PackageScope::Org(_) => format!(
            "Each function of release {number} serves again the exact version that release left, as a new version, \
             and each of its rules holds the definition it wrote, recorded as a new release. Functions that later \
             releases created stay as they are."
        ),
        PackageScope::Provider => format!(
            "Each rate card, collector and org limit of release {number} is written back as that release wrote it \
             (collector credentials stay as they are here), recorded as a new release."
        ),
    }
}
