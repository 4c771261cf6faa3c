//! Rule validation: the numbers on their own, then the vCD objects the rule points at.

use api_types::rule_limits::{MAX_NAME_CHARS, MAX_SECONDS, MAX_TOLERANCE_PCT, MAX_VMS as MAX_VMS_LIMIT};
use api_types::{ErrorDetail, RuleSpec, RuleTargets, Thresholds, VcdObject};

use super::engine::Policy;
use super::vcd::{Inventory, VcdFault, VcdPort};

/// Field errors of the spec's own values (no vCD needed).
pub fn check_spec(spec: &RuleSpec) -> Vec<ErrorDetail> {
    let mut errors = Vec::new();
    let mut err = |field: &str, reason: String| errors.push(ErrorDetail::field(field, reason));
    let name = spec.name.trim();
    if name.is_empty() {
        err("name", "required".into());
    } else if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        err("name", format!("at most {MAX_NAME_CHARS} characters, no control characters"));
    }
    for (field, value) in [
        ("template", &spec.template),
        ("vapp", &spec.vapp),
        ("edge_gateway", &spec.edge_gateway),
        ("lb_pool", &spec.lb_pool),
    ] {
        if value.trim().is_empty() {
            err(field, "required".into());
        }
    }
    for (metric, t) in [("cpu", &spec.cpu), ("memory", &spec.memory)] {
        check_thresholds(metric, t, &mut err);
    }
    if !(0.0..=MAX_TOLERANCE_PCT).contains(&spec.tolerance_pct) {
        err("tolerance_pct", format!("must be between 0 and {MAX_TOLERANCE_PCT} percentage points"));
    }
    if spec.min_vms > spec.max_vms {
        err("min_vms", format!("must not be above max_vms ({})", spec.max_vms));
    }
    if spec.max_vms == 0 || spec.max_vms > MAX_VMS_LIMIT {
        err("max_vms", format!("must be between 1 and {MAX_VMS_LIMIT}"));
    }
    if spec.step == 0 || spec.step > MAX_VMS_LIMIT {
        err("step", format!("must be between 1 and {MAX_VMS_LIMIT}"));
    }
    if spec.member_port == 0 {
        err("member_port", "must be between 1 and 65535".into());
    }
    for (field, value) in [
        ("scale_out_cooldown_secs", spec.scale_out_cooldown_secs),
        ("scale_in_cooldown_secs", spec.scale_in_cooldown_secs),
        ("stabilization_secs", spec.stabilization_secs),
        ("drain_secs", spec.drain_secs),
    ] {
        if value > MAX_SECONDS {
            err(field, format!("must be at most {MAX_SECONDS} seconds"));
        }
    }
    errors
}

fn check_thresholds(metric: &str, t: &Thresholds, err: &mut impl FnMut(&str, String)) {
    let mut ok = true;
    for (name, value) in [("scale_out", t.scale_out), ("scale_in", t.scale_in)] {
        if !value.is_finite() || !(0.0..=100.0).contains(&value) {
            err(&format!("{metric}.{name}"), "must be a percentage between 0 and 100".into());
            ok = false;
        }
    }
    if ok && t.scale_in >= t.scale_out {
        err(
            &format!("{metric}.scale_in"),
            format!("must be below the scale-out threshold ({}), or the group would flap", t.scale_out),
        );
    }
}

/// Why the vCD check failed: field errors, or vCD itself.
#[derive(Debug)]
pub enum TargetError {
    Fields(Vec<ErrorDetail>),
    Vcd(VcdFault),
}

