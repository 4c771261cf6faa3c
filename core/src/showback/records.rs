//! Rows of usage files and collector feeds: the raw text of each field, validated into a
//! [`UsageRecord`] or into one error per bad field.

use std::collections::HashSet;

use api_types::ErrorDetail;

use crate::dates::{format_day, parse_day};
use crate::money::parse_decimal;
use crate::showback::rates::{RateBook, cost_micros};
use crate::store::UsageRecord;

/// The fields of a usage row, in the CSV header's order.
pub const FIELDS: [&str; 8] = ["date", "org", "service", "resource", "quantity", "unit", "cost", "currency"];

/// Longest service, resource, unit or source name.
pub const MAX_NAME: usize = 200;

/// One row's fields as text (quantity and cost as exact decimal strings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRow {
    pub date: String,
    pub org: String,
    pub service: String,
    pub resource: String,
    pub quantity: String,
    pub unit: String,
    pub cost: String,
    pub currency: String,
}

impl RawRow {
    /// The field called `name` (one of [`FIELDS`]).
    pub fn field_mut(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "date" => &mut self.date,
            "org" => &mut self.org,
            "service" => &mut self.service,
            "resource" => &mut self.resource,
            "quantity" => &mut self.quantity,
            "unit" => &mut self.unit,
            "cost" => &mut self.cost,
            "currency" => &mut self.currency,
            _ => return None,
        })
    }
}

/// What validation checks rows against.
pub struct Checks<'a> {
    /// The `source` the records are stored under.
    pub source: &'a str,
    /// Orgs that exist; rows of other orgs are errors.
    pub orgs: &'a HashSet<String>,
    /// When set, a row without a cost is priced by this rate card.
    pub rates: Option<&'a RateBook>,
}

/// Whether `s` is a currency code: three upper-case ASCII letters.
pub fn is_currency(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Checks a service, resource, unit or source name.
pub fn check_name(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("is missing".into());
    }
    if s.chars().count() > MAX_NAME || s.chars().any(char::is_control) {
        return Err(format!("must be at most {MAX_NAME} characters, without control characters"));
    }
    Ok(())
}

