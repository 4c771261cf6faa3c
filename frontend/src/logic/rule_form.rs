//! The autoscale rule form as typed, checked the way the server checks it, and the server's
//! field errors put back under the form's fields.

use std::ops::RangeInclusive;

use api_types::{Rule, RuleSpec, Thresholds, VictimPolicy};

use crate::logic::api_error::ApiError;
use crate::logic::function_form::FieldErrors;

/// The server's limits (defined once, in api-types), under the names the form uses.
pub use api_types::rule_limits::{
    MAX_NAME_CHARS as MAX_NAME, MAX_SECONDS, MAX_TOLERANCE_PCT as MAX_TOLERANCE, MAX_VMS as MAX_VMS_LIMIT,
};

/// The form's fields, named as the server's error details name them (`RuleSpec` JSON paths).
pub mod field {
    pub const NAME: &str = "name";
    pub const TEMPLATE: &str = "template";
    pub const VAPP: &str = "vapp";
    pub const EDGE_GATEWAY: &str = "edge_gateway";
    pub const LB_POOL: &str = "lb_pool";
    pub const MEMBER_PORT: &str = "member_port";
    pub const CPU: &str = "cpu";
    pub const CPU_OUT: &str = "cpu.scale_out";
    pub const CPU_IN: &str = "cpu.scale_in";
    pub const MEMORY: &str = "memory";
    pub const MEMORY_OUT: &str = "memory.scale_out";
    pub const MEMORY_IN: &str = "memory.scale_in";
    pub const TOLERANCE: &str = "tolerance_pct";
    pub const MIN_VMS: &str = "min_vms";
    pub const MAX_VMS: &str = "max_vms";
    pub const STEP: &str = "step";
    pub const OUT_COOLDOWN: &str = "scale_out_cooldown_secs";
    pub const IN_COOLDOWN: &str = "scale_in_cooldown_secs";
    pub const STABILIZATION: &str = "stabilization_secs";
    pub const DRAIN: &str = "drain_secs";
    pub const VICTIM_POLICY: &str = "victim_policy";
    pub const VROPS_RESOURCE: &str = "vrops_resource";
    pub const PROTECTED_VMS: &str = "protected_vms";
    pub const ENABLED: &str = "enabled";

    /// Every field the form shows errors under; details naming another go to the top.
    pub const ALL: [&str; 24] = [
        NAME,
        TEMPLATE,
        VAPP,
        EDGE_GATEWAY,
        LB_POOL,
        MEMBER_PORT,
        CPU,
        CPU_OUT,
        CPU_IN,
        MEMORY,
        MEMORY_OUT,
        MEMORY_IN,
        TOLERANCE,
        MIN_VMS,
        MAX_VMS,
        STEP,
        OUT_COOLDOWN,
        IN_COOLDOWN,
        STABILIZATION,
        DRAIN,
        VICTIM_POLICY,
        VROPS_RESOURCE,
        PROTECTED_VMS,
        ENABLED,
    ];
}

/// Everything the rule form holds, numbers as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFormValues {
    pub name: String,
    pub template: String,
    pub vapp: String,
    pub edge_gateway: String,
    pub lb_pool: String,
    pub member_port: String,
    pub cpu_out: String,
    pub cpu_in: String,
    pub memory_out: String,
    pub memory_in: String,
    pub tolerance: String,
    pub min_vms: String,
    pub max_vms: String,
    pub step: String,
    pub out_cooldown: String,
    pub in_cooldown: String,
    pub stabilization: String,
    pub drain: String,
    pub victim_policy: VictimPolicy,
    /// Blank: the vApp's name.
    pub vrops_resource: String,
    /// Not edited here (the VMs table toggles it) but sent back unchanged.
    pub protected_vms: Vec<String>,
    pub enabled: bool,
}

