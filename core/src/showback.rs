//! Showback: cost reports, projections, budgets, rate cards, usage rows and schedules.
//!
//! [`Showback`] is the service the HTTP handlers call.

pub mod budget;
pub mod chart_data;
pub mod collectors;
pub mod jsonpath;
pub mod month;
pub mod projection;
pub mod rates;
pub mod records;
pub mod schedule;
mod service;
pub mod summary;

use chrono::NaiveDate;

use crate::dates::{format_day, month_start, parse_day};
use crate::store::CostRow;

pub use crate::store::CostKey;
pub(crate) use service::rate_row;
pub use service::{MonthTrend, ServicesByMonth, Showback, ShowbackError, TopCosts};

/// Currency of a report with no records.
pub const DEFAULT_CURRENCY: &str = "EUR";

/// The longest range one cost query may cover.
pub const MAX_RANGE_DAYS: i64 = 3_700;

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DayRange {
    /// Parses the query's `from` and `to`; by default the month to date of `today`.
    /// Errors name the offending field.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Self, (&'static str, String)> {
        let to = match to {
            Some(s) => parse_day(s).map_err(|e| ("to", e))?,
            None => today,
        };
        let from = match from {
            Some(s) => parse_day(s).map_err(|e| ("from", e))?,
            None => month_start(to),
        };
        if from > to {
            return Err(("from", format!("{} is after 'to' ({})", format_day(from), format_day(to))));
        }
        if (to - from).num_days() > MAX_RANGE_DAYS {
            return Err(("from", format!("the range may cover at most {MAX_RANGE_DAYS} days")));
        }
        Ok(Self { from, to })
    }
}

/// The currencies present, most expensive first.
pub fn currencies(rows: &[CostRow]) -> Vec<String> {
    let mut totals: Vec<(String, i64)> = Vec::new();
    for row in rows {
        match totals.iter_mut().find(|(c, _)| *c == row.currency) {
            Some((_, total)) => *total += row.cost_micros,
            None => totals.push((row.currency.clone(), row.cost_micros)),
        }
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    totals.into_iter().map(|(c, _)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        parse_day(s).unwrap()
    }

    #[test]
    fn defaults_to_month_to_date() {
        let range = DayRange::parse(None, None, day("2026-11-22")).unwrap();
        assert_eq!((range.from, range.to), (day("2026-11-01"), day("2026-11-22")));
    }

    #[test]
    fn names_the_field_at_fault() {
        let today = day("2026-11-22");
        assert_eq!(DayRange::parse(Some("2026-13-01"), None, today).unwrap_err().0, "from");
        assert_eq!(DayRange::parse(None, Some("nope"), today).unwrap_err().0, "to");
        assert_eq!(DayRange::parse(Some("2026-11-10"), Some("2026-11-09"), today).unwrap_err().0, "from");
        assert!(DayRange::parse(Some("2000-01-01"), Some("2026-01-01"), today).is_err());
    }

    #[test]
    fn orders_currencies_by_total() {
        let row = |c: &str, m| CostRow { key: "k".into(), cost_micros: m, currency: c.into() };
        let rows = [row("USD", 5), row("EUR", 3), row("EUR", 4)];
        assert_eq!(currencies(&rows), ["EUR", "USD"]);
    }
}
