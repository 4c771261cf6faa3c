//! Stratus' features as plain Rust: a service per feature over the store and the other
//! adapters, with no HTTP, queue or command-line types in its dependencies.
//!
//! Layers, top to bottom (each only calls the ones below it):
//! - services: [`functions::Functions`], [`autoscale::Autoscale`], [`showback::Showback`] and
//!   the shared concepts they use ([`auth`], [`tenancy`], [`org_directory`], [`tokens`],
//!   [`money`], [`dates`], [`cache`]).
//! - adapters: the store (sqlx over SQLite or PostgreSQL, with its migrations; private to this
//!   crate), [`vcd`] (the outbound vCD API behind the autoscale port) and the `sandbox` crate.

pub mod amqp_replies;
pub mod auth;
pub mod autoscale;
pub mod cache;
pub mod cluster;
pub mod dates;
pub mod demo;
pub mod egress;
pub mod functions;
pub mod ids;
pub mod money;
pub mod org_directory;
pub mod orgs;
pub mod packages;
pub mod periodic;
pub mod showback;
// The store is the core's own: other crates get the opaque `Store` handle (connect, migrate,
// ping, close) and reach data only through the services. The integration tests seed and
// inspect tables through feature `test-store`.
#[cfg(feature = "test-store")]
pub mod store;
#[cfg(not(feature = "test-store"))]
mod store;
pub mod tenancy;
#[cfg(feature = "test-store")]
pub mod testing;
pub mod tokens;
pub mod vcd;

pub use store::{Backend, Store, count_statements, sqlite_url};
