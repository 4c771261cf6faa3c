//! The Stratus backend: one axum [`Router`](axum::Router) built by [`app`], served by a
//! long-running server, by AWS Lambda, by the AMQP bridge and by the tests alike.
//!
//! Layers, top to bottom (each only calls the ones below it):
//! - [`host`]: the HTTP server, the Lambda runtime, the AMQP bridge and vCD event
//!   notifications; they feed requests into the Router.
//! - [`http`]: thin handlers (parse, call a service, render), extractors, the error type and its
//!   status codes, OpenAPI and metrics.
//! - `stratus_core` (its own crate): the services and, below them, the store and other adapters.
//!
//! [`deploy`] (`stratus vcd deploy`) and [`showback_cli`] are command-line features.

pub mod config;
pub mod deploy;
pub mod host;
pub mod http;
pub mod metrics;
pub mod package_cli;
pub mod package_remote;
pub mod showback_cli;
pub mod state;

pub use http::app;
pub use state::AppState;
