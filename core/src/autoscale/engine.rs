//! The decision engine: from the group's readings and history to "scale out to N", "scale in to
//! N" or "do nothing", always with a reason. Plain data in, plain data out; no clock, no I/O.
//!
//! The rules, after Kubernetes' HPA and the VM-group autoscalers (see ARCHITECTURE.md):
//! - a metric votes *out* at or above its scale-out threshold plus the tolerance, *in* at or
//!   below its scale-in threshold minus the tolerance, *hold* in between, *unknown* when its
//!   data is missing or stale;
//! - any *out* vote scales out (the busier metric wins a conflict); scale-in needs every
//!   metric to vote *in*: an unknown metric never lets the group shrink, as in HPA;
//! - min and max are enforced first (a group below min grows to min whatever the metrics say);
//! - scale-out waits for its cooldown; scale-in waits for its cooldown after any action and
//!   for the stabilization window: every recommendation in the window must have been lower
//!   than the current size (HPA's scale-down stabilization);
//! - before shrinking, the load is projected onto the smaller group; if that would cross a
//!   scale-out threshold, it shrinks by less or not at all (Azure's flapping guard).

use api_types::{Direction, Thresholds};

/// What the engine knows of one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// No sample and no active alert.
    Missing,
    /// The newest sample is too old to act on.
    Stale { age_secs: i64 },
    /// The group's average usage, percent.
    Value(f64),
    /// vROps says the metric is above its scale-out threshold.
    AlertHigh,
    /// vROps says the metric is below its scale-in threshold.
    AlertLow,
}

/// The rule's numbers, with durations in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub cpu: Thresholds,
    pub memory: Thresholds,
    pub tolerance_pct: f64,
    pub min_vms: u32,
    pub max_vms: u32,
    pub step: u32,
    pub scale_out_cooldown_ms: i64,
    pub scale_in_cooldown_ms: i64,
    pub stabilization_ms: i64,
}

/// Everything one evaluation looks at.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    pub now_ms: i64,
    pub policy: &'a Policy,
    /// VMs in the vApp now.
    pub current: u32,
    pub cpu: Reading,
    pub memory: Reading,
    /// When the last scale-out and scale-in started.
    pub last_scale_out_ms: Option<i64>,
    pub last_scale_in_ms: Option<i64>,
    /// Earlier recommendations `(at_ms, desired)`, oldest first, reaching back at least one
    /// stabilization window.
    pub history: &'a [(i64, u32)],
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub direction: Direction,
    pub from: u32,
    pub to: u32,
    /// What the metrics alone ask for, before cooldowns and stabilization; stored so later
    /// evaluations can stabilize on it.
    pub recommendation: u32,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vote {
    Out,
    In,
    Hold,
    Unknown,
}

/// Decides what to do now.
pub fn decide(input: &Input<'_>) -> Decision {
    let p = input.policy;
    let current = input.current;
    if current < p.min_vms {
        return scale(
            Direction::ScaleOut,
            current,
            p.min_vms,
            p.min_vms,
            format!("{current} VMs is below the minimum of {}", p.min_vms),
        );
    }
    if current > p.max_vms {
        return scale(
            Direction::ScaleIn,
            current,
            p.max_vms,
            p.max_vms,
            format!("{current} VMs is above the maximum of {}", p.max_vms),
        );
    }
    let cpu = vote("cpu", input.cpu, &p.cpu, p.tolerance_pct);
    let memory = vote("memory", input.memory, &p.memory, p.tolerance_pct);
    let votes = [cpu.0, memory.0];
    let evidence = format!("{}; {}", cpu.1, memory.1);
    if votes.contains(&Vote::Out) {
        let target = current.saturating_add(p.step).min(p.max_vms);
        return decide_out(input, target, evidence);
    }
    if votes.iter().all(|v| *v == Vote::In) {
        let target = current.saturating_sub(p.step).max(p.min_vms);
        return decide_in(input, target, evidence);
    }
    let reason = if votes.iter().all(|v| *v == Vote::Unknown) {
        format!("no fresh metrics ({evidence}); nothing to act on")
    } else if votes.contains(&Vote::Unknown) && votes.contains(&Vote::In) {
        format!("{evidence}: a scale-in needs fresh data for every metric")
    } else {
        format!("{evidence}: within thresholds")
    };
    hold(current, current, reason)
}

fn decide_out(input: &Input<'_>, target: u32, evidence: String) -> Decision {
    let (p, current) = (input.policy, input.current);
    if target <= current {
        return hold(current, current, format!("{evidence}, but the group is at its maximum of {}", p.max_vms));
    }
    if let Some(left) = remaining(input.now_ms, input.last_scale_out_ms, p.scale_out_cooldown_ms) {
        return hold(current, target, format!("{evidence}, but the scale-out cooldown has {left} s left"));
    }
    scale(Direction::ScaleOut, current, target, target, evidence)
}

