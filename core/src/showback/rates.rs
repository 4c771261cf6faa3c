//! Rate cards: exact unit prices, and which entry prices a day's usage.
//!
//! An org's override for a (service, unit) wins over the provider's card from its
//! `effective_from` day on; within one card, the entry with the latest `effective_from` on or
//! before the day applies. A new entry therefore changes prices from its day on and leaves
//! earlier days, and records already stored, as they were.

use crate::store::RateRow;

/// Nano-units (billionths of a currency unit) in one unit.
pub const NANOS: i64 = 1_000_000_000;

/// Parses a non-negative unit price with at most nine decimals (`"0.0000002"`) into nano-units.
pub fn parse_price(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) {
        return Err(format!("'{t}' is not a non-negative decimal number"));
    }
    if frac.len() > 9 {
        return Err(format!("'{t}' has more than 9 decimals"));
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| format!("'{t}' is too large"))? };
    let frac: i64 = format!("{frac:0<9}").parse().unwrap_or(0);
    whole.checked_mul(NANOS).and_then(|w| w.checked_add(frac)).ok_or_else(|| format!("'{t}' is too large"))
}

/// Formats nano-units exactly, with at least two decimals: `200` → `"0.0000002"`.
pub fn format_price(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    let frac = format!("{:09}", n % NANOS as u64);
    let trimmed = frac.trim_end_matches('0');
    let frac = if trimmed.len() < 2 { &frac[..2] } else { trimmed };
    format!("{sign}{}.{frac}", n / NANOS as u64)
}

/// Cost in micro-units of `quantity_micros` at `price_nanos` per unit, rounded half away from zero.
pub fn cost_micros(quantity_micros: i64, price_nanos: i64) -> i64 {
    let product = i128::from(quantity_micros) * i128::from(price_nanos);
    let half = i128::from(NANOS) / 2;
    let rounded =
        if product >= 0 { (product + half) / i128::from(NANOS) } else { (product - half) / i128::from(NANOS) };
    i64::try_from(rounded).unwrap_or(if rounded > 0 { i64::MAX } else { i64::MIN })
}

/// Every rate entry, ready to price usage.
#[derive(Debug, Clone, Default)]
pub struct RateBook {
    rates: Vec<RateRow>,
}

impl RateBook {
    pub fn new(rates: Vec<RateRow>) -> Self {
        Self { rates }
    }

    /// The entry that prices `org`'s `service`/`unit` on `day` (`YYYY-MM-DD`).
    pub fn price(&self, org: &str, service: &str, unit: &str, day: &str) -> Option<&RateRow> {
        let latest = |own: bool| {
            self.rates
                .iter()
                .filter(|r| r.org.as_deref() == own.then_some(org))
                .filter(|r| r.service == service && r.unit == unit && r.effective_from.as_str() <= day)
                .max_by(|a, b| a.effective_from.cmp(&b.effective_from))
        };
        latest(true).or_else(|| latest(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(org: Option<&str>, price: &str, from: &str) -> RateRow {
        RateRow {
            rate_id: format!("{org:?}{from}"),
            org: org.map(str::to_owned),
            service: "compute".into(),
            unit: "vCPU-hour".into(),
            unit_price_nanos: parse_price(price).unwrap(),
            currency: "EUR".into(),
            effective_from: from.into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn prices_are_exact() {
        assert_eq!(parse_price("0.0000002"), Ok(200));
        assert_eq!(parse_price("1.5"), Ok(1_500_000_000));
        assert!(parse_price("-1").is_err() && parse_price("0.0000000001").is_err() && parse_price("").is_err());
        assert_eq!(format_price(200), "0.0000002");
        assert_eq!(format_price(1_500_000_000), "1.50");
        assert_eq!(format_price(25_000_000), "0.025");
        // 1 M invocations at 0.0000002 = 0.20; 3.5 units at 0.025 = 0.0875.
        assert_eq!(cost_micros(1_000_000 * 1_000_000, 200), 200_000);
        assert_eq!(cost_micros(3_500_000, 25_000_000), 87_500);
        assert_eq!(cost_micros(1, 499_999_999), 0);
        assert_eq!(cost_micros(1, 500_000_000), 1);
    }

    #[test]
    fn a_price_change_applies_from_its_day_on() {
        let book = RateBook::new(vec![rate(None, "0.02", "2025-01-01"), rate(None, "0.03", "2026-06-01")]);
        let price = |day| book.price("acme", "compute", "vCPU-hour", day).map(|r| r.unit_price_nanos);
        assert_eq!(price("2024-12-31"), None);
        assert_eq!(price("2026-05-31"), Some(20_000_000));
        assert_eq!(price("2026-06-01"), Some(30_000_000));
    }

    #[test]
    fn an_override_wins_for_its_org_from_its_day_on() {
        let book = RateBook::new(vec![
            rate(None, "0.02", "2025-01-01"),
            rate(None, "0.03", "2026-06-01"),
            rate(Some("acme"), "0.01", "2026-03-01"),
        ]);
        let price = |org, day| book.price(org, "compute", "vCPU-hour", day).map(|r| r.unit_price_nanos);
        assert_eq!(price("acme", "2026-02-28"), Some(20_000_000));
        assert_eq!(price("acme", "2026-03-01"), Some(10_000_000));
        assert_eq!(price("acme", "2026-07-01"), Some(10_000_000));
        assert_eq!(price("globex", "2026-07-01"), Some(30_000_000));
        assert_eq!(book.price("acme", "compute", "GB-hour", "2026-07-01"), None);
    }
}
