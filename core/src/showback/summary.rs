//! A month as the dashboard shows it: spending per day so far, the projection, last month and
//! the budget, all in one currency.

use api_types::{BudgetStatus, ShowbackSummary};
use chrono::{Datelike as _, NaiveDate};

use crate::dates::format_day;
use crate::money::format_cents;
use crate::showback::budget::{Evaluation, evaluate};
use crate::showback::month::Month;
use crate::showback::projection::{MonthSoFar, Projection, project};
use crate::showback::{DEFAULT_CURRENCY, currencies};
use crate::store::{BudgetRow, CostKey, Store};

/// One org's month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthView {
    pub month: Month,
    pub currency: String,
    /// Cost of day 1, 2, … up to the last day counted (today, or the month's end).
    pub daily_micros: Vec<i64>,
    pub days_in_month: u32,
    pub month_to_date_micros: i64,
    pub last_month_micros: i64,
    pub projection: Projection,
    pub budget: Option<(BudgetRow, Evaluation)>,
}

impl MonthView {
    pub fn days_elapsed(&self) -> u32 {
        self.daily_micros.len() as u32
    }
}

/// Builds `org`'s view of `month` as of `today` (a month after `today` has no days yet).
pub async fn month_view(store: &Store, org: &str, month: Month, today: NaiveDate) -> Result<MonthView, sqlx::Error> {
    let last_counted = month.last_day().min(today);
    let days_elapsed = if last_counted < month.first_day() { 0 } else { last_counted.day() };
    let daily_rows = if days_elapsed > 0 {
        store.costs(Some(org), &format_day(month.first_day()), &format_day(last_counted), CostKey::Day).await?
    } else {
        Vec::new()
    };
    let prev = month.prev();
    let prev_rows =
        store.costs(Some(org), &format_day(prev.first_day()), &format_day(prev.last_day()), CostKey::Month).await?;
    let budget = store.find_budget(org).await?;
    let currency = match &budget {
        Some(b) => b.currency.clone(),
        None => {
            let all: Vec<_> = daily_rows.iter().chain(&prev_rows).cloned().collect();
            currencies(&all).into_iter().next().unwrap_or_else(|| DEFAULT_CURRENCY.to_owned())
        }
    };
    let mut daily_micros = vec![0i64; days_elapsed as usize];
    for row in daily_rows.iter().filter(|r| r.currency == currency) {
        let day = crate::dates::parse_day(&row.key).map(|d| d.day()).unwrap_or(0) as usize;
        if let Some(slot) = day.checked_sub(1).and_then(|i| daily_micros.get_mut(i)) {
            *slot += row.cost_micros;
        }
    }
    let month_to_date_micros: i64 = daily_micros.iter().sum();
    let last_month_micros: i64 = prev_rows.iter().filter(|r| r.currency == currency).map(|r| r.cost_micros).sum();
    let projection = project(MonthSoFar {
        month_to_date_micros,
        days_elapsed,
        days_in_month: month.days(),
        last_month: (last_month_micros > 0).then_some((last_month_micros, prev.days())),
        finished: month.last_day() < today,
    });
    let budget = budget.map(|b| {
        let evaluation = evaluate(b.amount_micros, &b.thresholds, month_to_date_micros, projection.projected_micros);
        (b, evaluation)
    });
    Ok(MonthView {
        month,
        currency,
        daily_micros,
        days_in_month: month.days(),
        month_to_date_micros,
        last_month_micros,
        projection,
        budget,
    })
}

/// The API's summary of `org`'s month view.
pub fn to_summary(org: &str, view: &MonthView) -> ShowbackSummary {
    ShowbackSummary {
        org: org.to_owned(),
        month: view.month.to_string(),
        currency: view.currency.clone(),
        days_elapsed: view.days_elapsed(),
        days_in_month: view.days_in_month,
        month_to_date: format_cents(view.month_to_date_micros),
        projected: format_cents(view.projection.projected_micros),
        projection_method: view.projection.method,
        last_month: format_cents(view.last_month_micros),
        budget: view.budget.as_ref().map(|(b, e)| BudgetStatus {
            amount: format_cents(b.amount_micros),
            currency: b.currency.clone(),
            thresholds: b.thresholds.clone(),
            status: e.state,
            threshold_crossed: e.threshold_crossed,
            spent_percent: e.spent_percent,
            projected_percent: e.projected_percent,
        }),
    }
}
