//! Words and badge colours of the autoscale pages.

use api_types::{
    ActionStatus, ActionSummary, DecisionInfo, Direction, EventKind, LbKind, RuleStatus, StepState, VictimPolicy,
};

use crate::logic::display::{BadgeKind, format_timestamp, vm_counts};

/// The badge of a rule's status.
pub fn rule_status_badge(status: RuleStatus) -> (BadgeKind, &'static str) {
    match status {
        RuleStatus::Ok => (BadgeKind::Success, "ok"),
        RuleStatus::Scaling => (BadgeKind::Info, "scaling"),
        RuleStatus::Error => (BadgeKind::Danger, "error"),
        RuleStatus::Disabled => (BadgeKind::Neutral, "disabled"),
    }
}

/// The badge of a scaling action's state.
pub fn action_status_badge(status: ActionStatus) -> (BadgeKind, &'static str) {
    match status {
        ActionStatus::Running => (BadgeKind::Info, "running"),
        ActionStatus::Succeeded => (BadgeKind::Success, "succeeded"),
        ActionStatus::RollingBack => (BadgeKind::Warning, "rolling back"),
        ActionStatus::RolledBack => (BadgeKind::Danger, "rolled back"),
    }
}

/// The badge of one journal step.
pub fn step_state_badge(state: StepState) -> (BadgeKind, &'static str) {
    match state {
        StepState::Planned => (BadgeKind::Neutral, "planned"),
        StepState::Running => (BadgeKind::Info, "running"),
        StepState::Done => (BadgeKind::Success, "done"),
        StepState::Failed => (BadgeKind::Danger, "failed"),
        StepState::Undone => (BadgeKind::Warning, "undone"),
    }
}

/// `scale out`, `scale in`, `no change`.
pub fn direction_label(direction: Direction) -> &'static str {
    match direction {
        Direction::ScaleOut => "scale out",
        Direction::ScaleIn => "scale in",
        Direction::None => "no change",
    }
}

/// An arrow for a direction: ↑ out, ↓ in, → none.
pub fn direction_arrow(direction: Direction) -> &'static str {
    match direction {
        Direction::ScaleOut => "↑",
        Direction::ScaleIn => "↓",
        Direction::None => "→",
    }
}

/// `scale out 2 → 3`.
pub fn action_text(action: &ActionSummary) -> String {
    format!("{} {} → {}", direction_label(action.direction), action.from_vms, action.to_vms)
}

/// When an action ran: its end when it has one, else its start.
pub fn action_when(action: &ActionSummary) -> String {
    format_timestamp(action.finished_at.as_deref().unwrap_or(&action.started_at))
}

/// `scale out: 2 → 3 VMs` or `no change: 2 VMs`.
pub fn decision_text(decision: &DecisionInfo) -> String {
    let label = direction_label(decision.direction);
    if decision.from_vms == decision.to_vms {
        format!("{label}: {} VMs", decision.to_vms)
    } else {
        format!("{label}: {} → {} VMs", decision.from_vms, decision.to_vms)
    }
}

/// The badge of a decision's direction.
pub fn decision_badge(direction: Direction) -> BadgeKind {
    match direction {
        Direction::ScaleOut | Direction::ScaleIn => BadgeKind::Info,
        Direction::None => BadgeKind::Neutral,
    }
}

/// The badge colour of a timeline entry.
pub fn event_kind_badge(kind: EventKind) -> BadgeKind {
    match kind {
        EventKind::Signal => BadgeKind::Neutral,
        EventKind::Decision => BadgeKind::Info,
        EventKind::Action => BadgeKind::Warning,
        EventKind::Step => BadgeKind::Neutral,
        EventKind::Rule => BadgeKind::Success,
    }
}

/// The kind of load balancer, as the form explains it.
pub fn lb_kind_label(kind: Option<LbKind>) -> &'static str {
    match kind {
        Some(LbKind::NsxV) => "NSX-V edge load balancer",
        Some(LbKind::NsxTAlb) => "NSX-T Advanced Load Balancer (Avi)",
        None => "no load balancer found",
    }
}

