//! Axis label formatting.

/// Formats an amount for an axis tick: `950`, `1.2k`, `3.4M`.
pub fn compact_amount(value: f64) -> String {
    let abs = value.abs();
    if abs >= 1_000_000.0 {
        format!("{:.1}M", value / 1_000_000.0)
    } else if abs >= 10_000.0 {
        format!("{:.0}k", value / 1_000.0)
    } else if abs >= 1_000.0 {
        format!("{:.1}k", value / 1_000.0)
    } else if abs >= 10.0 || abs == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::compact_amount;

    #[test]
    fn compacts_thousands_and_millions() {
        assert_eq!(compact_amount(0.0), "0");
        assert_eq!(compact_amount(950.0), "950");
        assert_eq!(compact_amount(1_250.0), "1.2k");
        assert_eq!(compact_amount(45_000.0), "45k");
        assert_eq!(compact_amount(3_400_000.0), "3.4M");
        assert_eq!(compact_amount(2.5), "2.50");
    }
}
