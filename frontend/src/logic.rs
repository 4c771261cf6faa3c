//! Plain functions behind the UI: no web-sys, no Leptos, so `cargo test` runs them natively.

pub mod api_error;
pub mod budget_form;
pub mod chart_data;
pub mod cost_rows;
pub mod date;
pub mod display;
pub mod editor;
pub mod egress_form;
pub mod event_deliveries;
pub mod fragment;
pub mod function_form;
pub mod join;
pub mod js_syntax;
pub mod load_state;
pub mod money;
pub mod range_preset;
pub mod route;
pub mod rule_chart;
pub mod rule_form;
pub mod rule_metrics;
pub mod rule_text;
pub mod showback_text;
pub mod templates;
pub mod test_call;
pub mod urls;
pub mod vcd_host;