/// Checks that the template, vApp, edge gateway and pool exist in `org`'s vCD, and returns
/// their names for display.
pub async fn resolve_targets(vcd: &dyn VcdPort, org: &str, spec: &RuleSpec) -> Result<RuleTargets, TargetError> {
    let mut errors = Vec::new();
    let template = match vcd.template(org, &spec.template).await {
        Ok(t) => Some(t),
        Err(VcdFault::NotFound(_)) => {
            errors.push(ErrorDetail::field("template", format!("no vApp template '{}' in org {org}", spec.template)));
            None
        }
        Err(fault) => return Err(TargetError::Vcd(fault)),
    };
    let vapps = vcd.inventory(org, &Inventory::VApps).await.map_err(TargetError::Vcd)?;
    let vapp = find(&vapps, &spec.vapp);
    if vapp.is_none() {
        errors.push(ErrorDetail::field("vapp", format!("no vApp '{}' in org {org}", spec.vapp)));
    }
    let edge = match vcd.edge(org, &spec.edge_gateway).await {
        Ok(edge) => Some(edge),
        Err(VcdFault::NotFound(_)) => {
            let reason = format!("no edge gateway '{}' in org {org}", spec.edge_gateway);
            errors.push(ErrorDetail::field("edge_gateway", reason));
            None
        }
        Err(fault) => return Err(TargetError::Vcd(fault)),
    };
    if let Some(edge) = &edge {
        let pools = vcd.inventory(org, &Inventory::Pools(edge.id.clone())).await.map_err(TargetError::Vcd)?;
        if !pools.iter().any(|p| p.name == spec.lb_pool) {
            let reason = format!("no load-balancer pool '{}' on edge gateway {}", spec.lb_pool, edge.name);
            errors.push(ErrorDetail::field("lb_pool", reason));
        }
    }
    if !errors.is_empty() {
        return Err(TargetError::Fields(errors));
    }
    Ok(RuleTargets {
        template_name: template.map(|t| t.name).unwrap_or_default(),
        vapp_name: vapp.map(|v| v.name.clone()).unwrap_or_default(),
        edge_gateway_name: edge.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
        lb_kind: edge.map(|e| e.kind),
    })
}

fn find<'a>(objects: &'a [VcdObject], id: &str) -> Option<&'a VcdObject> {
    objects.iter().find(|o| o.id == id)
}

/// The engine's view of a rule.
pub fn policy(spec: &RuleSpec) -> Policy {
    let ms = |secs: u32| i64::from(secs) * 1000;
    Policy {
        cpu: spec.cpu,
        memory: spec.memory,
        tolerance_pct: spec.tolerance_pct,
        min_vms: spec.min_vms,
        max_vms: spec.max_vms,
        step: spec.step,
        scale_out_cooldown_ms: ms(spec.scale_out_cooldown_secs),
        scale_in_cooldown_ms: ms(spec.scale_in_cooldown_secs),
        stabilization_ms: ms(spec.stabilization_secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn spec() -> RuleSpec {
        serde_json::from_value(serde_json::json!({
            "name": "web", "template": "t", "vapp": "v", "edge_gateway": "e", "lb_pool": "p",
            "cpu": {"scale_out": 80, "scale_in": 30}, "memory": {"scale_out": 85, "scale_in": 40}
        }))
        .unwrap()
    }

    fn fields(spec: &RuleSpec) -> Vec<String> {
        check_spec(spec).into_iter().filter_map(|d| d.field).collect()
    }

    #[test]
    fn a_sound_spec_passes_with_defaults() {
        let s = spec();
        assert!(check_spec(&s).is_empty());
        assert_eq!((s.min_vms, s.max_vms, s.step, s.member_port), (1, 4, 1, 80));
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut s = spec();
        s.name = " ".into();
        s.cpu = Thresholds { scale_out: 120.0, scale_in: -1.0 };
        s.memory = Thresholds { scale_out: 50.0, scale_in: 60.0 };
        s.min_vms = 5;
        s.max_vms = 3;
        s.step = 0;
        s.stabilization_secs = 4000;
        s.lb_pool = String::new();
        assert_eq!(
            fields(&s),
            [
                "name",
                "lb_pool",
                "cpu.scale_out",
                "cpu.scale_in",
                "memory.scale_in",
                "min_vms",
                "step",
                "stabilization_secs"
            ]
        );
    }
}