impl Default for RuleFormValues {
    /// A new rule: the API's defaults, and thresholds that suit a web tier.
    fn default() -> Self {
        let text = |n: u32| n.to_string();
        Self {
            name: String::new(),
            template: String::new(),
            vapp: String::new(),
            edge_gateway: String::new(),
            lb_pool: String::new(),
            member_port: text(80),
            cpu_out: text(80),
            cpu_in: text(30),
            memory_out: text(85),
            memory_in: text(40),
            tolerance: text(0),
            min_vms: text(1),
            max_vms: text(4),
            step: text(1),
            out_cooldown: text(180),
            in_cooldown: text(300),
            stabilization: text(300),
            drain: text(10),
            victim_policy: VictimPolicy::Newest,
            vrops_resource: String::new(),
            protected_vms: Vec::new(),
            enabled: true,
        }
    }
}

impl RuleFormValues {
    /// The form of an existing rule.
    pub fn from_rule(rule: &Rule) -> Self {
        let s = &rule.spec;
        Self {
            name: s.name.clone(),
            template: s.template.clone(),
            vapp: s.vapp.clone(),
            edge_gateway: s.edge_gateway.clone(),
            lb_pool: s.lb_pool.clone(),
            member_port: s.member_port.to_string(),
            cpu_out: percent_text(s.cpu.scale_out),
            cpu_in: percent_text(s.cpu.scale_in),
            memory_out: percent_text(s.memory.scale_out),
            memory_in: percent_text(s.memory.scale_in),
            tolerance: percent_text(s.tolerance_pct),
            min_vms: s.min_vms.to_string(),
            max_vms: s.max_vms.to_string(),
            step: s.step.to_string(),
            out_cooldown: s.scale_out_cooldown_secs.to_string(),
            in_cooldown: s.scale_in_cooldown_secs.to_string(),
            stabilization: s.stabilization_secs.to_string(),
            drain: s.drain_secs.to_string(),
            victim_policy: s.victim_policy,
            vrops_resource: s.vrops_resource.clone().unwrap_or_default(),
            protected_vms: s.protected_vms.clone(),
            enabled: s.enabled,
        }
    }

    /// The request body, or every error found before sending anything: the server's own
    /// checks (thresholds 0–100, scale-in below scale-out, min ≤ max, step ≥ 1, the limits
    /// above), field by field.
    pub fn to_spec(&self) -> Result<RuleSpec, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add(field::NAME, "must not be empty");
        } else if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
            errors.add(field::NAME, &format!("at most {MAX_NAME} characters, no control characters"));
        }
        for (key, value, what) in [
            (field::TEMPLATE, &self.template, "a vApp template"),
            (field::VAPP, &self.vapp, "a vApp"),
            (field::EDGE_GATEWAY, &self.edge_gateway, "an edge gateway"),
            (field::LB_POOL, &self.lb_pool, "a load-balancer pool"),
        ] {
            if value.trim().is_empty() {
                errors.add(key, &format!("choose {what}"));
            }
        }
        let member_port = match self.member_port.trim().parse::<u16>() {
            Ok(port) if port >= 1 => port,
            _ => {
                errors.add(field::MEMBER_PORT, "must be a port number, 1 to 65535");
                0
            }
        };
        let cpu = thresholds(&self.cpu_out, &self.cpu_in, (field::CPU_OUT, field::CPU_IN), &mut errors);
        let memory = thresholds(&self.memory_out, &self.memory_in, (field::MEMORY_OUT, field::MEMORY_IN), &mut errors);
        let tolerance = match self.tolerance.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && (0.0..=MAX_TOLERANCE).contains(&v) => v,
            _ => {
                errors.add(field::TOLERANCE, &format!("must be between 0 and {MAX_TOLERANCE} percentage points"));
                0.0
            }
        };
        let min_vms = whole(&self.min_vms, field::MIN_VMS, 0..=MAX_VMS_LIMIT, &mut errors);
        let max_vms = whole(&self.max_vms, field::MAX_VMS, 1..=MAX_VMS_LIMIT, &mut errors);
        if let (Some(min), Some(max)) = (min_vms, max_vms)
            && min > max
        {
            errors.add(field::MIN_VMS, &format!("must not be above the maximum ({max})"));
        }
        let step = whole(&self.step, field::STEP, 1..=MAX_VMS_LIMIT, &mut errors);
        let out_cooldown = whole(&self.out_cooldown, field::OUT_COOLDOWN, 0..=MAX_SECONDS, &mut errors);
        let in_cooldown = whole(&self.in_cooldown, field::IN_COOLDOWN, 0..=MAX_SECONDS, &mut errors);
        let stabilization = whole(&self.stabilization, field::STABILIZATION, 0..=MAX_SECONDS, &mut errors);
        let drain = whole(&self.drain, field::DRAIN, 0..=MAX_SECONDS, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let known = |n: Option<u32>| n.unwrap_or_else(|| unreachable!("a field without errors has a value"));
        let vrops = self.vrops_resource.trim();
        Ok(RuleSpec {
            name: name.to_owned(),
            template: self.template.trim().to_owned(),
            vapp: self.vapp.trim().to_owned(),
            edge_gateway: self.edge_gateway.trim().to_owned(),
            lb_pool: self.lb_pool.trim().to_owned(),
            member_port,
            cpu: known_thresholds(cpu),
            memory: known_thresholds(memory),
            tolerance_pct: tolerance,
            min_vms: known(min_vms),
            max_vms: known(max_vms),
            step: known(step),
            scale_out_cooldown_secs: known(out_cooldown),
            scale_in_cooldown_secs: known(in_cooldown),
            stabilization_secs: known(stabilization),
            drain_secs: known(drain),
            victim_policy: self.victim_policy,
            protected_vms: self.protected_vms.clone(),
            vrops_resource: (!vrops.is_empty()).then(|| vrops.to_owned()),
            enabled: self.enabled,
        })
    }
}

