//! The budget editor: what was typed, the [`Budget`] it sends, and where errors go.

use api_types::{Budget, BudgetStatus};

use crate::logic::api_error::{ApiError, describe_detail};

/// Percentages a new budget warns at, as the server defaults them.
pub const DEFAULT_THRESHOLDS: &str = "50, 80, 100";

/// The editor's fields as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetValues {
    pub amount: String,
    pub currency: String,
    /// Comma- or space-separated percentages.
    pub thresholds: String,
}

/// Messages by field, plus those that belong to none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BudgetErrors {
    pub amount: Vec<String>,
    pub currency: Vec<String>,
    pub thresholds: Vec<String>,
    pub general: Vec<String>,
}

impl BudgetValues {
    /// The current budget, or an empty amount in `currency` with the default thresholds.
    pub fn from_status(budget: Option<&BudgetStatus>, currency: &str) -> Self {
        match budget {
            Some(b) => Self {
                amount: b.amount.clone(),
                currency: b.currency.clone(),
                thresholds: b.thresholds.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
            },
            None => {
                Self { amount: String::new(), currency: currency.to_owned(), thresholds: DEFAULT_THRESHOLDS.to_owned() }
            }
        }
    }

    /// The request body. Only the thresholds are checked here (they must be numbers to be
    /// sent at all); the server judges the rest and answers 422 with details.
    pub fn to_budget(&self) -> Result<Budget, BudgetErrors> {
        let mut thresholds = Vec::new();
        let mut errors = BudgetErrors::default();
        for part in self.thresholds.split([',', ' ', ';']).map(|p| p.trim().trim_end_matches('%')) {
            match part {
                "" => {}
                _ => match part.parse::<u32>() {
                    Ok(t) => thresholds.push(t),
                    Err(_) => errors.thresholds.push(format!("'{part}' is not a whole percentage")),
                },
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Budget {
            amount: self.amount.trim().to_owned(),
            currency: self.currency.trim().to_ascii_uppercase(),
            thresholds,
        })
    }
}

impl BudgetErrors {
    /// Where a failed save's details go; an error without details is a general message.
    pub fn from_api(error: &ApiError) -> Self {
        let mut errors = Self::default();
        for detail in &error.details {
            let field = detail.field.as_deref().unwrap_or_default();
            let target = match field.split(['.', '[']).next().unwrap_or_default() {
                "amount" => &mut errors.amount,
                "currency" => &mut errors.currency,
                "thresholds" => &mut errors.thresholds,
                _ => {
                    errors.general.push(describe_detail(detail));
                    continue;
                }
            };
            target.push(detail.reason.clone());
        }
        if error.details.is_empty() {
            errors.general.push(error.message.clone());
        }
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.amount.is_empty() && self.currency.is_empty() && self.thresholds.is_empty() && self.general.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_types::BudgetState;

    fn values(amount: &str, thresholds: &str) -> BudgetValues {
        BudgetValues { amount: amount.into(), currency: "eur ".into(), thresholds: thresholds.into() }
    }

    #[test]
    fn typed_values_become_the_request() {
        let budget = values(" 1200.50 ", "50, 80 100%").to_budget().expect("valid");
        assert_eq!(budget, Budget { amount: "1200.50".into(), currency: "EUR".into(), thresholds: vec![50, 80, 100] });
        assert!(values("1", "").to_budget().expect("valid").thresholds.is_empty());
    }

    #[test]
    fn thresholds_must_be_numbers() {
        let errors = values("1", "50, lots").to_budget().expect_err("invalid");
        assert_eq!(errors.thresholds, ["'lots' is not a whole percentage"]);
    }

    #[test]
    fn server_details_land_under_their_fields() {
        let body = r#"{"error":{"code":"validation_failed","message":"invalid","details":[
            {"field":"amount","reason":"must be more than 0"},{"field":"thresholds","reason":"must be distinct"},
            {"field":"other","reason":"odd"}]}}"#;
        let errors = BudgetErrors::from_api(&ApiError::from_response(422, "", body));
        assert_eq!(errors.amount, ["must be more than 0"]);
        assert_eq!(errors.thresholds, ["must be distinct"]);
        assert_eq!(errors.general, ["other: odd"]);
        let plain = BudgetErrors::from_api(&ApiError::network("offline"));
        assert_eq!(plain.general.len(), 1);
    }

    #[test]
    fn the_editor_starts_from_the_current_budget() {
        let status = BudgetStatus {
            amount: "900.00".into(),
            currency: "EUR".into(),
            thresholds: vec![75, 100],
            status: BudgetState::Ok,
            threshold_crossed: None,
            spent_percent: 10,
            projected_percent: 50,
        };
        assert_eq!(BudgetValues::from_status(Some(&status), "USD").thresholds, "75, 100");
        let fresh = BudgetValues::from_status(None, "USD");
        assert_eq!((fresh.amount.as_str(), fresh.currency.as_str()), ("", "USD"));
        assert_eq!(fresh.thresholds, DEFAULT_THRESHOLDS);
    }
}
