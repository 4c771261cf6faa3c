//! The vertical navigation on the left, as in the vCD portal.

use leptos::prelude::*;

use crate::components::icon::{Icon, IconShape};
use crate::logic::route::Route;

/// One link per page; the current page's link is highlighted.
#[component]
pub fn Nav(route: Signal<Route>) -> impl IntoView {
    let links = Route::ALL
        .into_iter()
        .map(|r| {
            let shape = match r {
                Route::Functions => IconShape::Function,
                Route::Autoscale => IconShape::Autoscale,
                Route::Showback => IconShape::Showback,
            };
            view! {
                <a
                    id=r.nav_id()
                    class="nav-link"
                    class:active=move || route.get() == r
                    aria-current=move || (route.get() == r).then_some("page")
                    href=r.href()
                >
                    <Icon shape />
                    <span class="nav-text">{r.title()}</span>
                </a>
            }
        })
        .collect_view();
    view! {
        <nav class="sidenav" aria-label="Stratus">
            <div class="nav-group-label">"Services"</div>
            {links}
        </nav>
    }
}
