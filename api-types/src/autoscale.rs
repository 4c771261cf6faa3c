//! Autoscale rules, their signals (pushed metrics, vROps alerts), decisions, scaling actions
//! and the vCD objects a rule points at.

use serde::{Deserialize, Serialize};

use crate::states::state_names;

/// A rule's limits: the server checks them and the UI's form checks them before sending.
pub mod rule_limits {
    /// The largest `max_vms` and `step`.
    pub const MAX_VMS: u32 = 100;
    /// The longest cooldown, stabilization window or drain, in seconds (HPA's window limit).
    pub const MAX_SECONDS: u32 = 3600;
    /// The widest tolerance, in percentage points.
    pub const MAX_TOLERANCE_PCT: f64 = 20.0;
    /// The longest rule name, in characters.
    pub const MAX_NAME_CHARS: usize = 64;
}

/// Which VM a scale-in removes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VictimPolicy {
    /// The most recently created VM (undoes the latest scale-out first).
    #[default]
    Newest,
    Oldest,
}

/// The kind of load balancer an edge gateway has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LbKind {
    /// NSX-V edge load balancer (vCD NSX proxy API, XML).
    NsxV,
    /// NSX-T Advanced Load Balancer (Avi) pools (cloudapi, JSON).
    NsxTAlb,
}

/// Average-usage thresholds of one metric, in percent (0–100); `scale_in` must be below
/// `scale_out`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thresholds {
    /// At or above this the group grows (0 to 100).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub scale_out: f64,
    /// At or below this the group may shrink (0 to 100); must be below `scale_out`.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub scale_in: f64,
}

/// Body of `POST /api/org/{org}/autoscale/rules` and `PUT …/rules/{id}`. Besides each field's
/// own rules: `min_vms <= max_vms`, `scale_in < scale_out` for both metrics, and `template`,
/// `vapp`, `edge_gateway` and `lb_pool` must exist in the org's vCD (the pool on that gateway).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleSpec {
    /// Unique in the org. At most 64 characters and no control characters once surrounding
    /// whitespace is trimmed; required on `POST`, while a blank name on `PUT` keeps the current one.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:[^\x00-\x20\x7F-\x9F\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[^\x00-\x1F\x7F-\x9F]{0,62}[^\x00-\x20\x7F-\x9F\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?)?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub name: String,
    /// vApp template whose single VM is copied on scale-out (`urn:vcloud:vapptemplate:…`).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub template: String,
    /// The vApp that holds the group (`urn:vcloud:vapp:…`).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub vapp: String,
    /// Edge gateway holding the load balancer (`urn:vcloud:gateway:…`).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub edge_gateway: String,
    /// Name of the load-balancer pool new VMs join.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub lb_pool: String,
    /// Port of the pool members.
    #[serde(default = "default_port")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 65535, default = 80))]
    pub member_port: u16,
    #[serde(deserialize_with = "crate::object")]
    pub cpu: Thresholds,
    #[serde(deserialize_with = "crate::object")]
    pub memory: Thresholds,
    /// Percentage points a reading must pass a threshold by before it counts (noise guard,
    /// like HPA's tolerance): with 2, scale-out at 80 needs more than 82. 0 to 20.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 20, default = 0))]
    pub tolerance_pct: f64,
    /// Fewest VMs (0 to 100); at most `max_vms`.
    #[serde(default = "default_min")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100, default = 1))]
    pub min_vms: u32,
    /// Most VMs (1 to 100); at least `min_vms`.
    #[serde(default = "default_max")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100, default = 4))]
    pub max_vms: u32,
    /// VMs added or removed by one action (1 to 100).
    #[serde(default = "default_step")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100, default = 1))]
    pub step: u32,
    /// After a scale-out, no further scale-out for this long (0 to 3600 seconds).
    #[serde(default = "default_out_cooldown")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 3600, default = 180))]
    pub scale_out_cooldown_secs: u32,
    /// After any scaling action, no scale-in for this long (0 to 3600 seconds).
    #[serde(default = "default_in_cooldown")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 3600, default = 300))]
    pub scale_in_cooldown_secs: u32,
    /// A scale-in happens only when every evaluation within this window agreed (HPA's
    /// scale-down stabilization). 0 to 3600 seconds.
    #[serde(default = "default_stabilization")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 3600, default = 300))]
    pub stabilization_secs: u32,
    /// Seconds a VM stays disabled in the pool (draining) before it is removed and powered off
    /// (0 to 3600).
    #[serde(default = "default_drain")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 3600, default = 10))]
    pub drain_secs: u32,
    #[serde(default)]
    pub victim_policy: VictimPolicy,
    /// VM ids (`urn:vcloud:vm:…`) a scale-in never removes.
    #[serde(default)]
    pub protected_vms: Vec<String>,
    /// The vROps object alerts for this group are raised on (its resourceId or resourceName);
    /// default: the vApp's name.
    #[serde(default)]
    pub vrops_resource: Option<String>,
    #[serde(default = "default_true")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub enabled: bool,
}

