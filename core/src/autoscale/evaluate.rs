//! One evaluation: read the group and its signals, ask the engine, record the decision, and
//! start the action it calls for.

use api_types::{
    ActionStatus, DecisionInfo, Direction, Evaluation, EventKind, RuleSpec, StepKind, StepState, VictimPolicy,
};
use rand::RngCore as _;

use super::convert;
use super::engine::{self, Decision, Input};
use super::error::AutoscaleError;
use super::rules;
use super::service::Autoscale;
use super::vcd::VmInfo;
use crate::dates::now_millis;
use crate::store::{ActionRow, EventRow, RuleRow, StepRow};

/// Journal steps of adding one VM, in order.
pub const SCALE_OUT_STEPS: [StepKind; 3] = [StepKind::Recompose, StepKind::PowerOn, StepKind::PoolAdd];
/// Journal steps of removing one VM, in order: drained and out of the pool before it stops.
pub const SCALE_IN_STEPS: [StepKind; 4] = [StepKind::Drain, StepKind::PoolRemove, StepKind::PowerOff, StepKind::Delete];

/// The answer to a signal that changed nothing because it had been received already.
pub fn duplicate(current: Option<i64>) -> Evaluation {
    let vms = current.and_then(|v| u32::try_from(v).ok()).unwrap_or_default();
    let reason = "duplicate signal: this alert state was received already".to_owned();
    Evaluation {
        decision: DecisionInfo { direction: Direction::None, from_vms: vms, to_vms: vms, reason },
        action_id: None,
        duplicate: true,
    }
}

impl Autoscale {
    /// Evaluates `row` now; records the decision and starts the action it calls for.
    pub(super) async fn evaluate(&self, row: &RuleRow) -> Result<Evaluation, AutoscaleError> {
        let spec = convert::spec(row)?;
        let current = row.current_vms.and_then(|v| u32::try_from(v).ok()).unwrap_or_default();
        if !row.enabled {
            return Ok(self.hold(row, current, "the rule is disabled".into()).await);
        }
        if let Some(active) = self.store.list_actions(&row.rule_id, 1).await?.first()
            && active.status.is_active()
        {
            let reason = format!("action {} is still {}", active.action_id, active.status.as_str().replace('_', " "));
            return Ok(self.hold(row, current, reason).await);
        }
        let vms = match self.vcd.vms(&spec.vapp).await {
            Ok(vms) => vms,
            Err(fault) => return Ok(self.hold(row, current, format!("could not read the vApp: {fault}")).await),
        };
        let current = u32::try_from(vms.len()).unwrap_or(u32::MAX);
        self.store.set_rule_vms(&row.rule_id, i64::from(current)).await?;
        let now = now_millis();
        let [cpu, memory] = self.readings(&row.rule_id, now).await?;
        let policy = rules::policy(&spec);
        let history: Vec<(i64, u32)> = self
            .store
            .recommendations(&row.rule_id, now - policy.stabilization_ms)
            .await?
            .into_iter()
            .map(|(at, desired)| (at, u32::try_from(desired).unwrap_or_default()))
            .collect();
        let decision = engine::decide(&Input {
            now_ms: now,
            policy: &policy,
            current,
            cpu,
            memory,
            last_scale_out_ms: self.store.last_action_start(&row.rule_id, Direction::ScaleOut).await?,
            last_scale_in_ms: self.store.last_action_start(&row.rule_id, Direction::ScaleIn).await?,
            history: &history,
        });
        self.record_decision(row, &decision, Some(decision.recommendation)).await;
        let info = info(&decision);
        if decision.direction == Direction::None {
            return Ok(Evaluation { decision: info, action_id: None, duplicate: false });
        }
        let action_id = self.start(row, &spec, &decision, &vms).await?;
        Ok(Evaluation { decision: info, action_id, duplicate: false })
    }

    /// Plans and records the action, then runs it in the background.
    async fn start(
        &self,
        row: &RuleRow,
        spec: &RuleSpec,
        decision: &Decision,
        vms: &[VmInfo],
    ) -> Result<Option<String>, AutoscaleError> {
        let now = now_millis();
        let action_id = crate::ids::new_id("act");
        let names: Vec<(String, Option<String>)> = match decision.direction {
            Direction::ScaleOut => {
                new_names(&row.name, vms, decision.to - decision.from).into_iter().map(|n| (n, None)).collect()
            }
            _ => victims(spec, vms, decision.from - decision.to)
                .into_iter()
                .map(|vm| (vm.name.clone(), Some(vm.id.clone())))
                .collect(),
        };
        if names.is_empty() {
            let reason = "cannot scale in: every VM of the vApp is protected from scale-in".to_owned();
            self.event(&row.rule_id, EventKind::Decision, reason, None, Some(decision.from)).await;
            return Ok(None);
        }
        let steps: &[StepKind] =
            if decision.direction == Direction::ScaleOut { &SCALE_OUT_STEPS } else { &SCALE_IN_STEPS };
        let mut rows = Vec::new();
        for (name, vm_id) in &names {
            for step in steps {
                rows.push(StepRow {
                    action_id: action_id.clone(),
                    seq: rows.len() as i64 + 1,
                    step: *step,
                    vm_name: name.clone(),
                    vm_id: vm_id.clone(),
                    state: StepState::Planned,
                    detail: None,
                    updated_at: now,
                });
            }
        }
        let count = u32::try_from(names.len()).unwrap_or_default();
        let to = if decision.direction == Direction::ScaleOut { decision.from + count } else { decision.from - count };
        let action = ActionRow {
            action_id: action_id.clone(),
            rule_id: row.rule_id.clone(),
            org_name: row.org_name.clone(),
            direction: decision.direction,
            status: ActionStatus::Running,
            from_vms: i64::from(decision.from),
            to_vms: i64::from(to),
            started_at: now,
            ..ActionRow::default()
        };
        if !self.store.start_action(&action, &rows).await? {
            let reason = "another evaluation started an action at the same moment".to_owned();
            self.event(&row.rule_id, EventKind::Decision, reason, None, None).await;
            return Ok(None);
        }
        let vm_list: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        let message = format!("{} {} → {to} started ({})", verb(decision.direction), decision.from, vm_list.join(", "));
        self.event(&row.rule_id, EventKind::Action, message, Some(&action_id), Some(decision.from)).await;
        self.spawn_action(action_id.clone());
        Ok(Some(action_id))
    }

