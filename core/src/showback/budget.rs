//! Monthly budgets: validation and status against what has been spent.

use api_types::{Budget, BudgetState, ErrorDetail};

use crate::money::parse_decimal;
use crate::showback::records::is_currency;

/// Default alert thresholds, in percent of the budget.
pub const DEFAULT_THRESHOLDS: [u32; 3] = [50, 80, 100];

/// How spending compares with a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    pub state: BudgetState,
    /// The highest threshold that month-to-date spending has reached.
    pub threshold_crossed: Option<u32>,
    /// Month-to-date spending in percent of the budget, rounded down.
    pub spent_percent: u32,
    /// Projected month-end spending in percent of the budget, rounded down.
    pub projected_percent: u32,
}

/// Sorts and checks thresholds: 1–1000 percent each, no duplicates, at most ten; empty means
/// [`DEFAULT_THRESHOLDS`].
pub fn normalize_thresholds(thresholds: &[u32]) -> Result<Vec<u32>, ErrorDetail> {
    if thresholds.is_empty() {
        return Ok(DEFAULT_THRESHOLDS.to_vec());
    }
    let mut sorted = thresholds.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != thresholds.len() {
        return Err(ErrorDetail::field("thresholds", "thresholds must be distinct"));
    }
    if sorted.len() > 10 || sorted.iter().any(|t| !(1..=1000).contains(t)) {
        return Err(ErrorDetail::field("thresholds", "give at most 10 percentages between 1 and 1000"));
    }
    Ok(sorted)
}

/// Checks a budget as given: `amount` more than 0 with at most 2 decimals, a currency code and
/// [`normalize_thresholds`]. Answers the amount in micro-units and the thresholds, or every
/// problem named by its field.
pub fn check_budget(input: &Budget) -> Result<(i64, Vec<u32>), Vec<ErrorDetail>> {
    let mut errors = Vec::new();
    let amount = match parse_decimal(&input.amount) {
        Ok(a) if a % 10_000 != 0 => {
            errors.push(ErrorDetail::field("amount", "must have at most 2 decimals"));
            a
        }
        Ok(a) if a > 0 => a,
        Ok(_) => {
            errors.push(ErrorDetail::field("amount", "must be more than 0"));
            0
        }
        Err(e) => {
            errors.push(ErrorDetail::field("amount", e));
            0
        }
    };
    if !is_currency(&input.currency) {
        errors.push(ErrorDetail::field("currency", "must be a currency code such as EUR"));
    }
    let thresholds = normalize_thresholds(&input.thresholds).unwrap_or_else(|e| {
        errors.push(e);
        Vec::new()
    });
    if errors.is_empty() { Ok((amount, thresholds)) } else { Err(errors) }
}

/// Compares month-to-date and projected spending with `amount`: `exceeded` once spending reaches
/// the budget (100 %), `warning` once it reaches any threshold, else `ok`.
pub fn evaluate(amount_micros: i64, thresholds: &[u32], spent_micros: i64, projected_micros: i64) -> Evaluation {
    let percent = |v: i64| -> u32 {
        if amount_micros <= 0 {
            return if v > 0 { u32::MAX } else { 0 };
        }
        u32::try_from((i128::from(v.max(0)) * 100 / i128::from(amount_micros)).min(i128::from(u32::MAX))).unwrap_or(0)
    };
    // Compare exactly in micro-units, not in rounded percentages.
    let reached = |t: u32| i128::from(spent_micros) * 100 >= i128::from(amount_micros) * i128::from(t);
    let threshold_crossed = thresholds.iter().copied().filter(|t| reached(*t)).max();
    let state = if spent_micros >= amount_micros && spent_micros > 0 {
        BudgetState::Exceeded
    } else if threshold_crossed.is_some() {
        BudgetState::Warning
    } else {
        BudgetState::Ok
    };
    Evaluation {
        state,
        threshold_crossed,
        spent_percent: percent(spent_micros),
        projected_percent: percent(projected_micros),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EUR: i64 = 1_000_000;

    #[test]
    fn states_follow_the_thresholds() {
        let t = [50, 80, 100];
        let at = |spent| evaluate(1_000 * EUR, &t, spent, spent);
        assert_eq!((at(0).state, at(0).threshold_crossed), (BudgetState::Ok, None));
        assert_eq!((at(499_999_999).state, at(499_999_999).threshold_crossed), (BudgetState::Ok, None));
        assert_eq!((at(500 * EUR).state, at(500 * EUR).threshold_crossed), (BudgetState::Warning, Some(50)));
        assert_eq!((at(850 * EUR).state, at(850 * EUR).threshold_crossed), (BudgetState::Warning, Some(80)));
        assert_eq!((at(1_000 * EUR).state, at(1_000 * EUR).threshold_crossed), (BudgetState::Exceeded, Some(100)));
        assert_eq!(at(1_250 * EUR).spent_percent, 125);
    }

    #[test]
    fn exceeding_counts_even_without_a_100_threshold() {
        let e = evaluate(100 * EUR, &[50], 120 * EUR, 200 * EUR);
        assert_eq!((e.state, e.threshold_crossed, e.projected_percent), (BudgetState::Exceeded, Some(50), 200));
        let over = evaluate(100 * EUR, &[50, 80, 100, 150], 160 * EUR, 160 * EUR);
        assert_eq!(over.threshold_crossed, Some(150));
    }

    #[test]
    fn a_budget_is_checked_field_by_field() {
        let budget = |amount: &str, currency: &str, thresholds: Vec<u32>| Budget {
            amount: amount.into(),
            currency: currency.into(),
            thresholds,
        };
        assert_eq!(
            check_budget(&budget("1000.50", "EUR", vec![])).unwrap(),
            (1_000_500_000, DEFAULT_THRESHOLDS.to_vec())
        );
        let fields =
            |b: Budget| -> Vec<String> { check_budget(&b).unwrap_err().into_iter().filter_map(|e| e.field).collect() };
        assert_eq!(fields(budget("1.005", "EUR", vec![])), ["amount"]);
        assert_eq!(fields(budget("0", "eur", vec![50, 50])), ["amount", "currency", "thresholds"]);
    }

    #[test]
    fn thresholds_are_sorted_and_checked() {
        assert_eq!(normalize_thresholds(&[100, 50, 80]).unwrap(), [50, 80, 100]);
        assert_eq!(normalize_thresholds(&[]).unwrap(), DEFAULT_THRESHOLDS);
        assert!(normalize_thresholds(&[50, 50]).is_err());
        assert!(normalize_thresholds(&[0]).is_err());
        assert!(normalize_thresholds(&[5000]).is_err());
    }
}
