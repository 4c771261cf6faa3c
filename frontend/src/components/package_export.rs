//! "Export package": the org's functions, all ticked, each with why it is in; the download is
//! the archive of the ticked ones (unsigned: sign it with `stratus package sign`).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::modal::Modal;
use crate::components::modal_footer::ModalFooter;
use crate::components::spinner::Spinner;
use crate::host;

/// `#export-dialog` with `#export-download`.
#[component]
pub fn PackageExport(org: String, on_close: Callback<()>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let (list_api, list_org) = (api.clone(), org.clone());
    let functions = LocalResource::new(move || {
        let (api, org) = (list_api.clone(), list_org.clone());
        async move { api.functions(&org).await }
    });
    let unticked = RwSignal::new(BTreeSet::<String>::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let chosen = move || -> Vec<String> {
        let all = functions.get().and_then(Result::ok).map(|l| l.items).unwrap_or_default();
        unticked.with(|off| all.into_iter().map(|f| f.name).filter(|n| !off.contains(n)).collect())
    };
    let download = move |()| {
        let names = chosen();
        if names.is_empty() || busy.get_untracked() {
            return;
        }
        // Everything ticked is a full export: the org's autoscale rules come too.
        let names = if unticked.with_untracked(BTreeSet::is_empty) { Vec::new() } else { names };
        busy.set(true);
        failure.set(None);
        let (api, org) = (api.clone(), org.clone());
        spawn_local(async move {
            match api.export_package(&org, &names).await {
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
        functions.get().map(|result| match result {
            Err(error) => view! { <ErrorAlert error /> }.into_any(),
            Ok(list) => {
                let rows = list.items.into_iter().map(|f| export_row(f.name, unticked)).collect_view();
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
                    if busy.get() { "Exporting…".to_owned() } else { format!("Download {} element(s)", chosen().len()) }
                })
                disabled=Signal::derive(move || busy.get() || chosen().is_empty())
                on_confirm=Callback::new(download)
            />
        </Modal>
    }
}

fn export_row(name: String, unticked: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let (check, toggle) = (name.clone(), name.clone());
    view! {
        <tr data-element=format!("function:{name}")>
            <td class="select-col">
                <input
                    type="checkbox"
                    aria-label=format!("Export {name}")
                    prop:checked=move || unticked.with(|off| !off.contains(&check))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        unticked.update(|off| {
                            if on { off.remove(&toggle); } else { off.insert(toggle.clone()); }
                        });
                    }
                />
            </td>
            <td>
                <code>{format!("function:{name}")}</code>
            </td>
            <td class="muted">"picked"</td>
        </tr>
    }
}
