//! Wire types of the Stratus HTTP API, shared by the backend and the WASM frontend.
//!
//! Only serde data lives here: no axum, sqlx or web-sys. Timestamps travel as RFC 3339
//! strings and money as decimal strings, so that no float ever carries a price.

mod autoscale;
mod egress;
mod error;
mod events;
mod functions;
mod org;
mod packages;
mod resources;
#[cfg(feature = "openapi")]
mod schema;
mod showback;
mod states;
mod system;

pub use autoscale::{
    ActionDetail, ActionStatus, ActionStep, ActionSummary, AutoscaleEvent, AutoscaleRuleSummary, DecisionInfo,
    Direction, Evaluation, EventKind, LbKind, MetricsPush, MetricsSample, Protection, Rule, RuleSpec, RuleStatus,
    RuleTargets, RuleVm, RuleWithSecret, StepState, Thresholds, VcdObject, VictimPolicy, VropsAlert, rule_limits,
};
pub use egress::{EgressPolicy, OutboundCall, egress_limits};
pub use error::{ErrorBody, ErrorDetail, ErrorInfo};
pub use events::{EventDelivery, Redriven};
pub use functions::{
    CodeError, Function, FunctionKey, FunctionKeyCreate, FunctionLimits, FunctionSpec, FunctionVersion,
    InvocationAccepted, InvocationRecord, InvocationResult, NewFunctionKey, OrgLimits, Rollback, StoredResponse,
    Trigger, function_limits,
};
pub use org::{Me, Org, OrgCreate, Role, VCD_TOKEN_HEADER};
pub use packages::{
    ApplyQuery, ApplyResult, ConfigValue, Drift, ElementPlan, ExportElement, ExportQuery, FieldChange, FileChange,
    PackageKey, PackageKeyTrust, PackagePlan, PackagePolicy, PackageRecipient, PackageRefusal, PackageSigner,
    PackageSource, PackageSourceCreate, PlanAction, ProviderExportQuery, Release, ReleaseElement, SecretSlot,
    SignatureMode,
};
pub use resources::{FunctionSummary, ListResponse};
pub use showback::{
    Budget, BudgetState, BudgetStatus, Collector, CollectorInput, CollectorRun, CollectorSource, CostGroup,
    CostGroupBy, CostQuery, CostReport, FieldMapping, FileSource, HttpSource, ImportResult, MeteringSource, MonthCosts,
    ProjectionMethod, RateEntry, RateInput, RunStatus, SOURCE_URL_PATTERN, ShowbackOverview, ShowbackSummary,
};
pub use states::{
    CollectorKind, DeliveryStatus, FunctionAccess, InvocationStatus, InvocationTrigger, JobStatus, LambdaPayload,
    RunTrigger, StepKind, UnknownState, VersionStatus,
};
pub use system::Health;

/// Deserializes a struct-typed field from a JSON object only: serde's derive would also take an
/// array of the fields in order, which the API documents as invalid (`deserialize_with`).
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::Deserialize as _;
    use serde::de::Error as _;
    let value = serde_json::Value::deserialize(deserializer)?;
    if !value.is_object() {
        return Err(D::Error::custom(format!("invalid type: {}, expected a JSON object", kind(&value))));
    }
    T::deserialize(value).map_err(D::Error::custom)
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}