/// Formats micro-units exactly, without trailing zeros: `12_500_000` → `"12.5"`.
pub fn format_exact(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    let frac = format!("{:06}", m % 1_000_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { format!("{sign}{}", m / 1_000_000) } else { format!("{sign}{}.{frac}", m / 1_000_000) }
}

/// Validates `raw` (found at `line`) into a record, or names every bad field.
pub fn validate(raw: &RawRow, line: u64, checks: &Checks<'_>) -> Result<UsageRecord, Vec<ErrorDetail>> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, reason: String| {
        errors.push(ErrorDetail { field: Some(field.into()), line: Some(line), reason });
    };
    let day = parse_day(raw.date.trim()).map_err(|e| fail("date", e)).ok();
    let org = raw.org.trim();
    if org.is_empty() {
        fail("org", "is missing".into());
    } else if !checks.orgs.contains(org) {
        fail("org", format!("unknown org '{org}'"));
    }
    for (field, value) in [("service", &raw.service), ("resource", &raw.resource), ("unit", &raw.unit)] {
        if let Err(e) = check_name(value) {
            fail(field, e);
        }
    }
    let quantity = match parse_decimal(&raw.quantity) {
        Ok(q) if q < 0 => {
            fail("quantity", "must not be negative".into());
            None
        }
        Ok(q) => Some(q),
        Err(e) => {
            fail("quantity", if raw.quantity.trim().is_empty() { "is missing".into() } else { e });
            None
        }
    };
    let mut currency = raw.currency.trim().to_owned();
    let cost = if raw.cost.trim().is_empty() && checks.rates.is_some() {
        let rate = match (&day, quantity, checks.rates) {
            (Some(day), Some(_), Some(book)) => book.price(org, raw.service.trim(), raw.unit.trim(), &format_day(*day)),
            _ => None,
        };
        match (rate, quantity) {
            (Some(rate), Some(q)) if currency.is_empty() || currency == rate.currency => {
                currency.clone_from(&rate.currency);
                Some(cost_micros(q, rate.unit_price_nanos))
            }
            (Some(rate), Some(_)) => {
                fail("currency", format!("the rate card prices this in {}, not {currency}", rate.currency));
                None
            }
            (None, Some(_)) if day.is_some() => {
                fail("cost", format!("is missing and no rate prices {} per {}", raw.service.trim(), raw.unit.trim()));
                None
            }
            _ => None,
        }
    } else {
        parse_decimal(&raw.cost)
            .map_err(|e| fail("cost", if raw.cost.trim().is_empty() { "is missing".into() } else { e }))
            .ok()
    };
    if !is_currency(&currency) {
        fail("currency", format!("'{currency}' is not a currency code such as EUR"));
    }
    match (day, quantity, cost) {
        (Some(day), Some(quantity_micros), Some(cost_micros)) if errors.is_empty() => Ok(UsageRecord {
            source: checks.source.to_owned(),
            org: org.to_owned(),
            day: format_day(day),
            service: raw.service.trim().to_owned(),
            resource: raw.resource.trim().to_owned(),
            quantity_micros,
            unit: raw.unit.trim().to_owned(),
            cost_micros,
            currency,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> RawRow {
        RawRow {
            date: "2026-03-04".into(),
            org: "acme".into(),
            service: "compute".into(),
            resource: "web-01".into(),
            quantity: "24".into(),
            unit: "vCPU-hour".into(),
            cost: "0.60".into(),
            currency: "EUR".into(),
        }
    }

    fn orgs() -> HashSet<String> {
        ["acme".to_owned()].into()
    }

    #[test]
    fn exact_decimals_round_trip() {
        for micros in [0, 1, 12_500_000, -3_000_000, 123_456_789] {
            assert_eq!(parse_decimal(&format_exact(micros)), Ok(micros));
        }
        assert_eq!(format_exact(12_500_000), "12.5");
        assert_eq!(format_exact(-1), "-0.000001");
    }

    #[test]
    fn a_good_row_becomes_an_exact_record() {
        let orgs = orgs();
        let checks = Checks { source: "file", orgs: &orgs, rates: None };
        let record = validate(&row(), 2, &checks).unwrap();
        assert_eq!(
            (record.quantity_micros, record.cost_micros, record.day.as_str()),
            (24_000_000, 600_000, "2026-03-04")
        );
    }

    #[test]
    fn every_bad_field_is_named_with_its_line() {
        let orgs = orgs();
        let checks = Checks { source: "file", orgs: &orgs, rates: None };
        let bad = RawRow {
            date: "2026-02-30".into(),
            org: "initech".into(),
            quantity: "-1".into(),
            cost: "1e3".into(),
            currency: "eur".into(),
            ..row()
        };
        let errors = validate(&bad, 7, &checks).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_deref().unwrap()).collect();
        assert_eq!(fields, ["date", "org", "quantity", "cost", "currency"]);
        assert!(errors.iter().all(|e| e.line == Some(7)));
    }

    #[test]
    fn a_row_without_cost_is_priced_by_the_rate_card() {
        let orgs = orgs();
        let book = RateBook::new(vec![crate::store::RateRow {
            rate_id: "r".into(),
            org: None,
            service: "compute".into(),
            unit: "vCPU-hour".into(),
            unit_price_nanos: 25_000_000,
            currency: "EUR".into(),
            effective_from: "2026-01-01".into(),
            created_at: 0,
            updated_at: 0,
        }]);
        let checks = Checks { source: "billing", orgs: &orgs, rates: Some(&book) };
        let raw = RawRow { cost: String::new(), currency: String::new(), ..row() };
        assert_eq!(validate(&raw, 1, &checks).unwrap().cost_micros, 600_000);
        let unpriced = RawRow { unit: "GB".into(), ..raw };
        assert_eq!(validate(&unpriced, 1, &checks).unwrap_err()[0].field.as_deref(), Some("cost"));
    }
}
