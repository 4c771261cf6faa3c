//! `#/functions/{name}[/{tab}]`: one function, with tabs for its overview, code, test console,
//! versions and invocations.

use std::time::Duration;

use api_types::{Function, FunctionAccess, VersionStatus};
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::delete_function_dialog::DeleteFunctionDialog;
use crate::components::error_alert::ErrorAlert;
use crate::components::event_deliveries::EventDeliveries;
use crate::components::function_form::FunctionForm;
use crate::components::function_keys::FunctionKeys;
use crate::components::function_overview::FunctionOverview;
use crate::components::function_tabs::FunctionTabs;
use crate::components::invocation_list::InvocationList;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::components::test_console::TestConsole;
use crate::components::version_list::VersionList;
use crate::host;
use crate::logic::display::function_status_badge;
use crate::logic::event_deliveries;
use crate::logic::function_form::{FormMode, FormValues};
use crate::logic::route::{FunctionTab, Route};

/// How often a deploying function is looked at again.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The page; `tab` follows the hash, the page itself stays (so switching tabs keeps what was
/// typed). The root carries `data-status`, the function's status, updated while it deploys.
#[component]
pub fn FunctionDetailPage(org: String, name: String, #[prop(into)] tab: Signal<FunctionTab>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let (fetch_org, fetch_name) = (org.clone(), name.clone());
    let function = LocalResource::new(move || {
        let (api, org, name) = (api.clone(), fetch_org.clone(), fetch_name.clone());
        async move { api.function(&org, &name).await }
    });
    host::refetch_while(function, |r| r.as_ref().is_ok_and(|f| f.status == VersionStatus::Initializing), POLL_EVERY);
    // The last function that loaded: a failed poll leaves the page as it was, with an alert.
    let loaded = RwSignal::new(None::<Function>);
    Effect::new(move |_| {
        if let Some(Ok(f)) = function.get() {
            loaded.set(Some(f));
        }
    });
    let failure = move || function.get().and_then(Result::err);
    let status = move || match (loaded.with(|f| f.as_ref().map(|f| f.status)), function.with(|r| r.is_some())) {
        (Some(status), _) => status.as_str(),
        (None, false) => "loading",
        (None, true) => "error",
    };
    // After a save or rollback: show the new version at once, then follow it until it settles.
    let adopt = Callback::new(move |f: Function| {
        loaded.set(Some(f));
        function.refetch();
    });
    let show_delete = RwSignal::new(false);

    // Cancel on the Code tab throws the edits away by making the form again.
    let form_resets = RwSignal::new(0u32);
    let version = Memo::new(move |_| loaded.with(|f| f.as_ref().map(|f| f.version)));
    let revision = Signal::derive(move || {
        loaded.with(|f| {
            f.as_ref().map(|f| format!("{}:{}:{:?}", f.version, f.status, f.active_version)).unwrap_or_default()
        })
    });
    let compile_error = Signal::derive(move || {
        loaded.with(|f| f.as_ref().filter(|f| f.status == VersionStatus::Failed).and_then(|f| f.error.clone()))
    });
    let path = Signal::derive(move || loaded.with(|f| f.as_ref().map(|f| f.path.clone()).unwrap_or_default()));

    // A tab's content is made the first time it is shown and then kept, hidden when another
    // tab is.
    let seen = move |t: FunctionTab| {
        Memo::new(move |before: Option<&bool>| before.copied().unwrap_or(false) || tab.get() == t)
    };
    let hidden = move |t: FunctionTab| move || tab.get() != t;
    let (seen_code, seen_test, seen_versions, seen_invocations) =
        (seen(FunctionTab::Code), seen(FunctionTab::Test), seen(FunctionTab::Versions), seen(FunctionTab::Invocations));

    let overview = move || loaded.get().map(|function| view! { <FunctionOverview function /> });
    // The keys panel, while the serving definition takes keys; kept across polls.
    let keyed = Memo::new(move |_| {
        loaded.with(|f| f.as_ref().filter(|f| f.access == FunctionAccess::Keys).map(|f| f.path.clone()))
    });
    let (keys_org, keys_name) = (org.clone(), name.clone());
    let keys =
        move || keyed.get().map(|path| view! { <FunctionKeys org=keys_org.clone() name=keys_name.clone() path /> });
    let code_org = org.clone();
    let code = move || {
        // Made again for each new version (a save, a rollback) and on Cancel, not for each poll.
        form_resets.track();
        version.get().filter(|_| seen_code.get()).map(|_| {
            let f = loaded.get_untracked().unwrap_or_else(|| unreachable!("a version implies a loaded function"));
            let overview = Route::function_href(&f.name, FunctionTab::Overview);
            let on_cancel = Callback::new(move |()| {
                form_resets.update(|n| *n += 1);
                host::go_to(&overview);
            });
            view! {
                <FunctionForm
                    mode=FormMode::Edit
                    org=code_org.clone()
                    initial=FormValues::from_function(&f)
                    compile_error
                    on_saved=adopt
                    on_cancel
                />
            }
        })
    };
    let test_org = org.clone();
    let test = move || seen_test.get().then(|| view! { <TestConsole org=test_org.clone() path /> });
    let (versions_org, versions_name) = (org.clone(), name.clone());
    let versions = move || {
        seen_versions.get().then(|| {
            view! { <VersionList org=versions_org.clone() name=versions_name.clone() revision on_rolled_back=adopt /> }
        })
    };
    let (inv_org, inv_name) = (org.clone(), name.clone());
    let invocations_active = Signal::derive(move || tab.get() == FunctionTab::Invocations);
    let invocations = move || {
        seen_invocations.get().then(|| {
            view! { <InvocationList org=inv_org.clone() name=inv_name.clone() active=invocations_active /> }
        })
    };

    // Event-triggered functions get an Events tab: their vCD event deliveries and dead letters.
    let trigger_event = Memo::new(move |_| {
        loaded.with(|f| f.as_ref().and_then(|f| event_deliveries::trigger_event(&f.trigger).map(str::to_owned)))
    });
    let has_events = Signal::derive(move || trigger_event.with(Option::is_some));
    let seen_events = seen(FunctionTab::Events);
    let events_active = Signal::derive(move || tab.get() == FunctionTab::Events);
    let (events_org, events_name) = (org.clone(), name.clone());
    let events = move || {
        trigger_event.get().filter(|_| seen_events.get()).map(|event| {
            view! { <EventDeliveries org=events_org.clone() name=events_name.clone() event active=events_active /> }
        })
    };

    let (dialog_org, dialog_name) = (org.clone(), name.clone());
    let dialog = move || {
        show_delete.get().then(|| {
            view! {
                <DeleteFunctionDialog
                    org=dialog_org.clone()
                    name=dialog_name.clone()
                    path=path.get_untracked()
                    on_close=Callback::new(move |()| show_delete.set(false))
                    on_deleted=Callback::new(|()| host::go_to(&Route::Functions.href()))
                />
            }
        })
    };

    let content = move || {
        if loaded.with(Option::is_none) {
            return match failure() {
                Some(error) => view! {
                    <ErrorAlert error />
                    <a href=Route::Functions.href()>"Back to the functions"</a>
                }
                .into_any(),
                None => view! { <Spinner label="Loading the function…" /> }.into_any(),
            };
        }
        ().into_any()
    };
    let heading_name = name.clone();
    let test_href = Route::function_href(&name, FunctionTab::Test);
    view! {
        <section id="function-detail" class="page" data-status=status data-name=name.clone()>
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href=Route::Functions.href()>"Functions"</a>
                <span class="breadcrumb-sep">"/"</span>
                <span>{name.clone()}</span>
            </nav>
            <div class="page-heading">
                <div>
                    <h1 class="title-with-badge">
                        {heading_name}
                        {move || {
                            loaded
                                .get()
                                .map(|f| {
                                    view! {
                                        <StatusBadge kind=function_status_badge(f.status) text=f.status.as_str() />
                                    }
                                })
                        }}
                    </h1>
                    <p class="page-subtitle">
                        <code>{path}</code>
                    </p>
                </div>
                <div class="page-actions">
                    <a id="test-function" class="btn btn-sm btn-primary" href=test_href>
                        "Test function"
                    </a>
                    <button
                        id="delete-function"
                        type="button"
                        class="btn btn-sm btn-danger-outline"
                        on:click=move |_| show_delete.set(true)
                    >
                        "Delete"
                    </button>
                    <button type="button" class="btn btn-sm btn-outline" on:click=move |_| function.refetch()>
                        "Refresh"
                    </button>
                </div>
            </div>
            {move || {
                loaded.with(Option::is_some).then(failure).flatten().map(|error| view! { <ErrorAlert error /> })
            }}
            {content}
            <div class="tabs-area" hidden=move || loaded.with(Option::is_none)>
                <FunctionTabs name=name.clone() current=tab events=has_events />
                <div class="tab-panel" role="tabpanel" aria-labelledby="tab-overview" hidden=hidden(FunctionTab::Overview)>
                    {overview}
                    {keys}
                </div>
                <div class="tab-panel" role="tabpanel" aria-labelledby="tab-code" hidden=hidden(FunctionTab::Code)>
                    {code}
                </div>
                <div class="tab-panel" role="tabpanel" aria-labelledby="tab-test" hidden=hidden(FunctionTab::Test)>
                    {test}
                </div>
                <div class="tab-panel" role="tabpanel" aria-labelledby="tab-versions" hidden=hidden(FunctionTab::Versions)>
                    {versions}
                </div>
                <div
                    class="tab-panel"
                    role="tabpanel"
                    aria-labelledby="tab-invocations"
                    hidden=hidden(FunctionTab::Invocations)
                >
                    {invocations}
                </div>
                <div class="tab-panel" role="tabpanel" aria-labelledby="tab-events" hidden=hidden(FunctionTab::Events)>
                    {events}
                </div>
            </div>
            {dialog}
        </section>
    }
}
