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

    /// `2025-11`, the cost API's month.
    pub fn month_key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// How many days this date's month has (28–31).
    pub fn days_in_month(self) -> u32 {
        days_in_month(self.year, self.month)
    }

    /// The first day of this date's month.
    pub fn first_of_month(self) -> Self {
        Self { day: 1, ..self }
    }

    /// The last day of this date's month.
    pub fn last_of_month(self) -> Self {
        Self { day: self.days_in_month(), ..self }
    }

    /// The first day of the month `n` months before this date's month.
    pub fn months_before(self, n: u32) -> Self {
        let index = self.year * 12 + self.month as i32 - 1 - n as i32;
        Self { year: index.div_euclid(12), month: index.rem_euclid(12) as u32 + 1, day: 1 }
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

    /// A range from `from` to `to`, or why there is none.
    pub fn new(from: Date, to: Date) -> Result<Self, &'static str> {
        if from > to { Err("the first day is after the last") } else { Ok(Self { from, to }) }
    }

    /// The last `n` calendar months, oldest first, each labelled `YYYY-MM`; the current one
    /// ends at `today`.
    pub fn last_months(today: Date, n: u32) -> Vec<(String, DateRange)> {
        (0..n)
            .rev()
            .map(|back| {
                let from = today.months_before(back);
                let to = if back == 0 { today } else { from.last_of_month() };
                (from.month_key(), DateRange { from, to })
            })
            .collect()
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
    fn months_step_back_across_years() {
        let today = date(2025, 2, 14);
        assert_eq!(today.month_key(), "2025-02");
        assert_eq!(today.days_in_month(), 28);
        assert_eq!(today.first_of_month(), date(2025, 2, 1));
        assert_eq!(today.last_of_month(), date(2025, 2, 28));
        assert_eq!(today.months_before(1), date(2025, 1, 1));
        assert_eq!(today.months_before(2), date(2024, 12, 1));
        assert_eq!(today.months_before(14), date(2023, 12, 1));
        assert_eq!(date(2024, 3, 31).months_before(1).last_of_month(), date(2024, 2, 29));
    }

    #[test]
    fn the_last_months_end_today() {
        let months = DateRange::last_months(date(2025, 2, 14), 3);
        let labels: Vec<&str> = months.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["2024-12", "2025-01", "2025-02"]);
        assert_eq!(months[0].1, DateRange { from: date(2024, 12, 1), to: date(2024, 12, 31) });
        assert_eq!(months[2].1, DateRange { from: date(2025, 2, 1), to: date(2025, 2, 14) });
    }

    #[test]
    fn a_range_may_not_run_backwards() {
        assert!(DateRange::new(date(2025, 2, 2), date(2025, 2, 1)).is_err());
        assert!(DateRange::new(date(2025, 2, 1), date(2025, 2, 1)).is_ok());
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
