//! "Export package": every element a full export holds, each with why it is in (a
//! configuration element: the rules that need it); functions can be unticked, which leaves the
//! rules out. The download is unsigned: sign it with `stratus package sign`.

use std::collections::BTreeSet;

use api_types::ExportElement;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::modal::Modal;
use crate::components::modal_footer::ModalFooter;
use crate::components::spinner::Spinner;
use crate::host;
use crate::logic::package_export::{count, function_name, functions_param, included, why};
use crate::logic::urls::PackageScope;

/// `#export-dialog` with `#export-download`.
#[component]
pub fn PackageExport(org: String, on_close: Callback<()>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let (list_api, list_org) = (api.clone(), org.clone());
    let elements = LocalResource::new(move || {
        let (api, org) = (list_api.clone(), list_org.clone());
        async move { api.export_elements(&org).await }
    });
    let unticked = RwSignal::new(BTreeSet::<String>::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let all = move || elements.get().and_then(Result::ok).map(|l| l.items).unwrap_or_default();
    let counted = move || unticked.with(|off| count(&all(), off));
    let download = move |()| {
        if counted() == 0 || busy.get_untracked() {
            return;
        }
        let names = unticked.with_untracked(|off| functions_param(&all(), off));
        busy.set(true);
        failure.set(None);
        let (api, org) = (api.clone(), org.clone());
        spawn_local(async move {
            match api.export_package(&PackageScope::Org(org.clone()), &names).await {
                Ok(bytes) => {
                    if let Err(why) = host::save_bytes(&format!("{org}.stratus"), "application/octet-stream", &bytes) {
                        failure.set(Some(ApiError::network(why)));
                    } else {
                        on_close.run(());
                    }
                }
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };
    let rows = move || {
        elements.get().map(|result| match result {
            Err(error) => view! { <ErrorAlert error /> }.into_any(),
            Ok(list) => {
                let rows = list.items.into_iter().map(|e| export_row(e, unticked)).collect_view();
                view! {
                    <table class="datagrid-table" id="export-table">
                        <thead>
                            <tr>
                                <th class="select-col"></th>
                                <th>"Element"</th>
                                <th>"Why it is in"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }
        })
    };
    view! {
        <Modal title="Export a package" id="export-dialog" on_close>
            <div class="modal-body">
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                <p class="muted">
                    "Each function travels as the version it serves, with its settings and secret slots (never their values). \
                     With every function ticked, the organization's autoscale rules come too, their vCD objects as \
                     configuration elements."
                </p>
                {move || rows().unwrap_or_else(|| view! { <Spinner label="Loading functions…" /> }.into_any())}
            </div>
            <ModalFooter
                on_cancel=on_close
                confirm_id="export-download"
                label=Signal::derive(move || {
                    if busy.get() { "Exporting…".to_owned() } else { format!("Download {} element(s)", counted()) }
                })
                disabled=Signal::derive(move || busy.get() || counted() == 0)
                on_confirm=Callback::new(download)
            />
        </Modal>
    }
}

fn export_row(element: ExportElement, unticked: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let id = element.id.clone();
    let name = function_name(&element).map(str::to_owned);
    let (check, shown) = (element.clone(), element);
    let toggle = name.clone();
    view! {
        <tr data-element=id.clone()>
            <td class="select-col">
                <input
                    type="checkbox"
                    aria-label=format!("Export {id}")
                    disabled=name.is_none()
                    prop:checked=move || unticked.with(|off| included(&check, off))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        if let Some(name) = &toggle {
                            unticked.update(|off| {
                                if on { off.remove(name); } else { off.insert(name.clone()); }
                            });
                        }
                    }
                />
            </td>
            <td>
                <code>{id.clone()}</code>
            </td>
            <td class="muted">{move || unticked.with(|off| why(&shown, off))}</td>
        </tr>
    }
}