fn default_port() -> u16 {
    80
}
fn default_min() -> u32 {
    1
}
fn default_max() -> u32 {
    4
}
fn default_step() -> u32 {
    1
}
fn default_out_cooldown() -> u32 {
    180
}
fn default_in_cooldown() -> u32 {
    300
}
fn default_stabilization() -> u32 {
    300
}
fn default_drain() -> u32 {
    10
}
fn default_true() -> bool {
    true
}

/// What a rule is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// Enabled, no action running, the last action (if any) succeeded.
    Ok,
    /// An action is running.
    Scaling,
    /// The last action failed (and was rolled back).
    Error,
    Disabled,
}

/// Display names of the vCD objects a rule points at, resolved when the rule was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleTargets {
    pub template_name: String,
    pub vapp_name: String,
    pub edge_gateway_name: String,
    pub lb_kind: Option<LbKind>,
}

/// A rule as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    pub id: String,
    #[serde(flatten)]
    pub spec: RuleSpec,
    pub targets: RuleTargets,
    pub status: RuleStatus,
    /// VMs in the vApp when last seen.
    pub current_vms: Option<u32>,
    pub last_action: Option<ActionSummary>,
    pub last_metrics: Option<MetricsSample>,
    /// Where vROps posts alerts for this rule (Basic auth: the rule id and its secret).
    pub webhook_path: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Answer to creating a rule or rotating its secret: the webhook secret is shown only here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleWithSecret {
    pub rule: Rule,
    pub webhook_secret: String,
}

/// One row of `GET /api/org/{org}/autoscale/rules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoscaleRuleSummary {
    pub id: String,
    pub name: String,
    pub vapp: String,
    pub vapp_name: String,
    pub enabled: bool,
    pub status: RuleStatus,
    pub current_vms: Option<u32>,
    pub min_vms: u32,
    pub max_vms: u32,
    pub last_action: Option<ActionSummary>,
}

/// The group's average usage, in percent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricsSample {
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
    /// RFC 3339; when it was measured.
    pub at: String,
}

/// Body of `POST /api/org/{org}/autoscale/rules/{id}/metrics`: `cpu`, `memory` or both must be
/// given (not `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricsPush {
    /// Average CPU usage of the group's VMs, percent (0 to 100).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub cpu: Option<f64>,
    /// Average memory usage, percent (0 to 100).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub memory: Option<f64>,
    /// When measured (RFC 3339); default now. At most 5 minutes in the future.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub at: Option<String>,
}

/// Which way a decision goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    None,
    ScaleOut,
    ScaleIn,
}
state_names!(Direction: "a direction" { None = "none", ScaleOut = "scale_out", ScaleIn = "scale_in" });

/// The outcome of one evaluation, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionInfo {
    pub direction: Direction,
    pub from_vms: u32,
    pub to_vms: u32,
    /// Why, in one sentence, e.g. "cpu 91% ≥ 80% scale-out threshold".
    pub reason: String,
}

