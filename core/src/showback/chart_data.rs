//! Chart inputs from cost rows: amounts become `f64` here, for drawing only.

use charts::{Series, Trend};

use crate::money::MICROS;
use crate::showback::month::Month;
use crate::showback::summary::MonthView;
use crate::store::{CostRow, TwoKeyCostRow};
use api_types::{CostGroup, CostReport, MonthCosts, ProjectionMethod};
use chrono::NaiveDate;

use crate::dates::format_day;
use crate::money::format_cents;
use crate::showback::{DEFAULT_CURRENCY, currencies};

/// Most series a stacked chart shows; the rest are summed as "other".
pub const MAX_SERIES: usize = 7;

fn amount(micros: i64) -> f64 {
    micros as f64 / MICROS as f64
}

/// Periods and one series per service from rows keyed (month, service), largest services first.
pub fn services_by_month(rows: &[TwoKeyCostRow], months: &[Month], currency: &str) -> (Vec<String>, Vec<Series>) {
    let periods: Vec<String> = months.iter().map(Month::to_string).collect();
    let mut services: Vec<(String, i64)> = Vec::new();
    for row in rows.iter().filter(|r| r.currency == currency) {
        match services.iter_mut().find(|(s, _)| *s == row.key2) {
            Some((_, total)) => *total += row.cost_micros,
            None => services.push((row.key2.clone(), row.cost_micros)),
        }
    }
    services.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let shown: Vec<String> = services.iter().take(MAX_SERIES).map(|(s, _)| s.clone()).collect();
    let mut series: Vec<Series> =
        shown.iter().map(|name| Series { name: name.clone(), values: vec![0.0; periods.len()] }).collect();
    let mut other = Series { name: "other".into(), values: vec![0.0; periods.len()] };
    for row in rows.iter().filter(|r| r.currency == currency) {
        let Some(i) = periods.iter().position(|p| *p == row.key) else { continue };
        let target = match shown.iter().position(|s| *s == row.key2) {
            Some(k) => &mut series[k],
            None => &mut other,
        };
        target.values[i] += amount(row.cost_micros);
    }
    if services.len() > MAX_SERIES {
        series.push(other);
    }
    (periods, series)
}

/// Costs by service per month from `rows` keyed (month, service), each month in its own largest
/// currency (as a cost query over that month alone answers); the current month ends `today`.
pub fn reports_by_month(rows: &[TwoKeyCostRow], months: &[Month], today: NaiveDate) -> Vec<MonthCosts> {
    months
        .iter()
        .map(|month| {
            let key = month.to_string();
            let of_month: Vec<CostRow> = rows
                .iter()
                .filter(|r| r.key == key)
                .map(|r| CostRow { key: r.key2.clone(), cost_micros: r.cost_micros, currency: r.currency.clone() })
                .collect();
            let currency = currencies(&of_month).into_iter().next().unwrap_or_else(|| DEFAULT_CURRENCY.into());
            let groups: Vec<CostGroup> = of_month
                .iter()
                .filter(|r| r.currency == currency)
                .map(|r| CostGroup { key: r.key.clone(), cost: format_cents(r.cost_micros) })
                .collect();
            let total = of_month.iter().filter(|r| r.currency == currency).map(|r| r.cost_micros).sum();
            let report = CostReport {
                currency,
                from: format_day(month.first_day()),
                to: format_day(month.last_day().min(today)),
                total: format_cents(total),
                groups,
            };
            MonthCosts { month: key, report }
        })
        .collect()
}

/// The cumulative month-to-date line, the projection (while the month runs) and the budget
/// (when it is in the view's currency).
pub fn month_trend(view: &MonthView) -> Trend {
    let mut total = 0;
    let cumulative = view
        .daily_micros
        .iter()
        .map(|d| {
            total += d;
            amount(total)
        })
        .collect();
    let running = view.projection.method != ProjectionMethod::Actual && !view.daily_micros.is_empty();
    Trend {
        days_in_month: view.days_in_month,
        cumulative,
        projected: running.then(|| amount(view.projection.projected_micros)),
        budget: view.budget.as_ref().filter(|(b, _)| b.currency == view.currency).map(|(b, _)| amount(b.amount_micros)),
    }
}

/// (label, amount) pairs of the rows in `currency`.
pub fn items(rows: &[CostRow], currency: &str) -> Vec<(String, f64)> {
    rows.iter().filter(|r| r.currency == currency).map(|r| (r.key.clone(), amount(r.cost_micros))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(month: &str, service: &str, eur: i64) -> TwoKeyCostRow {
        TwoKeyCostRow { key: month.into(), key2: service.into(), cost_micros: eur * MICROS, currency: "EUR".into() }
    }

    #[test]
    fn stacks_the_largest_services_and_sums_the_rest() {
        let months = Month::parse("2026-02").unwrap().last_n(2);
        let mut rows =
            vec![row("2026-01", "compute", 100), row("2026-02", "compute", 120), row("2026-02", "storage", 40)];
        for i in 0..8 {
            rows.push(row("2026-02", &format!("tiny-{i}"), 1));
        }
        let (periods, series) = services_by_month(&rows, &months, "EUR");
        assert_eq!(periods, ["2026-01", "2026-02"]);
        assert_eq!(series[0], Series { name: "compute".into(), values: vec![100.0, 120.0] });
        assert_eq!(series.len(), MAX_SERIES + 1);
        assert_eq!(series.last().unwrap(), &Series { name: "other".into(), values: vec![0.0, 3.0] });
    }
}