/// Where the details of a failed save go: each under its field, anything else at the top. A
/// 409 without details is about the name.
pub fn rule_errors_from_api(error: &ApiError) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for detail in &error.details {
        match detail.field.as_deref() {
            Some(key) if field::ALL.contains(&key) => errors.add(key, &detail.reason),
            Some(other) => errors.general.push(format!("{other}: {}", detail.reason)),
            None => errors.general.push(detail.reason.clone()),
        }
    }
    if error.details.is_empty() {
        if error.code == "conflict" {
            errors.add(field::NAME, &error.message);
        } else {
            errors.general.push(error.message.clone());
        }
    }
    errors
}

/// `80`, `72.5`: a threshold as the form shows it.
pub fn percent_text(value: f64) -> String {
    if value.fract() == 0.0 { format!("{value:.0}") } else { value.to_string() }
}

/// A metric's thresholds: each a percentage, scale-in below scale-out.
fn thresholds(out: &str, inn: &str, keys: (&str, &str), errors: &mut FieldErrors) -> (Option<f64>, Option<f64>) {
    let out = percent(out, keys.0, errors);
    let inn = percent(inn, keys.1, errors);
    if let (Some(o), Some(i)) = (out, inn)
        && i >= o
    {
        errors.add(keys.1, &format!("must be below the scale-out threshold ({})", percent_text(o)));
    }
    (out, inn)
}

fn known_thresholds((out, inn): (Option<f64>, Option<f64>)) -> Thresholds {
    match (out, inn) {
        (Some(scale_out), Some(scale_in)) => Thresholds { scale_out, scale_in },
        _ => unreachable!("thresholds without errors have values"),
    }
}

fn percent(text: &str, key: &str, errors: &mut FieldErrors) -> Option<f64> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Some(v),
        Ok(_) => {
            errors.add(key, "must be between 0 and 100");
            None
        }
        Err(_) => {
            errors.add(key, "must be a percentage, 0 to 100");
            None
        }
    }
}

