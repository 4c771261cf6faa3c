//! Money as integer micro-units (millionths of a currency unit): exact, and fine enough that
//! per-call prices such as 0.0000002 per request add up without rounding drift.

/// Micro-units in one currency unit.
pub const MICROS: i64 = 1_000_000;

/// Formats micro-units as a decimal string with two decimals, rounding half away from zero:
/// `12_345_678` → `"12.35"`.
pub fn format_cents(micros: i64) -> String {
    let cents =
        (micros as i128 * 100 + if micros >= 0 { MICROS as i128 / 2 } else { -(MICROS as i128) / 2 }) / MICROS as i128;
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// Parses a decimal string (`"12"`, `"-0.5"`, `"3.141592"`) into micro-units. At most six
/// decimals; no exponent, no thousands separators.
pub fn parse_decimal(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let valid = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !valid(whole) || !valid(frac) {
        return Err(format!("'{s}' is not a decimal number"));
    }
    if frac.len() > 6 {
        return Err(format!("'{s}' has more than 6 decimals"));
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| format!("'{s}' is too large"))? };
    let frac_micros: i64 = format!("{frac:0<6}").parse().unwrap_or(0);
    let value = whole
        .checked_mul(MICROS)
        .and_then(|w| w.checked_add(frac_micros))
        .ok_or_else(|| format!("'{s}' is too large"))?;
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_to_the_cent() {
        assert_eq!(format_cents(0), "0.00");
        assert_eq!(format_cents(12_345_678), "12.35");
        assert_eq!(format_cents(12_344_999), "12.34");
        assert_eq!(format_cents(5_000), "0.01");
        assert_eq!(format_cents(-1_005_000), "-1.01");
        assert_eq!(format_cents(1_000_000 * 1_000_000), "1000000.00");
    }

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(parse_decimal("12"), Ok(12_000_000));
        assert_eq!(parse_decimal("0.5"), Ok(500_000));
        assert_eq!(parse_decimal("-3.141592"), Ok(-3_141_592));
        assert_eq!(parse_decimal(".25"), Ok(250_000));
        assert!(parse_decimal("1.2345678").is_err());
        assert!(parse_decimal("1e3").is_err());
        assert!(parse_decimal("").is_err());
        assert!(parse_decimal("1,000").is_err());
        assert!(parse_decimal("99999999999999999").is_err());
    }
}
