//! The dark header bar: branding, the org being viewed, and who is signed in.

use api_types::{Me, Role};
use leptos::prelude::*;

use crate::components::icon::{Icon, IconShape};
use crate::components::org_switcher::OrgSwitcher;

/// The header; the caller's details appear once `me` has loaded. A provider gets an org
/// switcher listing every org in `me.orgs`.
#[component]
pub fn Header(
    me: Signal<Option<Me>>,
    org: Signal<Option<String>>,
    set_org: WriteSignal<Option<String>>,
) -> impl IntoView {
    let actions = move || me.get().map(|me| view! { <HeaderActions me org set_org /> });
    view! {
        <header id="app-header" class="header">
            <a class="branding" href="#/functions">
                <Icon shape=IconShape::Logo size=28 />
                <span class="title">"Stratus"</span>
            </a>
            {actions}
        </header>
    }
}

/// The org, role and subject of a signed-in caller.
#[component]
fn HeaderActions(me: Me, org: Signal<Option<String>>, set_org: WriteSignal<Option<String>>) -> impl IntoView {
    let org_view = if me.role == Role::Provider {
        view! { <OrgSwitcher orgs=me.orgs.clone() org set_org /> }.into_any()
    } else {
        view! { <span class="org-name">{move || org.get().unwrap_or_default()}</span> }.into_any()
    };
    view! {
        <div class="header-actions">
            <div id="org-indicator" class="header-item" title="Organization">
                <span class="header-label">"Organization"</span>
                {org_view}
            </div>
            <div class="header-item">
                <span class="header-label">"Role"</span>
                <span id="role-indicator" class="role-pill">{me.role.as_str()}</span>
            </div>
            <div class="header-item subject" title="Signed in as">{me.subject.clone()}</div>
        </div>
    }
}