    async fn hold(&self, row: &RuleRow, current: u32, reason: String) -> Evaluation {
        let decision =
            Decision { direction: Direction::None, from: current, to: current, recommendation: current, reason };
        self.record_decision(row, &decision, None).await;
        Evaluation { decision: info(&decision), action_id: None, duplicate: false }
    }

    async fn record_decision(&self, row: &RuleRow, d: &Decision, desired: Option<u32>) {
        let message = match d.direction {
            Direction::None => format!("no change at {} VMs: {}", d.from, d.reason),
            dir => format!("{} {} → {}: {}", verb(dir), d.from, d.to, d.reason),
        };
        let event = EventRow {
            rule_id: row.rule_id.clone(),
            at: now_millis(),
            kind: EventKind::Decision,
            message,
            vm_count: Some(i64::from(d.from)),
            desired: desired.map(i64::from),
            event_id: 0,
            action_id: None,
        };
        if let Err(err) = self.store.insert_event(&event).await {
            tracing::warn!(%err, rule = %row.rule_id, "could not record an autoscale decision");
        }
    }
}

pub fn verb(direction: Direction) -> &'static str {
    match direction {
        Direction::ScaleOut => "scale-out",
        Direction::ScaleIn => "scale-in",
        Direction::None => "no change",
    }
}

fn info(d: &Decision) -> DecisionInfo {
    DecisionInfo { direction: d.direction, from_vms: d.from, to_vms: d.to, reason: d.reason.clone() }
}

/// Fresh VM names `<rule>-<4 hex>`, unlike any VM of the vApp.
fn new_names(rule: &str, vms: &[VmInfo], count: u32) -> Vec<String> {
    let base: String = rule
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(10)
        .collect::<String>()
        .trim_matches('-')
        .to_owned();
    let base = if base.is_empty() { "vm".to_owned() } else { base };
    let mut names: Vec<String> = Vec::new();
    while names.len() < count as usize {
        let mut suffix = [0u8; 2];
        rand::rng().fill_bytes(&mut suffix);
        let name = format!("{base}-{}", hex::encode(suffix));
        if !vms.iter().any(|vm| vm.name == name) && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Up to `count` VMs to remove, by the rule's victim policy, never a protected one.
fn victims<'a>(spec: &RuleSpec, vms: &'a [VmInfo], count: u32) -> Vec<&'a VmInfo> {
    let mut candidates: Vec<&VmInfo> = vms.iter().filter(|vm| !spec.protected_vms.contains(&vm.id)).collect();
    candidates.sort_by(|a, b| (a.created_at, &a.name).cmp(&(b.created_at, &b.name)));
    if spec.victim_policy == VictimPolicy::Newest {
        candidates.reverse();
    }
    candidates.truncate(count as usize);
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(id: &str, created: i64) -> VmInfo {
        VmInfo {
            id: id.into(),
            href: String::new(),
            name: format!("n{id}"),
            powered_on: true,
            created_at: Some(created),
            ip: None,
        }
    }

    fn spec(policy: VictimPolicy, protected: &[&str]) -> RuleSpec {
        let mut s: RuleSpec = serde_json::from_value(serde_json::json!({
            "name": "web", "template": "t", "vapp": "v", "edge_gateway": "e", "lb_pool": "p",
            "cpu": {"scale_out": 80, "scale_in": 30}, "memory": {"scale_out": 85, "scale_in": 40}
        }))
        .unwrap();
        s.victim_policy = policy;
        s.protected_vms = protected.iter().map(|p| (*p).to_owned()).collect();
        s
    }

    #[test]
    fn victims_follow_the_policy_and_skip_protected_vms() {
        let vms = [vm("a", 1), vm("b", 3), vm("c", 2)];
        let ids = |v: Vec<&VmInfo>| v.iter().map(|vm| vm.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(victims(&spec(VictimPolicy::Newest, &[]), &vms, 2)), ["b", "c"]);
        assert_eq!(ids(victims(&spec(VictimPolicy::Oldest, &[]), &vms, 2)), ["a", "c"]);
        assert_eq!(ids(victims(&spec(VictimPolicy::Newest, &["b"]), &vms, 1)), ["c"]);
        assert!(victims(&spec(VictimPolicy::Newest, &["a", "b", "c"]), &vms, 1).is_empty());
    }

    #[test]
    fn new_names_are_unique_and_readable() {
        let names = new_names("Web Tier!", &[], 3);
        assert_eq!(names.len(), 3);
        assert!(names.iter().all(|n| n.starts_with("web-tier-") && n.len() == "web-tier-".len() + 4), "{names:?}");
    }
}
