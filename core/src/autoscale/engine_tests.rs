use super::*;

const S: i64 = 1000;
const NOW: i64 = 1_000_000 * S;

fn policy() -> Policy {
    Policy {
        cpu: Thresholds { scale_out: 80.0, scale_in: 30.0 },
        memory: Thresholds { scale_out: 85.0, scale_in: 40.0 },
        tolerance_pct: 0.0,
        min_vms: 1,
        max_vms: 5,
        step: 1,
        scale_out_cooldown_ms: 180 * S,
        scale_in_cooldown_ms: 300 * S,
        stabilization_ms: 300 * S,
    }
}

/// Low recommendations covering the whole stabilization window.
const LOW_HISTORY: &[(i64, u32)] = &[(NOW - 400 * S, 2), (NOW - 200 * S, 2), (NOW - 20 * S, 2)];

fn run(p: &Policy, current: u32, cpu: Reading, memory: Reading, history: &[(i64, u32)]) -> Decision {
    decide(&Input {
        now_ms: NOW,
        policy: p,
        current,
        cpu,
        memory,
        last_scale_out_ms: None,
        last_scale_in_ms: None,
        history,
    })
}

#[test]
fn high_cpu_scales_out_by_the_step() {
    let d = run(&policy(), 2, Reading::Value(91.0), Reading::Value(50.0), &[]);
    assert_eq!((d.direction, d.from, d.to), (Direction::ScaleOut, 2, 3));
    assert!(d.reason.contains("cpu 91% ≥ 80%"), "{}", d.reason);
    let p = Policy { step: 2, ..policy() };
    assert_eq!(run(&p, 2, Reading::Value(91.0), Reading::Value(50.0), &[]).to, 4);
}

#[test]
fn readings_between_the_thresholds_hold() {
    let d = run(&policy(), 3, Reading::Value(50.0), Reading::Value(60.0), &[]);
    assert_eq!((d.direction, d.to, d.recommendation), (Direction::None, 3, 3));
    assert!(d.reason.contains("within thresholds"), "{}", d.reason);
}

#[test]
fn tolerance_ignores_readings_just_past_a_threshold() {
    let p = Policy { tolerance_pct: 2.0, ..policy() };
    assert_eq!(run(&p, 2, Reading::Value(81.5), Reading::Value(50.0), &[]).direction, Direction::None);
    assert_eq!(run(&p, 2, Reading::Value(82.0), Reading::Value(50.0), &[]).direction, Direction::ScaleOut);
    assert_eq!(run(&p, 3, Reading::Value(29.0), Reading::Value(20.0), LOW_HISTORY).direction, Direction::None);
    assert_eq!(run(&p, 3, Reading::Value(27.0), Reading::Value(20.0), LOW_HISTORY).direction, Direction::ScaleIn);
}

#[test]
fn max_and_min_bound_every_decision() {
    let d = run(&policy(), 5, Reading::Value(99.0), Reading::Value(99.0), &[]);
    assert_eq!(d.direction, Direction::None);
    assert!(d.reason.contains("maximum of 5"), "{}", d.reason);
    let d = run(&policy(), 1, Reading::Value(1.0), Reading::Value(1.0), LOW_HISTORY);
    assert_eq!(d.direction, Direction::None);
    assert!(d.reason.contains("minimum of 1"), "{}", d.reason);
    let p = Policy { min_vms: 3, ..policy() };
    let d = run(&p, 1, Reading::Missing, Reading::Missing, &[]);
    assert_eq!((d.direction, d.to), (Direction::ScaleOut, 3), "below min grows to min whatever the metrics");
    let d = run(&policy(), 7, Reading::Missing, Reading::Missing, &[]);
    assert_eq!((d.direction, d.to), (Direction::ScaleIn, 5));
    let p = Policy { step: 3, ..policy() };
    assert_eq!(run(&p, 4, Reading::Value(95.0), Reading::Missing, &[]).to, 5, "a step never passes max");
}

#[test]
fn cooldowns_block_repeated_actions() {
    let p = policy();
    let mut input = Input {
        now_ms: NOW,
        policy: &p,
        current: 3,
        cpu: Reading::Value(95.0),
        memory: Reading::Value(50.0),
        last_scale_out_ms: Some(NOW - 60 * S),
        last_scale_in_ms: None,
        history: LOW_HISTORY,
    };
    let d = decide(&input);
    assert_eq!((d.direction, d.recommendation), (Direction::None, 4));
    assert!(d.reason.contains("scale-out cooldown has 120 s left"), "{}", d.reason);
    input.last_scale_out_ms = Some(NOW - 181 * S);
    assert_eq!(decide(&input).direction, Direction::ScaleOut);
    // Scale-in waits its own cooldown after any action, scale-out included.
    input.cpu = Reading::Value(10.0);
    input.memory = Reading::Value(10.0);
    input.last_scale_out_ms = Some(NOW - 200 * S);
    let d = decide(&input);
    assert!(d.reason.contains("scale-in cooldown has 100 s left"), "{}", d.reason);
    input.last_scale_out_ms = Some(NOW - 301 * S);
    assert_eq!(decide(&input).direction, Direction::ScaleIn);
}

