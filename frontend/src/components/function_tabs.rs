//! The tab links of a function's page.

use leptos::prelude::*;

use crate::logic::route::{FunctionTab, Route};

/// Clarity tabs; each is a link to its hash route, so the back button walks through tabs. The
/// Events tab shows only while `events` is true (an event-triggered function).
#[component]
pub fn FunctionTabs(
    name: String,
    current: Signal<FunctionTab>,
    #[prop(optional, into)] events: Signal<bool>,
) -> impl IntoView {
    let tabs = FunctionTab::ALL
        .into_iter()
        .map(|tab| {
            let hidden = move || tab == FunctionTab::Events && !events.get();
            let active = move || current.get() == tab;
            view! {
                <li role="presentation" class="nav-item" hidden=hidden>
                    <a
                        id=tab.id()
                        class="nav-tab"
                        class:active=active
                        role="tab"
                        aria-selected=move || if active() { "true" } else { "false" }
                        href=Route::function_href(&name, tab)
                    >
                        {tab.label()}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="nav-tabs" role="tablist">
            {tabs}
        </ul>
    }
}
