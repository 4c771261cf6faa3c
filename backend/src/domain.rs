//! Domain logic in plain Rust: no HTTP types here, so it is testable on its own.

pub mod auth;
pub mod autoscale;
pub mod dates;
pub mod functions;
pub mod money;
pub mod showback;
pub mod tenancy;
pub mod tokens;
