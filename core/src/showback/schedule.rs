//! When collectors run: `every 15m` (also `s`, `h`, `d`) or a five-field cron expression
//! (`minute hour day-of-month month day-of-week`, UTC, with `*`, lists, ranges and `/step`).

use chrono::{DateTime, Datelike as _, Duration, TimeZone as _, Timelike as _, Utc};

/// A collector's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Every(Duration),
    Cron(Cron),
}

/// A parsed cron expression: the allowed values of each field as bit sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    /// Day-of-month and day-of-week were both restricted: either may match (as in cron).
    either_day: bool,
}

/// The shortest interval accepted.
pub const MIN_EVERY_SECS: i64 = 10;

impl Schedule {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("every ").or_else(|| s.strip_prefix("@every ")) {
            return parse_every(rest.trim()).map(Schedule::Every);
        }
        let fields: Vec<&str> = s.split_whitespace().collect();
        let [m, h, dom, mon, dow] = fields[..] else {
            return Err(format!("'{s}' is neither 'every <n>s|m|h|d' nor a five-field cron expression"));
        };
        let weekdays = field(dow, 0, 7, "day of week")?;
        let weekdays = (weekdays | (weekdays >> 7)) & 0x7f; // 7 is Sunday too
        Ok(Schedule::Cron(Cron {
            minutes: field(m, 0, 59, "minute")?,
            hours: field(h, 0, 23, "hour")?,
            days: field(dom, 1, 31, "day of month")?,
            months: field(mon, 1, 12, "month")?,
            weekdays,
            either_day: dom != "*" && dow != "*",
        }))
    }

    /// The first run time strictly after `after_ms` (epoch ms); `None` when the cron expression
    /// never matches (e.g. 31 February).
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        match self {
            Schedule::Every(d) => Some(after_ms + d.num_milliseconds()),
            Schedule::Cron(c) => c.next_after(after_ms),
        }
    }
}

fn parse_every(s: &str) -> Result<Duration, String> {
    let bad = || format!("'every {s}': use a number and s, m, h or d, e.g. 'every 15m'");
    let unit = s.chars().last().ok_or_else(bad)?;
    let n: i64 = s[..s.len() - unit.len_utf8()].trim().parse().map_err(|_| bad())?;
    let unit_secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    // A number too large to multiply is out of range like any other.
    let secs = n.checked_mul(unit_secs).unwrap_or(i64::MAX);
    if !(MIN_EVERY_SECS..=366 * 86_400).contains(&secs) {
        return Err(format!("'every {s}' must be between {MIN_EVERY_SECS} seconds and a year"));
    }
    Ok(Duration::seconds(secs))
}

fn field(s: &str, min: u32, max: u32, name: &str) -> Result<u64, String> {
    let bad = || format!("cron {name} '{s}' must use values {min}-{max}, '*', lists, ranges and /step");
    let mut bits = 0u64;
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => (r, st.parse::<u32>().ok().filter(|st| *st > 0).ok_or_else(bad)?),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?)
        } else {
            let v: u32 = range.parse().map_err(|_| bad())?;
            (v, if step > 1 { max } else { v })
        };
        if lo < min || hi > max || lo > hi {
            return Err(bad());
        }
        bits |= (lo..=hi).step_by(step as usize).fold(0, |acc, v| acc | 1 << v);
    }
    Ok(bits)
}

impl Cron {
    fn day_matches(&self, t: &DateTime<Utc>) -> bool {
        let dom = self.days & (1 << t.day()) != 0;
        let dow = self.weekdays & (1 << t.weekday().num_days_from_sunday()) != 0;
        if self.either_day { dom || dow } else { dom && dow }
    }

    fn next_after(&self, after_ms: i64) -> Option<i64> {
        let start = DateTime::from_timestamp_millis(after_ms)?;
        let mut t = start.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        // Five years cover every leap-day expression; give up afterwards.
        let limit = start + Duration::days(5 * 366);
        while t <= limit {
            if self.months & (1 << t.month()) == 0 || !self.day_matches(&t) {
                let next_day = t.date_naive().succ_opt()?.and_hms_opt(0, 0, 0)?;
                t = Utc.from_utc_datetime(&next_day);
            } else if self.hours & (1 << t.hour()) == 0 {
                t = t.with_minute(0)? + Duration::hours(1);
            } else if self.minutes & (1 << t.minute()) == 0 {
                t += Duration::minutes(1);
            } else {
                return Some(t.timestamp_millis());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn next(expr: &str, after: &str) -> Option<String> {
        let ms = Schedule::parse(expr).unwrap().next_after(at(after))?;
        Some(DateTime::from_timestamp_millis(ms).unwrap().to_rfc3339())
    }

    #[test]
    fn intervals() {
        assert_eq!(Schedule::parse("every 15m").unwrap().next_after(0), Some(900_000));
        assert_eq!(Schedule::parse("@every 1d").unwrap(), Schedule::Every(Duration::days(1)));
        for bad in ["every 5s", "every m", "every 10x", "every", "every 400d"] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cron_expressions() {
        assert_eq!(next("30 2 * * *", "2026-03-04T02:30:00Z").unwrap(), "2026-03-05T02:30:00+00:00");
        assert_eq!(next("30 2 * * *", "2026-03-04T01:00:00Z").unwrap(), "2026-03-04T02:30:00+00:00");
        assert_eq!(next("*/15 * * * *", "2026-03-04T10:07:13Z").unwrap(), "2026-03-04T10:15:00+00:00");
        assert_eq!(next("0 0 1 * *", "2026-12-15T00:00:00Z").unwrap(), "2027-01-01T00:00:00+00:00");
        // Monday to Friday at 06:00; 2026-03-07 is a Saturday.
        assert_eq!(next("0 6 * * 1-5", "2026-03-07T00:00:00Z").unwrap(), "2026-03-09T06:00:00+00:00");
        assert_eq!(next("0 0 29 2 *", "2026-03-01T00:00:00Z").unwrap(), "2028-02-29T00:00:00+00:00");
        assert_eq!(next("0 0 31 2 *", "2026-03-01T00:00:00Z"), None);
        // Sunday as 7; day of month or day of week when both are given.
        assert_eq!(next("0 0 * * 7", "2026-03-04T00:00:00Z").unwrap(), "2026-03-08T00:00:00+00:00");
        assert_eq!(next("0 0 13 * 5", "2026-03-01T00:00:00Z").unwrap(), "2026-03-06T00:00:00+00:00");
        for bad in ["* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "a * * * *", "5-1 * * * *"] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }
}
