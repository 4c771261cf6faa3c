//! The versions tab: every version of a function, which one serves, and rolling back.

use api_types::{Function, FunctionVersion, VersionStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::datagrid::{Column, Datagrid};
use crate::components::error_alert::ErrorAlert;
use crate::components::modal::Modal;
use crate::components::modal_footer::{ModalFooter, busy_label};
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::{BadgeKind, count_noun, format_timestamp, function_status_badge};
use crate::logic::js_syntax::highlight_html;

const COLUMNS: &[Column] = &[
    Column::numeric("Version"),
    Column::text("Status"),
    Column::text("Serving"),
    Column::text("Created"),
    Column::text(""),
];

/// The versions, newest first. They are fetched again whenever `revision` changes (a new
/// version, a status change); `on_rolled_back` gets the function after a rollback.
#[component]
pub fn VersionList(
    org: String,
    name: String,
    #[prop(into)] revision: Signal<String>,
    on_rolled_back: Callback<Function>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let (fetch_api, fetch_org, fetch_name) = (api.clone(), org.clone(), name.clone());
    let versions = LocalResource::new(move || {
        revision.track();
        let (api, org, name) = (fetch_api.clone(), fetch_org.clone(), fetch_name.clone());
        async move { api.function_versions(&org, &name).await }
    });
    let confirming = RwSignal::new(None::<i64>);
    let rolling_back = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let latest = Signal::derive(move || {
        versions.get().and_then(Result::ok).and_then(|l| l.items.first().map(|v| v.version)).unwrap_or(0)
    });

    let body = move || match versions.get() {
        None => view! { <Spinner label="Loading versions…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(list)) => {
            let footer = count_noun(list.items.len(), "version", "versions");
            let rows = list.items.into_iter().map(|v| version_row(v, confirming)).collect_view();
            view! { <Datagrid columns=COLUMNS footer>{rows}</Datagrid> }.into_any()
        }
    };
    let (rb_org, rb_name) = (org.clone(), name.clone());
    let roll_back = move |version: i64| {
        rolling_back.set(true);
        failure.set(None);
        let (api, org, name) = (api.clone(), rb_org.clone(), rb_name.clone());
        spawn_local(async move {
            let result = api.rollback_function(&org, &name, version).await;
            rolling_back.set(false);
            match result {
                Ok(function) => {
                    confirming.set(None);
                    versions.refetch();
                    on_rolled_back.run(function);
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let dialog = move || {
        confirming.get().map(|version| {
            let close = Callback::new(move |()| {
                confirming.set(None);
                failure.set(None);
            });
            let roll_back = roll_back.clone();
            view! {
                <Modal title=format!("Roll back to version {version}?") id="rollback-dialog" on_close=close>
                    <div class="modal-body">
                        {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                        <p>
                            "Version " {version} "'s code and settings are deployed again as version "
                            {move || latest.get() + 1} ". It serves calls as soon as it is ready."
                        </p>
                    </div>
                    <ModalFooter
                        on_cancel=close
                        confirm_id="rollback-confirm"
                        label=busy_label(rolling_back, "Roll back", "Rolling back…")
                        disabled=rolling_back
                        on_confirm=Callback::new(move |()| roll_back(version))
                    />
                </Modal>
            }
        })
    };
    view! {
        <div id="function-versions">
            {body}
            {dialog}
        </div>
    }
}

fn version_row(v: FunctionVersion, confirming: RwSignal<Option<i64>>) -> impl IntoView {
    let open = RwSignal::new(false);
    let version = v.version;
    let can_roll_back = v.status == VersionStatus::Ready && !v.active;
    let serving = if v.active {
        view! { <StatusBadge kind=BadgeKind::Info text="Serving" /> }.into_any()
    } else {
        view! { <span class="muted">"—"</span> }.into_any()
    };
    let error = v.error.clone().map(|e| {
        let place = e.line.map(|l| format!("line {l}:{} ", e.column.unwrap_or(0))).unwrap_or_default();
        view! { <p class="version-error">{place}{e.message}</p> }
    });
    let code_html = highlight_html(&v.code);
    view! {
        <tr class:active-version=v.active data-version=version>
            <td class="numeric strong">{version}</td>
            <td>
                <StatusBadge kind=function_status_badge(v.status) text=v.status.as_str() />
            </td>
            <td>{serving}</td>
            <td title=v.created_at.clone()>{format_timestamp(&v.created_at)}</td>
            <td class="row-actions">
                <button
                    type="button"
                    class="btn btn-sm btn-link"
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || if open.get() { "Hide code" } else { "View code" }}
                </button>
                {can_roll_back
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="btn btn-sm btn-outline rollback-button"
                                on:click=move |_| confirming.set(Some(version))
                            >
                                "Roll back"
                            </button>
                        }
                    })}
            </td>
        </tr>
        <tr class="detail-row" hidden=move || !open.get()>
            <td colspan="5">
                {error}
                <pre class="code-block" inner_html=code_html></pre>
            </td>
        </tr>
    }
}
