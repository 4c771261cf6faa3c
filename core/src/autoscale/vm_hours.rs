//! VM-hours of an autoscaled group: the integral of its VM count over each UTC day.

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// VM-hours in micro-units per UTC day `(epoch_day, micro VM-hours)` over `[from_ms, to_ms)`,
/// from the group's VM count known at each instant of `points` (`(at_ms, vms)`, oldest first; a
/// count holds until the next point). Time before the first point counts nothing; days with
/// nothing are left out.
pub fn vm_hours_by_day(points: &[(i64, u32)], from_ms: i64, to_ms: i64) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (i, (at, vms)) in points.iter().enumerate() {
        let start = (*at).max(from_ms);
        let end = points.get(i + 1).map_or(to_ms, |(next, _)| *next).min(to_ms);
        let mut t = start;
        while t < end {
            let day = t.div_euclid(DAY_MS);
            let slice_end = ((day + 1) * DAY_MS).min(end);
            // ms × VMs → micro VM-hours: × 10⁶ / 3.6 × 10⁶ ms.
            let micros = (i128::from(slice_end - t) * i128::from(*vms) * 1_000_000 / 3_600_000) as i64;
            match out.last_mut() {
                Some((d, total)) if *d == day => *total += micros,
                _ if micros > 0 => out.push((day, micros)),
                _ => {}
            }
            t = slice_end;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    #[test]
    fn counts_hold_until_the_next_point_and_split_at_midnight() {
        // 2 VMs from 22:00 on day 0, 3 VMs from 02:00 on day 1, metered until 04:00 on day 1.
        let points = [(22 * H, 2), (26 * H, 3)];
        assert_eq!(vm_hours_by_day(&points, 0, 28 * H), [(0, 4_000_000), (1, 4_000_000 + 6_000_000)]);
    }

    #[test]
    fn the_window_clips_and_empty_stretches_are_skipped() {
        let points = [(0, 1), (10 * H, 0), (30 * H, 2)];
        assert_eq!(vm_hours_by_day(&points, 5 * H, 31 * H), [(0, 5_000_000), (1, 2_000_000)]);
        assert!(vm_hours_by_day(&[], 0, DAY_MS).is_empty());
        // A point after the window counts nothing; one before it counts from the window start.
        assert!(vm_hours_by_day(&[(40 * H, 5)], 0, 24 * H).is_empty());
        assert_eq!(vm_hours_by_day(&[(-H, 1)], 0, H / 2), [(0, 500_000)]);
    }
}