/// The `<select>` value of a victim policy, and back.
pub fn victim_policy_value(policy: VictimPolicy) -> &'static str {
    match policy {
        VictimPolicy::Newest => "newest",
        VictimPolicy::Oldest => "oldest",
    }
}

pub fn victim_policy_of(value: &str) -> VictimPolicy {
    if value == "oldest" { VictimPolicy::Oldest } else { VictimPolicy::Newest }
}

/// `2 of 1–4`, `? of 1–4` while the group has not been looked at.
pub fn rule_vm_counts(current: Option<u32>, min: u32, max: u32) -> String {
    match current {
        Some(current) => vm_counts(current.into(), min.into(), max.into()),
        None => format!("? of {min}–{max}"),
    }
}

/// `3 min`, `90 s`, `2 h`: a duration in seconds as the summary shows it.
pub fn seconds_text(secs: u32) -> String {
    match secs {
        0 => "none".to_owned(),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(direction: Direction, finished: Option<&str>) -> ActionSummary {
        ActionSummary {
            id: "act_1".into(),
            direction,
            status: ActionStatus::Succeeded,
            from_vms: 2,
            to_vms: 3,
            started_at: "2025-11-20T10:00:00Z".into(),
            finished_at: finished.map(str::to_owned),
            error: None,
        }
    }

    #[test]
    fn statuses_have_badges() {
        assert_eq!(rule_status_badge(RuleStatus::Ok), (BadgeKind::Success, "ok"));
        assert_eq!(rule_status_badge(RuleStatus::Scaling).1, "scaling");
        assert_eq!(rule_status_badge(RuleStatus::Error).0, BadgeKind::Danger);
        assert_eq!(rule_status_badge(RuleStatus::Disabled).0, BadgeKind::Neutral);
        assert_eq!(action_status_badge(ActionStatus::RolledBack), (BadgeKind::Danger, "rolled back"));
        assert_eq!(step_state_badge(StepState::Undone).1, "undone");
    }

    #[test]
    fn actions_and_decisions_read_as_sentences() {
        let a = action(Direction::ScaleOut, None);
        assert_eq!(action_text(&a), "scale out 2 → 3");
        assert_eq!(action_when(&a), "2025-11-20 10:00 UTC");
        assert_eq!(action_when(&action(Direction::ScaleIn, Some("2025-11-20T10:04:00Z"))), "2025-11-20 10:04 UTC");
        let d = DecisionInfo { direction: Direction::None, from_vms: 2, to_vms: 2, reason: "cpu 50%".into() };
        assert_eq!(decision_text(&d), "no change: 2 VMs");
        let d = DecisionInfo { direction: Direction::ScaleIn, from_vms: 3, to_vms: 2, ..d };
        assert_eq!(decision_text(&d), "scale in: 3 → 2 VMs");
    }

    #[test]
    fn small_labels() {
        assert_eq!(EventKind::Action.as_str(), "action");
        for d in [Direction::ScaleOut, Direction::ScaleIn, Direction::None] {
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str(), "the API's spelling");
        }
        for a in [ActionStatus::Running, ActionStatus::Succeeded, ActionStatus::RollingBack, ActionStatus::RolledBack] {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        for s in [StepState::Planned, StepState::Running, StepState::Done, StepState::Failed, StepState::Undone] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for k in [EventKind::Signal, EventKind::Decision, EventKind::Action, EventKind::Step, EventKind::Rule] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(lb_kind_label(Some(LbKind::NsxV)), "NSX-V edge load balancer");
        assert_eq!(victim_policy_of(victim_policy_value(VictimPolicy::Oldest)), VictimPolicy::Oldest);
        assert_eq!(victim_policy_of("anything"), VictimPolicy::Newest);
        assert_eq!(rule_vm_counts(Some(2), 1, 4), "2 of 1–4");
        assert_eq!(rule_vm_counts(None, 1, 4), "? of 1–4");
        assert_eq!(seconds_text(180), "3 min");
        assert_eq!(seconds_text(7200), "2 h");
        assert_eq!(seconds_text(90), "90 s");
        assert_eq!(seconds_text(0), "none");
    }
}
