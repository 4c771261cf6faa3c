//! Money as the API sends it: decimal strings. Formatting works on the digits themselves so
//! that no float ever rounds a price.

/// Formats a decimal amount in a currency: `("1234.5", "EUR")` → `€1,234.50`.
///
/// Rounds half away from zero to the currency's minor unit. An amount that is not a plain
/// decimal (`-12.5`, `3`, `.75` are; `1e3` is not) is shown as it came, followed by the code;
/// an empty one as a dash.
pub fn format_money(amount: &str, currency: &str) -> String {
    let style = CurrencyStyle::of(currency);
    let Some(decimal) = Decimal::parse(amount) else {
        let raw = amount.trim();
        return if raw.is_empty() { "—".to_owned() } else { format!("{raw} {currency}") };
    };
    let (int_digits, frac_digits) = decimal.rounded(style.minor_digits);
    let mut number = group_thousands(&int_digits);
    if style.minor_digits > 0 {
        number.push('.');
        number.push_str(&frac_digits);
    }
    let is_zero = int_digits.bytes().chain(frac_digits.bytes()).all(|b| b == b'0');
    let sign = if decimal.negative && !is_zero { "-" } else { "" };
    match style.placement {
        Placement::Prefix(symbol) => format!("{sign}{symbol}{number}"),
        Placement::Suffix => format!("{sign}{number} {}", currency.trim().to_ascii_uppercase()),
    }
}

/// The amount as a float, for drawing only (chart bar heights), never for display.
pub fn amount_for_chart(amount: &str) -> Option<f64> {
    Decimal::parse(amount)?;
    amount.trim().parse().ok()
}

/// How a currency is written.
struct CurrencyStyle {
    placement: Placement,
    minor_digits: usize,
}

enum Placement {
    Prefix(&'static str),
    Suffix,
}

impl CurrencyStyle {
    fn of(currency: &str) -> Self {
        let (placement, minor_digits) = match currency.trim().to_ascii_uppercase().as_str() {
            "EUR" => (Placement::Prefix("€"), 2),
            "USD" => (Placement::Prefix("$"), 2),
            "GBP" => (Placement::Prefix("£"), 2),
            "JPY" => (Placement::Prefix("¥"), 0),
            "CHF" => (Placement::Prefix("CHF "), 2),
            _ => (Placement::Suffix, 2),
        };
        Self { placement, minor_digits }
    }
}

/// A parsed decimal string: sign plus the digits before and after the point.
struct Decimal {
    negative: bool,
    int_digits: String,
    frac_digits: String,
}

impl Decimal {
    fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (negative, unsigned) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !all_digits(int_part) || !all_digits(frac_part) {
            return None;
        }
        let int_digits = int_part.trim_start_matches('0');
        Some(Self {
            negative,
            int_digits: if int_digits.is_empty() { "0".to_owned() } else { int_digits.to_owned() },
            frac_digits: frac_part.to_owned(),
        })
    }

    /// The integer digits and exactly `scale` fraction digits, rounded half away from zero.
    fn rounded(&self, scale: usize) -> (String, String) {
        let mut frac: Vec<u8> = self.frac_digits.bytes().collect();
        let round_up = frac.get(scale).is_some_and(|&d| d >= b'5');
        frac.resize(scale, b'0');
        let mut digits: Vec<u8> = self.int_digits.bytes().chain(frac).collect();
        if round_up {
            increment(&mut digits);
        }
        let split = digits.len() - scale;
        let frac = String::from_utf8(digits.split_off(split)).unwrap_or_default();
        let int = String::from_utf8(digits).unwrap_or_default();
        (int, frac)
    }
}

/// Adds one to a big-endian string of ASCII digits, growing it on a carry out of the top.
fn increment(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return;
        }
    }
    digits.insert(0, b'1');
}

fn group_thousands(int_digits: &str) -> String {
    let mut out = String::with_capacity(int_digits.len() + int_digits.len() / 3);
    for (i, c) in int_digits.chars().enumerate() {
        if i > 0 && (int_digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euro_amounts_get_symbol_grouping_and_two_decimals() {
        assert_eq!(format_money("1234.5", "EUR"), "€1,234.50");
        assert_eq!(format_money("0", "EUR"), "€0.00");
        assert_eq!(format_money("1234567.891", "eur"), "€1,234,567.89");
        assert_eq!(format_money("999", "EUR"), "€999.00");
        assert_eq!(format_money(".5", "EUR"), "€0.50");
        assert_eq!(format_money("007.10", "USD"), "$7.10");
    }

    #[test]
    fn rounding_is_half_away_from_zero_and_carries() {
        assert_eq!(format_money("0.005", "EUR"), "€0.01");
        assert_eq!(format_money("0.0049", "EUR"), "€0.00");
        assert_eq!(format_money("999.995", "EUR"), "€1,000.00");
        assert_eq!(format_money("-2.345", "GBP"), "-£2.35");
        assert_eq!(format_money("1234.5", "JPY"), "¥1,235");
    }

    #[test]
    fn negative_zero_has_no_sign() {
        assert_eq!(format_money("-0.001", "EUR"), "€0.00");
    }

    #[test]
    fn unknown_currencies_are_written_after_the_number() {
        assert_eq!(format_money("12", "sek"), "12.00 SEK");
        assert_eq!(format_money("1000", "CHF"), "CHF 1,000.00");
    }

    #[test]
    fn non_decimal_amounts_are_shown_as_they_came() {
        assert_eq!(format_money("1e3", "EUR"), "1e3 EUR");
        assert_eq!(format_money("", "EUR"), "—");
        assert_eq!(format_money("-", "EUR"), "- EUR");
        assert_eq!(format_money("1.2.3", "EUR"), "1.2.3 EUR");
    }

    #[test]
    fn chart_amounts_parse_only_decimals() {
        assert_eq!(amount_for_chart("12.5"), Some(12.5));
        assert_eq!(amount_for_chart("NaN"), None);
        assert_eq!(amount_for_chart("1e3"), None);
    }
}
