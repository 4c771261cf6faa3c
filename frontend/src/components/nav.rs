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
                Route::Autoscale => IconShape::Autoscale,
                Route::Showback => IconShape::Showback,
                _ => IconShape::Function,
            };
            let (id, href, title) = (r.nav_id(), r.href(), r.title());
            let current = Memo::new(move |_| route.with(|now| now.section() == r));
            view! {
                <a
                    id=id
                    class="nav-link"
                    class:active=current
                    aria-current=move || current.get().then_some("page")
                    href=href
                >
                    <Icon shape />
                    <span class="nav-text">{title}</span>
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
