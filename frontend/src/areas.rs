//! The UI's areas: the functions list is in the shell; each other area is built into a wasm
//! module of its own that the browser fetches the first time one of the area's pages opens, so
//! the first screen waits only for the shell and its own area.
//!
//! Each area's entry point is a `#[wasm_split]` function (the mechanism behind Leptos'
//! `#[lazy]`; used directly for its `fallible` option, so that a failed download is an error on
//! the page instead of a panic that aborts the whole module). On wasm, `cargo xtask build`
//! splits the module the compiler wrote at these points (`wasm_split_cli_support`) before
//! wasm-bindgen runs; natively (the logic tests) the functions are plain calls.

use std::cell::RefCell;
use std::collections::HashSet;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

use crate::logic::route::{Area, FunctionTab, Route};
use crate::pages::autoscale_form_page::AutoscaleFormPage;
use crate::pages::autoscale_page::AutoscalePage;
use crate::pages::autoscale_rule_page::AutoscaleRulePage;
use crate::pages::function_detail_page::FunctionDetailPage;
use crate::pages::functions_page::FunctionsPage;
use crate::pages::new_function_page::NewFunctionPage;
use crate::pages::packages_page::PackagesPage;
use crate::pages::provider_egress_page::ProviderEgressPage;
use crate::pages::provider_packages_page::ProviderPackagesPage;
use crate::pages::provider_showback_page::ProviderShowbackPage;
use crate::pages::showback_page::ShowbackPage;

/// What a page is drawn from.
pub struct PageArgs {
    pub route: Route,
    pub tab: Signal<FunctionTab>,
    pub org: String,
    pub open_org: Callback<String>,
}

/// An area's module could not be fetched or instantiated (the browser's console says why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AreaLoadError;

impl From<SplitLoaderError> for AreaLoadError {
    fn from(_: SplitLoaderError) -> Self {
        AreaLoadError
    }
}

thread_local! {
    /// The areas whose modules are in place: their pages draw without waiting.
    static LOADED: RefCell<HashSet<Area>> = RefCell::new(HashSet::new());
}

/// Whether `area`'s module is loaded (the shell's own area always is).
pub fn is_loaded(area: Area) -> bool {
    area.module().is_none() || LOADED.with(|loaded| loaded.borrow().contains(&area))
}

/// Fetches and instantiates `area`'s module (with the shared chunks it needs), once; a failed
/// load is tried again on the next call.
pub async fn load(area: Area) -> Result<(), AreaLoadError> {
    match area {
        Area::Functions => {}
        Area::Function => preload_function().await?,
        Area::Autoscale => preload_autoscale().await?,
        Area::Showback => preload_showback().await?,
        Area::Packages => preload_packages().await?,
    }
    LOADED.with(|loaded| loaded.borrow_mut().insert(area));
    Ok(())
}

/// Draws `args.route`'s page; its area must be [`is_loaded`] (else an error).
pub fn render(args: PageArgs) -> Result<AnyView, AreaLoadError> {
    let area = args.route.area();
    if !is_loaded(area) {
        return Err(AreaLoadError);
    }
    let mut call: Pin<Box<dyn Future<Output = _>>> = match area {
        Area::Functions => return Ok(view! { <FunctionsPage org=args.org /> }.into_any()),
        Area::Function => Box::pin(function_area(args)),
        Area::Autoscale => Box::pin(autoscale_area(args)),
        Area::Showback => Box::pin(showback_area(args)),
        Area::Packages => Box::pin(packages_area(args)),
    };
    // With the module loaded, the call completes on its first poll.
    match call.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(view) => view,
        Poll::Pending => Err(AreaLoadError),
    }
}

#[wasm_split(function_area, wasm_split_path = ::leptos::wasm_split, preload(preload_function), fallible)]
fn function_area(args: PageArgs) -> Result<AnyView, AreaLoadError> {
    let PageArgs { route, tab, org, .. } = args;
    Ok(match route {
        Route::Function { name, .. } => view! { <FunctionDetailPage org name tab /> }.into_any(),
        _ => view! { <NewFunctionPage org /> }.into_any(),
    })
}

#[wasm_split(autoscale_area, wasm_split_path = ::leptos::wasm_split, preload(preload_autoscale), fallible)]
fn autoscale_area(args: PageArgs) -> Result<AnyView, AreaLoadError> {
    let PageArgs { route, org, .. } = args;
    Ok(match route {
        Route::NewRule => view! { <AutoscaleFormPage org /> }.into_any(),
        Route::Rule { id } => view! { <AutoscaleRulePage org id /> }.into_any(),
        Route::EditRule { id } => view! { <AutoscaleFormPage org id /> }.into_any(),
        _ => view! { <AutoscalePage org /> }.into_any(),
    })
}

#[wasm_split(showback_area, wasm_split_path = ::leptos::wasm_split, preload(preload_showback), fallible)]
fn showback_area(args: PageArgs) -> Result<AnyView, AreaLoadError> {
    let PageArgs { route, org, open_org, .. } = args;
    Ok(match route {
        Route::ProviderShowback => view! { <ProviderShowbackPage on_open_org=open_org /> }.into_any(),
        _ => view! { <ShowbackPage org /> }.into_any(),
    })
}

#[wasm_split(packages_area, wasm_split_path = ::leptos::wasm_split, preload(preload_packages), fallible)]
fn packages_area(args: PageArgs) -> Result<AnyView, AreaLoadError> {
    let PageArgs { route, org, .. } = args;
    Ok(match route {
        Route::ProviderPackages => view! { <ProviderPackagesPage /> }.into_any(),
        Route::ProviderEgress => view! { <ProviderEgressPage org /> }.into_any(),
        _ => view! { <PackagesPage org /> }.into_any(),
    })
}