/// Answer to a pushed metric or an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    pub decision: DecisionInfo,
    /// The scaling action started, when the decision was to scale.
    pub action_id: Option<String>,
    /// True when this signal had been received already and was ignored.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub duplicate: bool,
}

/// What an event in a rule's timeline records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Metrics pushed or an alert received.
    Signal,
    /// An evaluation and its outcome (including "did nothing because …").
    Decision,
    /// A scaling action started, finished, failed or was rolled back.
    Action,
    /// One step of an action.
    Step,
    /// The rule was created, changed, enabled or disabled.
    Rule,
}
state_names!(EventKind: "an event kind" {
    Signal = "signal", Decision = "decision", Action = "action", Step = "step", Rule = "rule",
});

/// One entry of `GET /api/org/{org}/autoscale/rules/{id}/events`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoscaleEvent {
    pub id: i64,
    pub at: String,
    pub kind: EventKind,
    /// One human sentence.
    pub message: String,
    pub action_id: Option<String>,
    /// VMs in the group after this event, when known (feeds the VM-count chart).
    pub vm_count: Option<u32>,
}

/// State of a scaling action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    #[default]
    Running,
    Succeeded,
    /// A step failed; the done steps are being undone.
    RollingBack,
    RolledBack,
}
state_names!(ActionStatus: "an action status" {
    Running = "running", Succeeded = "succeeded", RollingBack = "rolling_back", RolledBack = "rolled_back",
});

impl ActionStatus {
    /// Whether the action is still changing the vApp (forward or rolling back).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running | Self::RollingBack)
    }
}

/// A scaling action in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionSummary {
    pub id: String,
    pub direction: Direction,
    pub status: ActionStatus,
    pub from_vms: u32,
    pub to_vms: u32,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub error: Option<String>,
}

/// State of one journal step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Planned,
    Running,
    Done,
    Failed,
    Undone,
}
state_names!(StepState: "a step state" {
    Planned = "planned", Running = "running", Done = "done", Failed = "failed", Undone = "undone",
});

/// One journal step of an action, e.g. `recompose web-3`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionStep {
    pub seq: u32,
    pub step: crate::StepKind,
    pub vm_name: String,
    pub state: StepState,
    pub detail: Option<String>,
    pub updated_at: String,
}

/// `GET /api/org/{org}/autoscale/rules/{id}/actions/{action}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionDetail {
    #[serde(flatten)]
    pub summary: ActionSummary,
    pub steps: Vec<ActionStep>,
}

/// A VM of the rule's vApp, as vCD reports it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleVm {
    pub id: String,
    pub name: String,
    pub ip: Option<String>,
    pub powered_on: bool,
    pub created_at: Option<String>,
    /// Never removed by a scale-in.
    pub protected: bool,
    /// Member of the rule's load-balancer pool.
    pub in_pool: bool,
}

/// Body of `PUT …/rules/{id}/vms/{vm}/protection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Protection {
    pub protected: bool,
}

/// A vCD object offered by the rule form's pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VcdObject {
    pub id: String,
    pub name: String,
    /// Edge gateways only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lb_kind: Option<LbKind>,
    /// Pools only: members now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<u32>,
}

/// The vROps REST Notification Plugin's alert (`POST` new, `PUT` update). Dates are epoch ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VropsAlert {
    pub alert_id: String,
    #[serde(default)]
    pub alert_name: String,
    /// `ACTIVE`, `UPDATED`, `CANCELED`, …
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub criticality: String,
    #[serde(default)]
    pub resource_id: String,
    #[serde(default)]
    pub resource_name: String,
    #[serde(default)]
    pub start_date: Option<i64>,
    #[serde(default)]
    pub update_date: Option<i64>,
    #[serde(default)]
    pub cancel_date: Option<i64>,
    #[serde(default, rename = "type")]
    pub alert_type: Option<String>,
    #[serde(default)]
    pub sub_type: Option<String>,
    #[serde(default)]
    pub info: Option<String>,
}
