//! A page of one of the UI's areas, drawn once the area's module is loaded.

use leptos::prelude::*;

use crate::areas::{self, PageArgs};
use crate::components::error_alert::ErrorAlert;
use crate::components::spinner::Spinner;
use crate::logic::api_error::ApiError;
use crate::logic::route::{FunctionTab, Route};

/// `route`'s page: at once when its area is loaded, else a spinner while the area's module
/// downloads, or an error if it could not (opening the page again tries again).
#[component]
pub fn AreaPage(route: Route, tab: Signal<FunctionTab>, org: String, open_org: Callback<String>) -> impl IntoView {
    let area = route.area();
    let args = move || PageArgs { route: route.clone(), tab, org: org.clone(), open_org };
    if areas::is_loaded(area) {
        return draw(args()).into_any();
    }
    let loaded = LocalResource::new(move || areas::load(area));
    (move || match loaded.get() {
        None => view! { <Spinner label="Loading…" /> }.into_any(),
        Some(Ok(())) => draw(args()).into_any(),
        Some(Err(_)) => failed().into_any(),
    })
    .into_any()
}

fn draw(args: PageArgs) -> AnyView {
    areas::render(args).unwrap_or_else(|_| failed())
}

fn failed() -> AnyView {
    let error = ApiError {
        status: 0,
        code: "ui_module_unavailable".into(),
        message: "This part of Stratus could not be loaded. Check the connection, then open the page again.".into(),
        details: Vec::new(),
    };
    view! { <ErrorAlert error /> }.into_any()
}