#[test]
fn scale_in_waits_for_the_stabilization_window() {
    let p = policy();
    // A recent evaluation wanted more VMs: no scale-in yet.
    let history = [(NOW - 400 * S, 2), (NOW - 100 * S, 4), (NOW - 10 * S, 2)];
    let d = run(&p, 3, Reading::Value(10.0), Reading::Value(10.0), &history);
    assert_eq!((d.direction, d.recommendation), (Direction::None, 2));
    assert!(d.reason.contains("100 s ago an evaluation asked for 4 VMs"), "{}", d.reason);
    // Low for only part of the window: wait.
    let d = run(&p, 3, Reading::Value(10.0), Reading::Value(10.0), &[(NOW - 120 * S, 2)]);
    assert!(d.reason.contains("low for 120 s of the 300 s"), "{}", d.reason);
    // No history at all: wait too.
    assert_eq!(run(&p, 3, Reading::Value(10.0), Reading::Value(10.0), &[]).direction, Direction::None);
    // Low through the whole window: shrink by one step.
    let d = run(&p, 3, Reading::Value(10.0), Reading::Value(10.0), LOW_HISTORY);
    assert_eq!((d.direction, d.to), (Direction::ScaleIn, 2));
    // A zero window acts at once.
    let p = Policy { stabilization_ms: 0, ..policy() };
    assert_eq!(run(&p, 3, Reading::Value(10.0), Reading::Value(10.0), &[]).direction, Direction::ScaleIn);
}

#[test]
fn scale_out_is_not_stabilized() {
    let history = [(NOW - 10 * S, 1)];
    assert_eq!(run(&policy(), 2, Reading::Value(90.0), Reading::Missing, &history).direction, Direction::ScaleOut);
}

#[test]
fn missing_or_stale_data_never_shrinks_the_group() {
    let p = policy();
    let d = run(&p, 3, Reading::Value(10.0), Reading::Missing, LOW_HISTORY);
    assert_eq!(d.direction, Direction::None);
    assert!(d.reason.contains("fresh data for every metric"), "{}", d.reason);
    let d = run(&p, 3, Reading::Value(10.0), Reading::Stale { age_secs: 900 }, LOW_HISTORY);
    assert_eq!(d.direction, Direction::None);
    assert!(d.reason.contains("900 s old"), "{}", d.reason);
    let d = run(&p, 3, Reading::Missing, Reading::Stale { age_secs: 900 }, LOW_HISTORY);
    assert!(d.reason.contains("no fresh metrics"), "{}", d.reason);
    // …but a fresh high metric still scales out.
    assert_eq!(run(&p, 3, Reading::Value(95.0), Reading::Missing, &[]).direction, Direction::ScaleOut);
}

#[test]
fn conflicting_metrics_favour_capacity() {
    let p = policy();
    let d = run(&p, 3, Reading::Value(95.0), Reading::Value(5.0), LOW_HISTORY);
    assert_eq!(d.direction, Direction::ScaleOut, "cpu high + memory low → out");
    let d = run(&p, 3, Reading::Value(10.0), Reading::Value(60.0), LOW_HISTORY);
    assert_eq!(d.direction, Direction::None, "cpu low + memory mid → hold");
}

#[test]
fn alerts_count_as_crossings() {
    let p = policy();
    assert_eq!(run(&p, 2, Reading::AlertHigh, Reading::Missing, &[]).direction, Direction::ScaleOut);
    let d = run(&p, 3, Reading::AlertLow, Reading::AlertLow, LOW_HISTORY);
    assert_eq!((d.direction, d.to), (Direction::ScaleIn, 2));
}

#[test]
fn the_flapping_guard_shrinks_less_or_not_at_all() {
    // 2 → 1 would double cpu 45% to 90% ≥ 80%: no scale-in.
    let p = Policy { cpu: Thresholds { scale_out: 80.0, scale_in: 50.0 }, ..policy() };
    let d = run(&p, 2, Reading::Value(45.0), Reading::Value(10.0), &[(NOW - 400 * S, 1), (NOW - 10 * S, 1)]);
    assert_eq!(d.direction, Direction::None);
    assert!(d.reason.contains("flapping"), "{}", d.reason);
    // 5 → 3 would put 48% × 5/3 = 80% over; 5 → 4 gives 60%: remove one, not two.
    let p = Policy { step: 2, cpu: Thresholds { scale_out: 80.0, scale_in: 50.0 }, ..policy() };
    let history = [(NOW - 400 * S, 3), (NOW - 10 * S, 3)];
    let d = run(&p, 5, Reading::Value(48.0), Reading::Value(10.0), &history);
    assert_eq!((d.direction, d.to), (Direction::ScaleIn, 4), "{}", d.reason);
    assert!(d.reason.contains("avoid flapping"), "{}", d.reason);
}
