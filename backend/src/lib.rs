//! The Stratus backend: one axum [`Router`](axum::Router) built by [`app`], served by a
//! long-running server, by AWS Lambda and by the tests alike.
//!
//! Layers, top to bottom (each only calls the ones below it):
//! - [`host`]: the HTTP server and the Lambda runtime; they feed requests into the Router.
//! - [`http`]: thin handlers, extractors, the error type, OpenAPI and metrics.
//! - [`domain`]: tenancy and auth, money and dates; plain Rust, testable without HTTP.
//! - adapters: [`store`], the sqlx adapter (SQLite or PostgreSQL) and its migrations, and
//!   [`vcd`], the outbound vCD API client behind the autoscale domain's port.

pub mod collectors;
pub mod config;
pub mod demo;
pub mod deploy;
pub mod domain;
pub mod host;
pub mod http;
pub mod metrics;
pub mod periodic;
pub mod state;
pub mod store;
pub mod vcd;

pub use http::app;
pub use state::AppState;