fn decide_in(input: &Input<'_>, target: u32, evidence: String) -> Decision {
    let (p, current) = (input.policy, input.current);
    if target >= current {
        return hold(current, current, format!("{evidence}, but the group is at its minimum of {}", p.min_vms));
    }
    let last_action = input.last_scale_out_ms.max(input.last_scale_in_ms);
    if let Some(left) = remaining(input.now_ms, last_action, p.scale_in_cooldown_ms) {
        return hold(current, target, format!("{evidence}, but the scale-in cooldown has {left} s left"));
    }
    if let Some(reason) = unstable(input) {
        return hold(current, target, format!("{evidence}, but {reason}"));
    }
    let removable = flap_guard(input, current - target);
    if removable == 0 {
        return hold(
            current,
            current,
            format!("{evidence}, but removing a VM would push the load over a scale-out threshold (flapping)"),
        );
    }
    let to = current - removable;
    let note = if to == target {
        String::new()
    } else {
        format!("; {removable} instead of {} to avoid flapping", current - target)
    };
    scale(Direction::ScaleIn, current, to, target, format!("{evidence}{note}"))
}

/// Why the stabilization window does not allow a scale-in yet, if it does not: every
/// recommendation within the window must ask for fewer VMs than now, and the history must reach
/// back to the window's start (a group that was just created or just got its first reading
/// waits a whole window).
fn unstable(input: &Input<'_>) -> Option<String> {
    let window = input.policy.stabilization_ms;
    if window <= 0 {
        return None;
    }
    let since = input.now_ms - window;
    let in_window = |at: i64| at > since;
    if let Some((at, desired)) = input.history.iter().rev().find(|(at, d)| in_window(*at) && *d >= input.current) {
        let ago = (input.now_ms - at) / 1000;
        return Some(format!(
            "{ago} s ago an evaluation asked for {desired} VMs; the {} s stabilization window must agree",
            window / 1000
        ));
    }
    if !input.history.iter().any(|(at, _)| !in_window(*at)) {
        let low_for = input.history.first().map_or(0, |(at, _)| (input.now_ms - at) / 1000);
        return Some(format!("the load has been low for {low_for} s of the {} s stabilization window", window / 1000));
    }
    None
}

/// How many of the wanted VMs can go without the remaining ones crossing a scale-out
/// threshold (only numeric readings can be projected).
fn flap_guard(input: &Input<'_>, wanted: u32) -> u32 {
    let p = input.policy;
    let fits = |remove: u32| {
        let left = f64::from(input.current - remove);
        [(input.cpu, &p.cpu), (input.memory, &p.memory)].iter().all(|(reading, t)| match reading {
            Reading::Value(v) => v * f64::from(input.current) / left < t.scale_out,
            _ => true,
        })
    };
    (1..=wanted).rev().find(|remove| fits(*remove)).unwrap_or(0)
}

fn vote(name: &str, reading: Reading, t: &Thresholds, tolerance: f64) -> (Vote, String) {
    match reading {
        Reading::Missing => (Vote::Unknown, format!("{name}: no data")),
        Reading::Stale { age_secs } => (Vote::Unknown, format!("{name}: newest sample is {age_secs} s old (stale)")),
        Reading::AlertHigh => (Vote::Out, format!("{name}: vROps alert above the scale-out threshold")),
        Reading::AlertLow => (Vote::In, format!("{name}: vROps alert below the scale-in threshold")),
        Reading::Value(v) if v >= t.scale_out + tolerance => {
            (Vote::Out, format!("{name} {} ≥ {} scale-out threshold", pct(v), pct(t.scale_out)))
        }
        Reading::Value(v) if v <= t.scale_in - tolerance => {
            (Vote::In, format!("{name} {} ≤ {} scale-in threshold", pct(v), pct(t.scale_in)))
        }
        Reading::Value(v) => (Vote::Hold, format!("{name} {}", pct(v))),
    }
}

fn pct(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    format!("{rounded}%")
}

/// Seconds of `cooldown` left after `since`, if any.
fn remaining(now: i64, since: Option<i64>, cooldown: i64) -> Option<i64> {
    let since = since?;
    let end = since + cooldown;
    (now < end).then(|| ((end - now) + 999) / 1000)
}

fn scale(direction: Direction, from: u32, to: u32, recommendation: u32, reason: String) -> Decision {
    Decision { direction, from, to, recommendation, reason }
}

fn hold(current: u32, recommendation: u32, reason: String) -> Decision {
    Decision { direction: Direction::None, from: current, to: current, recommendation, reason }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
