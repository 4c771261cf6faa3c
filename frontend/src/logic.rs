//! Plain functions behind the UI: no web-sys, no Leptos, so `cargo test` runs them natively.

pub mod api_error;
pub mod date;
pub mod display;
pub mod fragment;
pub mod load_state;
pub mod money;
pub mod route;
pub mod urls;
