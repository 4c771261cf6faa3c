//! Calendar days as used by cost queries: `YYYY-MM-DD`, ranges inclusive.

use chrono::{Datelike as _, NaiveDate};

/// Parses `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("'{s}' is not a date of the form YYYY-MM-DD"))
}

/// The first day of `day`'s month.
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Formats a day as `YYYY-MM-DD`.
pub fn format_day(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Milliseconds since the epoch as an RFC 3339 timestamp.
pub fn rfc3339_from_millis(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// Now, in milliseconds since the epoch.
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_days() {
        let day = parse_day("2026-02-28").unwrap();
        assert_eq!(format_day(month_start(day)), "2026-02-01");
        assert!(parse_day("2026-02-30").is_err());
        assert!(parse_day("28/02/2026").is_err());
        assert_eq!(rfc3339_from_millis(0), "1970-01-01T00:00:00.000Z");
    }
}
