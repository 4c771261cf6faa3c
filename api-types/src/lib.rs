//! Wire types of the Stratus HTTP API, shared by the backend and the WASM frontend.
//!
//! Only serde data lives here: no axum, sqlx or web-sys. Timestamps travel as RFC 3339
//! strings and money as decimal strings, so that no float ever carries a price.

mod autoscale;
mod error;
mod events;
mod functions;
mod org;
mod resources;
#[cfg(feature = "openapi")]
mod schema;
mod showback;
mod system;

pub use autoscale::{
    ActionDetail, ActionStatus, ActionStep, ActionSummary, AutoscaleEvent, AutoscaleRuleSummary, DecisionInfo,
    Direction, Evaluation, EventKind, LbKind, MetricsPush, MetricsSample, Protection, Rule, RuleSpec, RuleStatus,
    RuleTargets, RuleVm, RuleWithSecret, StepState, Thresholds, VcdObject, VictimPolicy, VropsAlert,
};
pub use error::{ErrorBody, ErrorDetail, ErrorInfo};
pub use events::{EventDelivery, Redriven};
pub use functions::{
    CodeError, Function, FunctionLimits, FunctionSpec, FunctionVersion, InvocationAccepted, InvocationRecord,
    InvocationResult, OrgLimits, Rollback, StoredResponse, Trigger,
};
pub use org::{Me, Org, OrgCreate, Role};
pub use resources::{FunctionSummary, ListResponse};
pub use showback::{
    Budget, BudgetState, BudgetStatus, Collector, CollectorInput, CollectorRun, CollectorSource, CostGroup,
    CostGroupBy, CostQuery, CostReport, FieldMapping, FileSource, HttpSource, ImportResult, MeteringSource,
    ProjectionMethod, RateEntry, RateInput, RunStatus, SOURCE_URL_PATTERN, ShowbackSummary,
};
pub use system::Health;
