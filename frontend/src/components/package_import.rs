//! "Import package": pick an archive (or pull the org's export from a registered source), see it
//! verified and planned against the org (or the provider's content), untick what should wait,
//! look at the diffs, apply. A stale plan (the target changed meanwhile) is planned again with
//! one click.

use std::collections::BTreeSet;

use api_types::{ApplyResult, PackagePlan};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::package_plan_table::PackagePlanTable;
use crate::components::package_signers::PackageSigners;
use crate::components::package_source_pick::PackageSourcePick;
use crate::components::spinner::Spinner;
use crate::logic::package_plan::{default_selection, select_param};
use crate::logic::urls::PackageScope;

/// The card; `on_applied` runs after a release was made.
#[component]
pub fn PackageImport(scope: PackageScope, on_applied: Callback<()>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let input = NodeRef::<Input>::new();
    let plan = RwSignal::new(None::<PackagePlan>);
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let busy = RwSignal::new(None::<&'static str>);
    let error = RwSignal::new(None::<ApiError>);
    let result = RwSignal::new(None::<ApplyResult>);
    let source_org = scope.org().map(str::to_owned);
    let target = scope.target();
    let file = move || input.get_untracked().and_then(|i| i.files()).and_then(|list| list.get(0));

    // Where the plan shown came from: a source's name, or the file picked.
    let source = RwSignal::new(None::<String>);
    let (plan_api, plan_scope) = (api.clone(), scope.clone());
    let make_plan = move |from: Option<String>| {
        let archive = file();
        if from.is_none() && archive.is_none() {
            return;
        }
        busy.set(Some("Verifying and planning…"));
        error.set(None);
        result.set(None);
        plan.set(None);
        source.set(from.clone());
        let (api, scope) = (plan_api.clone(), plan_scope.clone());
        spawn_local(async move {
            let planned = match (&from, &archive, scope.org()) {
                (Some(name), _, Some(org)) => api.plan_source(org, name).await,
                (None, Some(archive), _) => api.plan_package(&scope, archive).await,
                _ => {
                    busy.set(None);
                    return;
                }
            };
            match planned {
                Ok(planned) => {
                    selected.set(default_selection(&planned));
                    plan.set(Some(planned));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(None);
        });
    };
    let replan = make_plan.clone();
    let pick_source = make_plan.clone();
    let apply = move |_| {
        let Some(planned) = plan.get_untracked() else { return };
        let (from, archive) = (source.get_untracked(), file());
        let select = selected.with_untracked(|s| select_param(&planned, s));
        busy.set(Some("Applying…"));
        error.set(None);
        let (api, scope) = (api.clone(), scope.clone());
        spawn_local(async move {
            let (fingerprint, select) = (&planned.fingerprint, select.as_deref());
            let done = match (&from, &archive, scope.org()) {
                (Some(name), _, Some(org)) => api.apply_source(org, name, fingerprint, select).await,
                (None, Some(archive), _) => api.apply_package(&scope, archive, fingerprint, select).await,
                _ => {
                    busy.set(None);
                    return;
                }
            };
            match done {
                Ok(done) => {
                    plan.set(None);
                    result.set(Some(done));
                    on_applied.run(());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(None);
        });
    };
    let cancel = move |_| {
        plan.set(None);
        error.set(None);
        if let Some(input) = input.get_untracked() {
            input.set_value("");
        }
    };
    let stale = move || error.with(|e| e.as_ref().is_some_and(|e| e.code == "stale_plan"));
    let picked = move || selected.with(BTreeSet::len);
    view! {
        <section class="card" id="package-import">
            <div class="card-header">"Import a package"</div>
            <div class="card-block">
                <p class="muted">
                    {format!(
                        "A .stratus archive is verified against this instance's trust store and planned against {target}; \
                         nothing changes until you apply. An apply is one release: all of it or none."
                    )}
                </p>
                <label class="btn btn-sm btn-primary" for="package-file" class:disabled=move || busy.get().is_some()>
                    "Choose package…"
                </label>
                <input
                    id="package-file"
                    type="file"
                    class="visually-hidden"
                    accept=".stratus,application/octet-stream"
                    node_ref=input
                    on:change=move |_| make_plan(None)
                />
                {source_org
                    .map(|org| {
                        view! {
                            <PackageSourcePick
                                org
                                disabled=Signal::derive(move || busy.get().is_some())
                                on_pick=Callback::new(move |name: String| pick_source(Some(name)))
                            />
                        }
                    })}
                {move || busy.get().map(|label| view! { <Spinner label /> })}
                {move || error.get().map(|error| view! { <ErrorAlert error /> })}
                {move || {
                    stale()
                        .then(|| {
                            let replan = replan.clone();
                            view! {
                                <button
                                    id="plan-again"
                                    type="button"
                                    class="btn btn-sm btn-outline"
                                    on:click=move |_| replan(source.get_untracked())
                                >
                                    "Plan again"
                                </button>
                            }
                        })
                }}
                {move || result.get().map(applied)}
                {move || {
                    plan.get()
                        .map(|planned| {
                            view! {
                                <PackageSigners plan=planned.clone() />
                                <PackagePlanTable plan=planned selected />
                                <div class="package-actions">
                                    <button
                                        id="apply-package"
                                        type="button"
                                        class="btn btn-primary"
                                        disabled=move || picked() == 0 || busy.get().is_some()
                                        on:click=apply.clone()
                                    >
                                        {move || format!("Apply {} element{}", picked(), if picked() == 1 { "" } else { "s" })}
                                    </button>
                                    <button type="button" class="btn btn-outline" on:click=cancel>
                                        "Cancel"
                                    </button>
                                </div>
                            }
                        })
                }}
            </div>
        </section>
    }
}

fn applied(done: ApplyResult) -> impl IntoView {
    let message = match &done.release {
        Some(release) => format!("Release {} applied: {} element(s) changed", release.number, done.changed),
        None => "Nothing to apply: every selected element is in place already".to_owned(),
    };
    view! {
        <div id="package-applied" class="alert alert-success" role="status">
            <div class="alert-body">
                <p class="alert-message">{message}</p>
            </div>
        </div>
    }
}
