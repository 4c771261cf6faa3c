//! Rate cards: the provider's prices and per-org overrides, each effective from a day on.

use api_types::{ErrorDetail, RateEntry, RateInput};

use super::{Result, Showback, ShowbackError};
use crate::dates::{format_day, now_millis, parse_day, rfc3339_from_millis};
use crate::ids::new_id;
use crate::showback::rates::{format_price, parse_price};
use crate::showback::records::{check_name, is_currency};
use crate::store::{RateRow, is_unique_violation};

impl Showback {
    /// The provider's rate card, every entry (past, current and future prices).
    pub async fn rates(&self) -> Result<Vec<RateEntry>> {
        Ok(self.store.list_rates(None).await?.iter().map(to_api).collect())
    }

    /// The org's overrides of the provider's card.
    pub async fn overrides(&self, org: &str) -> Result<Vec<RateEntry>> {
        self.existing_org(org).await?;
        Ok(self.store.list_rates(Some(org)).await?.iter().map(to_api).collect())
    }

    /// Adds a price to the provider's card, applying from `effective_from` on.
    pub async fn create_rate(&self, input: RateInput) -> Result<RateEntry> {
        self.insert(to_row(input, None)?).await
    }

    /// Adds a price for `org` only; it wins over the provider's card from `effective_from` on.
    pub async fn create_override(&self, org: &str, input: RateInput) -> Result<RateEntry> {
        self.existing_org(org).await?;
        self.insert(to_row(input, Some(org.to_owned()))?).await
    }

    /// Corrects an entry of the provider's card or of an override.
    pub async fn update_rate(&self, id: &str, input: RateInput) -> Result<RateEntry> {
        let old = self.store.find_rate(id).await?.ok_or_else(|| no_rate(id))?;
        let row = RateRow { rate_id: old.rate_id, created_at: old.created_at, ..to_row(input, old.org)? };
        self.store.update_rate(&row).await.map_err(clash)?;
        Ok(to_api(&row))
    }

    pub async fn delete_rate(&self, id: &str) -> Result<()> {
        if !self.store.delete_rate(id).await? {
            return Err(no_rate(id));
        }
        Ok(())
    }

    async fn insert(&self, row: RateRow) -> Result<RateEntry> {
        self.store.insert_rate(&row).await.map_err(clash)?;
        Ok(to_api(&row))
    }

    async fn existing_org(&self, org: &str) -> Result<()> {
        match self.store.find_org(org).await? {
            Some(_) => Ok(()),
            None => Err(ShowbackError::NotFound(format!("org '{org}' not found"))),
        }
    }
}

fn no_rate(id: &str) -> ShowbackError {
    ShowbackError::NotFound(format!("no rate '{id}'"))
}

fn clash(err: sqlx::Error) -> ShowbackError {
    if is_unique_violation(&err) {
        ShowbackError::Conflict("an entry for this service, unit and effective date exists; update it instead".into())
    } else {
        err.into()
    }
}

fn to_api(r: &RateRow) -> RateEntry {
    RateEntry {
        id: r.rate_id.clone(),
        org: r.org.clone(),
        service: r.service.clone(),
        unit: r.unit.clone(),
        unit_price: format_price(r.unit_price_nanos),
        currency: r.currency.clone(),
        effective_from: r.effective_from.clone(),
        updated_at: rfc3339_from_millis(r.updated_at),
    }
}

/// Checks `input` into a row with a fresh id for `org`; every problem is named by its field.
pub(crate) fn to_row(input: RateInput, org: Option<String>) -> Result<RateRow> {
    let mut errors = Vec::new();
    for (field, value) in [("service", &input.service), ("unit", &input.unit)] {
        if let Err(e) = check_name(value) {
            errors.push(ErrorDetail::field(field, e));
        }
    }
    let price = parse_price(&input.unit_price).map_err(|e| errors.push(ErrorDetail::field("unit_price", e))).ok();
    if !is_currency(&input.currency) {
        errors.push(ErrorDetail::field("currency", "must be a currency code such as EUR"));
    }
    let day = parse_day(&input.effective_from).map_err(|e| errors.push(ErrorDetail::field("effective_from", e))).ok();
    let (Some(price), Some(day), true) = (price, day, errors.is_empty()) else {
        return Err(ShowbackError::Invalid(errors));
    };
    let now = now_millis();
    Ok(RateRow {
        rate_id: new_id("rate"),
        org,
        service: input.service.trim().to_owned(),
        unit: input.unit.trim().to_owned(),
        unit_price_nanos: price,
        currency: input.currency,
        effective_from: format_day(day),
        created_at: now,
        updated_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(price: &str, day: &str) -> RateInput {
        RateInput {
            service: " compute ".into(),
            unit: "vcpu-hour".into(),
            unit_price: price.into(),
            currency: "EUR".into(),
            effective_from: day.into(),
        }
    }

    #[test]
    fn a_good_rate_becomes_a_trimmed_row() {
        let row = to_row(input("0.0000002", "2026-01-01"), Some("acme".into())).unwrap();
        assert_eq!((row.service.as_str(), row.unit_price_nanos), ("compute", 200));
        assert_eq!((row.org.as_deref(), row.effective_from.as_str()), (Some("acme"), "2026-01-01"));
        assert!(row.rate_id.starts_with("rate_"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let Err(ShowbackError::Invalid(errors)) = to_row(input("-1", "2026-13-01"), None) else {
            panic!("a bad rate was accepted");
        };
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(fields, ["unit_price", "effective_from"]);
    }
}
