//! Stratus UI: a Leptos client-side app compiled to WASM and served by the backend.
//!
//! `logic` holds plain functions with native unit tests; `host` is the only place that
//! reads the page (config, token, clock); `api` is the only place that talks HTTP.

pub mod api;
pub mod app;
pub mod areas;
pub mod components;
pub mod host;
pub mod logic;
pub mod pages;

use wasm_bindgen::prelude::wasm_bindgen;

/// Runs when the WASM module is instantiated: mounts [`app::App`] on `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