/// A whole number within `range`.
fn whole(text: &str, key: &str, range: RangeInclusive<u32>, errors: &mut FieldErrors) -> Option<u32> {
    match text.trim().parse::<u32>() {
        Ok(n) if range.contains(&n) => Some(n),
        Ok(_) => {
            errors.add(key, &format!("must be between {} and {}", range.start(), range.end()));
            None
        }
        Err(_) => {
            errors.add(key, "must be a whole number");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use api_types::{RuleStatus, RuleTargets};

    use super::*;

    fn filled() -> RuleFormValues {
        RuleFormValues {
            name: " web ".into(),
            template: "urn:vcloud:vapptemplate:1".into(),
            vapp: "urn:vcloud:vapp:2".into(),
            edge_gateway: "urn:vcloud:gateway:3".into(),
            lb_pool: "web-pool".into(),
            ..RuleFormValues::default()
        }
    }

    fn rule(spec: RuleSpec) -> Rule {
        Rule {
            id: "rule_1".into(),
            spec,
            targets: RuleTargets::default(),
            status: RuleStatus::Ok,
            current_vms: Some(2),
            last_action: None,
            last_metrics: None,
            webhook_path: "/hooks/autoscale/rule_1".into(),
            created_at: "2025-11-20T10:00:00Z".into(),
            updated_at: "2025-11-20T10:00:00Z".into(),
        }
    }

    #[test]
    fn a_filled_form_sends_what_was_typed() {
        let mut v = filled();
        v.cpu_out = "72.5".into();
        v.vrops_resource = "  ".into();
        let spec = v.to_spec().unwrap();
        assert_eq!(spec.name, "web");
        assert_eq!(spec.cpu, Thresholds { scale_out: 72.5, scale_in: 30.0 });
        assert_eq!(spec.memory, Thresholds { scale_out: 85.0, scale_in: 40.0 });
        assert_eq!((spec.min_vms, spec.max_vms, spec.step), (1, 4, 1));
        assert_eq!((spec.scale_out_cooldown_secs, spec.scale_in_cooldown_secs), (180, 300));
        assert_eq!((spec.stabilization_secs, spec.drain_secs, spec.member_port), (300, 10, 80));
        assert_eq!(spec.vrops_resource, None);
        assert!(spec.enabled);
    }

    #[test]
    fn the_defaults_are_the_apis() {
        let spec = filled().to_spec().unwrap();
        let json = serde_json::json!({
            "name": "web", "template": spec.template, "vapp": spec.vapp, "edge_gateway": spec.edge_gateway,
            "lb_pool": "web-pool", "cpu": {"scale_out": 80.0, "scale_in": 30.0},
            "memory": {"scale_out": 85.0, "scale_in": 40.0}
        });
        let server_defaults: RuleSpec = serde_json::from_value(json).unwrap();
        assert_eq!(spec, server_defaults);
    }

    #[test]
    fn an_edit_round_trips_the_rule() {
        let mut spec = filled().to_spec().unwrap();
        spec.protected_vms = vec!["urn:vcloud:vm:9".into()];
        spec.vrops_resource = Some("web-vapp".into());
        spec.victim_policy = VictimPolicy::Oldest;
        spec.enabled = false;
        spec.cpu.scale_in = 12.5;
        spec.tolerance_pct = 2.0;
        let values = RuleFormValues::from_rule(&rule(spec.clone()));
        assert_eq!(values.cpu_in, "12.5");
        assert_eq!(values.cpu_out, "80");
        assert_eq!(values.to_spec().unwrap(), spec);
    }

    #[test]
    fn thresholds_are_percentages_with_scale_in_below_scale_out() {
        let mut v = filled();
        v.cpu_out = "101".into();
        v.cpu_in = "x".into();
        v.memory_out = "50".into();
        v.memory_in = "50".into();
        let errors = v.to_spec().unwrap_err();
        assert_eq!(errors.get(field::CPU_OUT), ["must be between 0 and 100"]);
        assert_eq!(errors.get(field::CPU_IN), ["must be a percentage, 0 to 100"]);
        assert_eq!(errors.get(field::MEMORY_IN), ["must be below the scale-out threshold (50)"]);
        assert!(errors.get(field::MEMORY_OUT).is_empty());

        let mut v = filled();
        v.cpu_out = "100".into();
        v.cpu_in = "0".into();
        assert!(v.to_spec().is_ok(), "the bounds themselves are allowed");
    }

    #[test]
    fn counts_need_min_at_most_max_and_a_step() {
        let mut v = filled();
        v.min_vms = "5".into();
        v.max_vms = "3".into();
        v.step = "0".into();
        v.drain = "-1".into();
        v.in_cooldown = "3601".into();
        let errors = v.to_spec().unwrap_err();
        assert_eq!(errors.get(field::MIN_VMS), ["must not be above the maximum (3)"]);
        assert_eq!(errors.get(field::STEP), ["must be between 1 and 100"]);
        assert_eq!(errors.get(field::DRAIN), ["must be a whole number"]);
        assert_eq!(errors.get(field::IN_COOLDOWN), ["must be between 0 and 3600"]);
        assert!(errors.get(field::MAX_VMS).is_empty());

        let mut v = filled();
        v.max_vms = "0".into();
        v.tolerance = "21".into();
        let errors = v.to_spec().unwrap_err();
        assert_eq!(errors.get(field::MAX_VMS), ["must be between 1 and 100"]);
        assert_eq!(errors.get(field::TOLERANCE), ["must be between 0 and 20 percentage points"]);

        let mut v = filled();
        v.min_vms = "3".into();
        v.max_vms = "3".into();
        assert!(v.to_spec().is_ok(), "min = max is a fixed size");
    }

    #[test]
    fn the_pickers_and_name_are_required() {
        let v = RuleFormValues { member_port: "0".into(), ..RuleFormValues::default() };
        let mut long = filled();
        long.name = "x".repeat(65);
        assert_eq!(long.to_spec().unwrap_err().get(field::NAME), ["at most 64 characters, no control characters"]);
        let errors = v.to_spec().unwrap_err();
        assert_eq!(errors.get(field::NAME), ["must not be empty"]);
        assert_eq!(errors.get(field::TEMPLATE), ["choose a vApp template"]);
        assert_eq!(errors.get(field::VAPP), ["choose a vApp"]);
        assert_eq!(errors.get(field::EDGE_GATEWAY), ["choose an edge gateway"]);
        assert_eq!(errors.get(field::LB_POOL), ["choose a load-balancer pool"]);
        assert_eq!(errors.get(field::MEMBER_PORT), ["must be a port number, 1 to 65535"]);
    }

    #[test]
    fn server_details_land_under_their_fields() {
        let body = r#"{"error":{"code":"validation_failed","message":"invalid","details":[
            {"field":"cpu.scale_in","reason":"must be below cpu.scale_out"},
            {"field":"lb_pool","reason":"no such pool on edge-1"},
            {"field":"max_vms","reason":"exceeds the org's VM quota"},
            {"field":"spec.other","reason":"odd"},
            {"reason":"vCD said no"}]}}"#;
        let errors = rule_errors_from_api(&ApiError::from_response(422, "", body));
        assert_eq!(errors.get(field::CPU_IN), ["must be below cpu.scale_out"]);
        assert_eq!(errors.get(field::LB_POOL), ["no such pool on edge-1"]);
        assert_eq!(errors.get(field::MAX_VMS), ["exceeds the org's VM quota"]);
        assert_eq!(errors.general, ["spec.other: odd", "vCD said no"]);
    }

    #[test]
    fn a_taken_name_is_a_name_error_and_other_failures_go_on_top() {
        let conflict = r#"{"error":{"code":"conflict","message":"a rule named web already exists"}}"#;
        let errors = rule_errors_from_api(&ApiError::from_response(409, "Conflict", conflict));
        assert_eq!(errors.get(field::NAME), ["a rule named web already exists"]);
        let down = r#"{"error":{"code":"vcd_unavailable","message":"vCD is not configured"}}"#;
        let errors = rule_errors_from_api(&ApiError::from_response(503, "", down));
        assert_eq!(errors.general, ["vCD is not configured"]);
    }
}
