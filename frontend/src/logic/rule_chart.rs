//! The VM-count chart's points from a rule's timeline, as the server draws them.

use api_types::AutoscaleEvent;

/// `(unix seconds, VMs)` of each event with a VM count, oldest first (the API lists the newest
/// first), then the group's size `now` when it is known, so the line reaches the present.
pub fn vm_count_points(events: &[AutoscaleEvent], now: Option<(i64, u32)>) -> Vec<(i64, u32)> {
    let mut points: Vec<(i64, u32)> = events.iter().filter_map(|e| Some((unix_seconds(&e.at)?, e.vm_count?))).collect();
    points.sort_by_key(|p| p.0);
    if let Some((at, vms)) = now
        && points.last().is_some_and(|last| last.0 < at)
    {
        points.push((at, vms));
    }
    points
}

/// Seconds since the epoch of an RFC 3339 timestamp (`2025-11-20T14:03:27.5Z`, `…+01:00`);
/// fractions are dropped.
pub fn unix_seconds(rfc3339: &str) -> Option<i64> {
    let s = rfc3339.trim();
    let b = s.as_bytes();
    let num =
        |from: usize, to: usize| s.get(from..to).filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?.parse::<i64>().ok();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" | "" => 0,
        zone => {
            let sign = match zone.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let (h, m) = zone[1..].split_once(':')?;
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use api_types::EventKind;

    use super::*;

    fn event(at: &str, vm_count: Option<u32>) -> AutoscaleEvent {
        AutoscaleEvent { id: 1, at: at.into(), kind: EventKind::Action, message: "m".into(), action_id: None, vm_count }
    }

    #[test]
    fn timestamps_become_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2025-11-20T14:00:00Z"), Some(1_763_647_200));
        assert_eq!(unix_seconds("2025-11-20T14:00:00.987654Z"), Some(1_763_647_200));
        assert_eq!(unix_seconds("2025-11-20T15:00:00+01:00"), Some(1_763_647_200));
        assert_eq!(unix_seconds("2025-11-20T13:30:00-00:30"), Some(1_763_647_200));
        assert_eq!(unix_seconds("2024-02-29T00:00:00Z"), Some(19_782 * 86_400));
        assert_eq!(unix_seconds("yesterday"), None);
        assert_eq!(unix_seconds("2025-13-20T14:00:00Z"), None);
        assert_eq!(unix_seconds("2025-11-20T14:00:00Q"), None);
    }

    #[test]
    fn points_run_oldest_first_and_reach_now() {
        let events = [
            event("2025-11-20T14:20:00Z", Some(3)),
            event("2025-11-20T14:10:00Z", None),
            event("2025-11-20T14:00:00Z", Some(2)),
        ];
        let t0 = 1_763_647_200;
        assert_eq!(vm_count_points(&events, None), [(t0, 2), (t0 + 1200, 3)]);
        assert_eq!(vm_count_points(&events, Some((t0 + 3600, 3))), [(t0, 2), (t0 + 1200, 3), (t0 + 3600, 3)]);
        assert_eq!(vm_count_points(&[], Some((t0, 3))), [], "no history, no line");
    }
}
