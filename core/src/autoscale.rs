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
mod import;
mod journal;
pub mod rules;
mod service;
mod signals;
pub mod vcd;
pub mod vm_hours;

pub use error::AutoscaleError;

/// A stored rule's definition (for packages).
pub fn rule_spec(row: &crate::store::RuleRow) -> Result<api_types::RuleSpec, AutoscaleError> {
    convert::spec(row)
}

/// The names of a stored rule's vCD objects (for packages).
pub fn rule_targets(row: &crate::store::RuleRow) -> Result<api_types::RuleTargets, AutoscaleError> {
    convert::targets(row)
}
pub use service::{Autoscale, AutoscaleConfig};
pub use signals::{AlertCredentials, alert_signal};
