//! Calendar dates as the cost API takes them (`YYYY-MM-DD`), and the default report range.

use std::fmt;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A valid Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

/// An inclusive range of days, as the cost API's `from` and `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: Date,
    pub to: Date,
}

impl Date {
    /// The date, or `None` when there is no such day (month 13, 30 February, …).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD`, also the date part of an RFC 3339 timestamp.
    pub fn parse_iso(s: &str) -> Option<Self> {
        let s = s.get(..10)?;
        let mut parts = s.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Self::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }

    /// `1 Nov 2025`.
    pub fn long(self) -> String {
        format!("{} {} {}", self.day, MONTHS[self.month as usize - 1], self.year)
    }
}

/// `YYYY-MM-DD`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl DateRange {
    /// From the first of `today`'s month to `today`, both included.
    pub fn month_to_date(today: Date) -> Self {
        let from = Date { day: 1, ..today };
        Self { from, to: today }
    }

    /// `1 – 22 Nov 2025`, `28 Oct – 3 Nov 2025` or `1 Nov 2025`.
    pub fn describe(self) -> String {
        let (from, to) = (self.from, self.to);
        if from == to {
            from.long()
        } else if from.year != to.year {
            format!("{} – {}", from.long(), to.long())
        } else if from.month != to.month {
            format!("{} {} – {}", from.day, MONTHS[from.month as usize - 1], to.long())
        } else {
            format!("{} – {}", from.day, to.long())
        }
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Date {
        Date::new(y, m, d).expect("valid test date")
    }

    #[test]
    fn month_to_date_runs_from_the_first_to_today_inclusive() {
        let range = DateRange::month_to_date(date(2025, 11, 22));
        assert_eq!(range.from.to_string(), "2025-11-01");
        assert_eq!(range.to.to_string(), "2025-11-22");
    }

    #[test]
    fn month_to_date_on_the_first_is_a_single_day() {
        let range = DateRange::month_to_date(date(2024, 3, 1));
        assert_eq!(range.from, range.to);
        assert_eq!(range.describe(), "1 Mar 2024");
    }

    #[test]
    fn ranges_are_described_compactly() {
        let range = DateRange { from: date(2025, 11, 1), to: date(2025, 11, 22) };
        assert_eq!(range.describe(), "1 – 22 Nov 2025");
        let range = DateRange { from: date(2025, 10, 28), to: date(2025, 11, 3) };
        assert_eq!(range.describe(), "28 Oct – 3 Nov 2025");
        let range = DateRange { from: date(2024, 12, 30), to: date(2025, 1, 2) };
        assert_eq!(range.describe(), "30 Dec 2024 – 2 Jan 2025");
    }

    #[test]
    fn invalid_days_are_rejected() {
        assert!(Date::new(2025, 2, 29).is_none());
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2025, 13, 1).is_none());
        assert!(Date::new(2025, 4, 31).is_none());
        assert!(Date::new(2025, 1, 0).is_none());
    }

    #[test]
    fn iso_dates_and_timestamps_parse() {
        assert_eq!(Date::parse_iso("2025-11-05"), Some(date(2025, 11, 5)));
        assert_eq!(Date::parse_iso("2025-11-05T10:00:00Z"), Some(date(2025, 11, 5)));
        assert_eq!(Date::parse_iso("2025-1-05"), None);
        assert_eq!(Date::parse_iso("2025-02-30"), None);
        assert_eq!(Date::parse_iso("yesterday"), None);
    }
}
