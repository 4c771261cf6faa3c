//! Tenant functions: validation, deployment, the call path and its limits.
//!
//! [`Functions`] is the service the HTTP handlers call. Code never runs in the server process:
//! it is compiled and invoked in the sandbox's worker processes ([`sandbox::WorkerPool`]).

pub mod archive;
mod calls;
mod concurrency;
mod convert;
mod deliveries;
pub mod events;
mod import;
pub mod jobs;
mod keys;
mod lookup;
mod recorder;
mod service;
mod spec;

pub use calls::{CallEnd, CallError, CallObserver, CallOutcome, CallTimings, Failure, GatewayRequest};
pub use concurrency::Concurrency;
pub use convert::{function_dto, invocation_dto, version_dto};
pub use deliveries::{AcceptError, Accepted, DeliveryConfig, EventTriggers, MAX_LISTED_DELIVERIES};
pub use keys::{KEY_PREFIX, MAX_KEY_NAME_CHARS, MAX_KEYS};
pub use recorder::Recorder;
pub use service::{FunctionError, Functions, check_org_limits};
pub use spec::{RESERVED_ROUTES, ValidSpec, validate_limits, validate_spec};
