//! The vertical navigation on the left, as in the vCD portal.

use leptos::prelude::*;

use crate::components::icon::{Icon, IconShape};
use crate::logic::route::Route;

/// One link per page; the current page's link is highlighted. A provider also gets the
/// provider pages, in a group of their own: first with `provider_first` (the vCD provider
/// portal, where the provider views lead).
#[component]
pub fn Nav(
    route: Signal<Route>,
    #[prop(into)] provider: Signal<bool>,
    #[prop(default = false)] provider_first: bool,
) -> impl IntoView {
    let link = move |r: Route| {
        let shape = match r {
            Route::Autoscale => IconShape::Autoscale,
            Route::Showback | Route::ProviderShowback => IconShape::Showback,
            Route::ProviderEgress => IconShape::Network,
            Route::Packages | Route::ProviderPackages => IconShape::Package,
            _ => IconShape::Function,
        };
        let (id, href, title) = (r.nav_id(), r.href(), r.title());
        let current = Memo::new(move |_| route.with(|now| now.section() == r));
        view! {
            <a id=id class="nav-link" class:active=current aria-current=move || current.get().then_some("page") href=href>
                <Icon shape />
                <span class="nav-text">{title}</span>
            </a>
        }
    };
    let links = Route::ALL.into_iter().map(link).collect_view();
    let provider_links = move || {
        provider.get().then(|| {
            view! {
                <div class="nav-group-label provider">"Provider"</div>
                {Route::PROVIDER.into_iter().map(link).collect_view()}
            }
        })
    };
    let services = view! {
        <div class="nav-group-label">"Services"</div>
        {links}
    };
    if provider_first {
        view! { <nav class="sidenav" aria-label="Stratus">{provider_links}{services}</nav> }.into_any()
    } else {
        view! { <nav class="sidenav" aria-label="Stratus">{services}{provider_links}</nav> }.into_any()
    }
}
