//! A page of one of the UI's areas, drawn once the area's module is loaded.

use leptos::prelude::*;

use crate::areas::{self, PageArgs};
use crate::components::icon::{Icon, IconShape};
use crate::components::spinner::Spinner;
use crate::host;
use crate::logic::route::{FunctionTab, Route};

/// `route`'s page: at once when its area is loaded, else a spinner while the area's module
/// downloads, or an error if it could not (opening the page again tries again).
#[component]
pub fn AreaPage(route: Route, tab: Signal<FunctionTab>, org: String, open_org: Callback<String>) -> impl IntoView {
    let area = route.area();
    let args = move || PageArgs { route: route.clone(), tab, org: org.clone(), open_org };
    if areas::is_loaded(area) {
        return draw(args());
    }
    let loaded = LocalResource::new(move || areas::load(area));
    (move || match loaded.get() {
        None => view! { <Spinner label="Loading…" /> }.into_any(),
        Some(Ok(())) => draw(args()),
        Some(Err(_)) => unavailable(),
    })
    .into_any()
}

fn draw(args: PageArgs) -> AnyView {
    areas::render(args).unwrap_or_else(|_| unavailable())
}

/// The area's module could not be fetched: the network, or a new build of Stratus since this
/// page was loaded (the old build's files are gone), which only a reload cures.
fn unavailable() -> AnyView {
    view! {
        <div id="area-unavailable" class="alert alert-danger" role="alert">
            <Icon shape=IconShape::Error size=20 />
            <div class="alert-body">
                <p class="alert-message">
                    "This part of Stratus could not be loaded: the connection failed, or Stratus was updated \
                     since this page was opened."
                </p>
                <button id="area-reload" class="btn btn-sm" on:click=|_| host::reload()>
                    "Reload the page"
                </button>
            </div>
        </div>
    }
    .into_any()
}
