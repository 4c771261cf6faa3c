//! Autoscale: rules that grow and shrink a vApp behind an edge load balancer.
//!
//! Signals (pushed metrics, vROps alerts) are recorded, then the rule is evaluated by the pure
//! [`engine`]; every evaluation becomes a timeline event with its reason. A decision to scale
//! becomes an action journal ([`journal`]): its steps are written before they run, so an action
//! interrupted by a crash or failed by vCD resumes or rolls back with nothing left behind. One
//! action per rule at a time, across replicas: a partial unique index on running actions and a
//! lease per rule. vCD is reached through the [`vcd::VcdPort`] port.

mod convert;
pub mod engine;
mod error;
mod evaluate;
mod journal;
pub mod rules;
mod service;
mod signals;
pub mod vcd;
pub mod vm_hours;

pub use error::AutoscaleError;
pub use service::{Autoscale, AutoscaleConfig};
pub use signals::{AlertCredentials, alert_signal};
