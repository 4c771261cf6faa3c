//! Calendar months (`YYYY-MM`).

use std::fmt;

use chrono::{Datelike as _, Months, NaiveDate};

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Self, String> {
        NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .ok()
            .filter(|_| s.len() == 7)
            .map(Month)
            .ok_or_else(|| format!("'{s}' is not a month of the form YYYY-MM"))
    }

    /// The month `day` falls in.
    pub fn of(day: NaiveDate) -> Self {
        Month(day.with_day(1).unwrap_or(day))
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().0.pred_opt().unwrap_or(self.0)
    }

    /// Days in the month (28–31).
    pub fn days(self) -> u32 {
        self.last_day().day()
    }

    pub fn prev(self) -> Self {
        Month(self.0.checked_sub_months(Months::new(1)).unwrap_or(self.0))
    }

    pub fn next(self) -> Self {
        Month(self.0.checked_add_months(Months::new(1)).unwrap_or(self.0))
    }

    /// The `n` months ending with this one, oldest first.
    pub fn last_n(self, n: u32) -> Vec<Month> {
        let first = Month(self.0.checked_sub_months(Months::new(n.saturating_sub(1))).unwrap_or(self.0));
        std::iter::successors(Some(first), |m| (*m < self).then(|| m.next())).collect()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_its_days_and_neighbours() {
        let feb = Month::parse("2028-02").unwrap();
        assert_eq!(
            (feb.days(), feb.prev().to_string(), feb.next().to_string()),
            (29, "2028-01".into(), "2028-03".into())
        );
        assert_eq!(Month::parse("2026-01").unwrap().prev().to_string(), "2025-12");
        assert!(Month::parse("2026-13").is_err() && Month::parse("2026-1").is_err() && Month::parse("x").is_err());
        let months: Vec<String> = Month::parse("2026-02").unwrap().last_n(3).iter().map(Month::to_string).collect();
        assert_eq!(months, ["2025-12", "2026-01", "2026-02"]);
    }
}
