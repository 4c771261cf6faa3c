//! The application shell: header, navigation, and the page the hash points at.

use api_types::{Me, Role};
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::areas;
use crate::components::area_page::AreaPage;
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::header::Header;
use crate::components::icon::{Icon, IconShape};
use crate::components::nav::Nav;
use crate::components::org_switcher::OrgSwitcher;
use crate::components::spinner::Spinner;
use crate::components::token_help::TokenHelp;
use crate::host::{self, HostConfig, HostMode, VcdStart};
use crate::logic::display::default_org;
use crate::logic::route::Route;
use crate::logic::vcd_host::Routing;

/// The whole app: the shell with a token, else how to get one; inside vCD, the shell once
/// the portal's session has arrived.
#[component]
pub fn App() -> impl IntoView {
    let host = HostConfig::from_page();
    if let HostMode::Vcd { routing } = host.mode {
        return view! { <VcdApp routing /> }.into_any();
    }
    match host.token {
        Some(token) => view! { <Shell api=ApiClient::new(host.api_base, token) /> }.into_any(),
        None => view! { <NoToken /> }.into_any(),
    }
}

/// Inside vCD: waits for the plugin shell's session, then shows the app for the portal's org
/// (tenant portal) or with the provider pages (provider portal).
#[component]
fn VcdApp(routing: Routing) -> impl IntoView {
    let started = RwSignal::new(None::<VcdStart>);
    let failed = host::listen_for_vcd_session(routing, move |start| started.set(Some(start))).err();
    move || match (started.get(), failed.clone()) {
        (Some(start), _) => view! {
            <Shell
                api=ApiClient::with_access(start.access)
                fixed_org=start.fixed_org
                provider_ui=start.provider_ui
                embedded=true
            />
        }
        .into_any(),
        (None, Some(reason)) => view! {
            <main class="content-area centered">
                <EmptyState title="Stratus could not start" hint=reason />
            </main>
        }
        .into_any(),
        (None, None) => view! { <Spinner label="Waiting for Cloud Director…" /> }.into_any(),
    }
}

/// The app with its header and navigation. `fixed_org` starts it on that org (the vCD tenant
/// portal's); `provider_ui = false` hides the provider pages even from a provider. `embedded`
/// (inside the vCD portal): no header of its own under vCD's, the provider views first, and a
/// provider picks the org above the page.
#[component]
fn Shell(
    api: ApiClient,
    #[prop(default = None)] fixed_org: Option<String>,
    #[prop(default = true)] provider_ui: bool,
    #[prop(default = false)] embedded: bool,
) -> impl IntoView {
    provide_context(api.clone());
    let route = RwSignal::new(Route::from_hash(&host::current_hash()));
    // The first page's area module downloads while the caller is signed in; not in the
    // provider portal with no view named, where the caller's role decides the first page.
    let opening = host::current_hash();
    if !(embedded && provider_ui && Route::provider_portal_landing(&opening, true).is_some()) {
        let first_area = route.with_untracked(Route::area);
        leptos::task::spawn_local(async move {
            let _ = areas::load(first_area).await;
        });
    }
    // The shell lives as long as the page, so the listener is never removed.
    let _listener = window_event_listener(leptos::ev::hashchange, move |_| {
        route.set(Route::from_hash(&host::current_hash()));
    });
    // Switching a function's tabs changes the route but not the page, which stays mounted.
    let page_route = Memo::new(move |_| route.with(Route::page));
    let tab = Signal::derive(move || route.with(Route::tab));
    let me = LocalResource::new(move || {
        let api = api.clone();
        async move { api.me().await }
    });
    Effect::new(move || {
        if me.map(|r| r.as_ref().is_err_and(|e| e.is_unauthorized())) == Some(true) {
            host::forget_token();
        }
    });
    let me_ok: Signal<Option<Me>> = Signal::derive(move || me.get().and_then(Result::ok));
    let chosen_org = RwSignal::new(fixed_org);
    let org = Signal::derive(move || chosen_org.get().or_else(|| me_ok.with(|m| m.as_ref().and_then(default_org))));
    let provider =
        Signal::derive(move || provider_ui && me_ok.with(|m| m.as_ref().is_some_and(|m| m.role == Role::Provider)));
    let open_org = Callback::new(move |org: String| chosen_org.set(Some(org)));
    let content = move || match me.get() {
        None => view! { <Spinner label="Signing in…" /> }.into_any(),
        Some(Err(error)) => {
            let help = error.is_unauthorized().then(|| view! { <TokenHelp /> });
            view! {
                <ErrorAlert error />
                {help}
            }
            .into_any()
        }
        Some(Ok(_)) => match org.get() {
            None => view! {
                <EmptyState
                    title="No organizations yet"
                    hint="Organizations appear here once a provider has created them."
                />
            }
            .into_any(),
            Some(org) => view! { <AreaPage route=page_route.get() tab org open_org /> }.into_any(),
        },
    };
    // The provider portal opens on the provider views (first in its nav) unless the address
    // names a view; decided once, when the caller is known.
    let opening_hash = embedded.then_some(opening);
    Effect::new(move || {
        let Some(hash) = opening_hash.as_deref() else { return };
        if let Some(landing) = Route::provider_portal_landing(hash, provider.get())
            && route.get_untracked() == Route::from_hash(hash)
        {
            host::go_to(&landing.href());
        }
    });
    let set_org = chosen_org.write_only();
    let header = (!embedded).then(|| view! { <Header me=me_ok org set_org /> });
    // Embedded, a provider still picks the org (for the org's own views); a tenant's is the
    // portal's.
    let org_bar = move || {
        let org_view = page_route.get().about_an_org();
        let me = me_ok.get().filter(|me| embedded && org_view && provider.get() && me.role == Role::Provider)?;
        Some(view! {
            <div id="org-bar" class="org-bar">
                <span class="org-bar-label">"Organization"</span>
                <OrgSwitcher orgs=me.orgs org set_org />
            </div>
        })
    };
    view! {
        <div class="main-container" class:embedded=embedded>
            {header}
            <div class="content-container">
                <Nav route=route.into() provider provider_first=embedded />
                <main class="content-area">{org_bar}{content}</main>
            </div>
        </div>
    }
}

/// Shown when this tab has no token yet.
#[component]
fn NoToken() -> impl IntoView {
    view! {
        <div class="main-container">
            <header class="header">
                <span class="branding">
                    <Icon shape=IconShape::Logo size=28 />
                    <span class="title">"Stratus"</span>
                </span>
            </header>
            <main class="content-area centered">
                <TokenHelp />
            </main>
        </div>
    }
}
