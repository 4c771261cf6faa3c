//! Stored rows to wire types and back.

use api_types::{
    ActionStatus, ActionStep, ActionSummary, AutoscaleEvent, AutoscaleRuleSummary, MetricsSample, Rule, RuleSpec,
    RuleStatus, RuleTargets, RuleVm,
};

use super::error::AutoscaleError;
use super::vcd::VmInfo;
use crate::dates::rfc3339_from_millis;
use crate::store::{ActionRow, EventRow, RuleRow, StepRow};

/// Where vROps posts alerts.
pub const WEBHOOK_PATH: &str = "/api/autoscale/alerts/vrops";

pub fn spec(row: &RuleRow) -> Result<RuleSpec, AutoscaleError> {
    serde_json::from_str(&row.spec_json).map_err(|e| corrupt(row, e))
}

pub fn targets(row: &RuleRow) -> Result<RuleTargets, AutoscaleError> {
    serde_json::from_str(&row.targets_json).map_err(|e| corrupt(row, e))
}

fn corrupt(row: &RuleRow, err: serde_json::Error) -> AutoscaleError {
    AutoscaleError::Store(sqlx::Error::Decode(format!("rule {}: {err}", row.rule_id).into()))
}

/// Copies a validated spec into the row's columns.
pub fn fill_row(row: &mut RuleRow, spec: &RuleSpec, targets: &RuleTargets, now: i64) {
    row.name.clone_from(&spec.name);
    row.spec_json = serde_json::to_string(spec).unwrap_or_default();
    row.targets_json = serde_json::to_string(targets).unwrap_or_default();
    let resource = spec.vrops_resource.as_deref().filter(|r| !r.trim().is_empty()).unwrap_or(&targets.vapp_name);
    row.vrops_resource = resource.trim().to_lowercase();
    row.enabled = spec.enabled;
    row.updated_at = now;
}

fn status(row: &RuleRow, last: Option<&ActionRow>) -> RuleStatus {
    match last.map(|a| a.status) {
        Some(status) if status.is_active() => RuleStatus::Scaling,
        _ if !row.enabled => RuleStatus::Disabled,
        Some(ActionStatus::RolledBack) => RuleStatus::Error,
        Some(_) | None => RuleStatus::Ok,
    }
}

fn count(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

pub fn summary(row: &RuleRow, last: Option<&ActionRow>) -> Result<AutoscaleRuleSummary, AutoscaleError> {
    let spec = spec(row)?;
    Ok(AutoscaleRuleSummary {
        id: row.rule_id.clone(),
        name: row.name.clone(),
        vapp: spec.vapp,
        vapp_name: targets(row)?.vapp_name,
        enabled: row.enabled,
        status: status(row, last),
        current_vms: count(row.current_vms),
        min_vms: spec.min_vms,
        max_vms: spec.max_vms,
        last_action: last.map(action),
    })
}

pub fn rule(row: &RuleRow, last: Option<&ActionRow>, samples: [Option<(i64, f64)>; 2]) -> Result<Rule, AutoscaleError> {
    let [cpu, memory] = samples;
    let newest = cpu.iter().chain(memory.iter()).map(|(at, _)| *at).max();
    let last_metrics = newest.map(|at| MetricsSample {
        cpu: cpu.map(|(_, v)| v),
        memory: memory.map(|(_, v)| v),
        at: rfc3339_from_millis(at),
    });
    Ok(Rule {
        id: row.rule_id.clone(),
        spec: spec(row)?,
        targets: targets(row)?,
        status: status(row, last),
        current_vms: count(row.current_vms),
        last_action: last.map(action),
        last_metrics,
        webhook_path: WEBHOOK_PATH.into(),
        created_at: rfc3339_from_millis(row.created_at),
        updated_at: rfc3339_from_millis(row.updated_at),
    })
}

pub fn action(a: &ActionRow) -> ActionSummary {
    ActionSummary {
        id: a.action_id.clone(),
        direction: a.direction,
        status: a.status,
        from_vms: count(Some(a.from_vms)).unwrap_or_default(),
        to_vms: count(Some(a.to_vms)).unwrap_or_default(),
        started_at: rfc3339_from_millis(a.started_at),
        finished_at: a.finished_at.map(rfc3339_from_millis),
        error: a.error.clone(),
    }
}

pub fn step(s: &StepRow) -> ActionStep {
    ActionStep {
        seq: u32::try_from(s.seq).unwrap_or_default(),
        step: s.step,
        vm_name: s.vm_name.clone(),
        state: s.state,
        detail: s.detail.clone(),
        updated_at: rfc3339_from_millis(s.updated_at),
    }
}

pub fn event(e: &EventRow) -> AutoscaleEvent {
    AutoscaleEvent {
        id: e.event_id,
        at: rfc3339_from_millis(e.at),
        kind: e.kind,
        message: e.message.clone(),
        action_id: e.action_id.clone(),
        vm_count: count(e.vm_count),
    }
}

pub fn vm(vm: &VmInfo, spec: &RuleSpec, pool_ips: &[String]) -> RuleVm {
    RuleVm {
        id: vm.id.clone(),
        name: vm.name.clone(),
        ip: vm.ip.clone(),
        powered_on: vm.powered_on,
        created_at: vm.created_at.map(rfc3339_from_millis),
        protected: spec.protected_vms.contains(&vm.id),
        in_pool: vm.ip.as_ref().is_some_and(|ip| pool_ips.contains(ip)),
    }
}
