//! Chart inputs from cost reports, as the server computes them for its SVG charts. Amounts
//! become `f64` here, for drawing only.

use api_types::{CostReport, ProjectionMethod, ShowbackSummary};
use charts::{Series, Trend};

use crate::logic::date::{Date, DateRange};
use crate::logic::money::{amount_for_chart, format_money};

/// Labelled reports, one per column of a stacked chart (a month, a tenant).
pub type Columns = Vec<(String, CostReport)>;

/// Most series a stacked chart shows; the rest are summed as "other".
pub const MAX_SERIES: usize = 7;

/// (key, amount) of each group, for bars.
pub fn amounts(report: &CostReport) -> Vec<(String, f64)> {
    report.groups.iter().map(|g| (g.key.clone(), amount_for_chart(&g.cost).unwrap_or(0.0))).collect()
}

/// The cumulative cost at the end of each of the first `days` days of `month`'s month, from a
/// report grouped by day; days without costs add nothing.
pub fn cumulative(daily: &CostReport, month: Date, days: u32) -> Vec<f64> {
    let mut per_day = vec![0.0; days as usize];
    for group in &daily.groups {
        let Some(day) = Date::parse_iso(&group.key) else { continue };
        if day.month_key() == month.month_key() && (1..=days).contains(&day.day()) {
            per_day[day.day() as usize - 1] += amount_for_chart(&group.cost).unwrap_or(0.0);
        }
    }
    per_day
        .into_iter()
        .scan(0.0, |total, v| {
            *total += v;
            Some(*total)
        })
        .collect()
}

/// The month trend: cumulative spending so far, the projection while the month runs, and the
/// budget when it is in the summary's currency.
pub fn month_trend(summary: &ShowbackSummary, daily: &CostReport) -> Trend {
    let month = Date::parse_iso(&format!("{}-01", summary.month));
    let cumulative = month.map(|m| cumulative(daily, m, summary.days_elapsed)).unwrap_or_default();
    let running = summary.projection_method != ProjectionMethod::Actual && !cumulative.is_empty();
    let budget = summary.budget.as_ref().filter(|b| b.currency == summary.currency);
    Trend {
        days_in_month: summary.days_in_month,
        cumulative,
        projected: running.then(|| amount_for_chart(&summary.projected)).flatten(),
        budget: budget.and_then(|b| amount_for_chart(&b.amount)),
    }
}

/// Periods and series for stacked bars: one column per labelled report (a month, a tenant),
/// one series per group key, the largest first; keys past [`MAX_SERIES`] become "other".
/// Columns in another currency than the first non-empty one are left out; that currency is
/// returned as the unit.
pub fn stacked(columns: &[(String, CostReport)]) -> (Vec<String>, Vec<Series>, String) {
    let currency = columns.iter().find(|(_, r)| !r.groups.is_empty()).map(|(_, r)| r.currency.clone());
    let currency = currency.or_else(|| columns.first().map(|(_, r)| r.currency.clone())).unwrap_or_default();
    let used = |r: &CostReport| r.currency == currency;
    let mut keys: Vec<(String, f64)> = Vec::new();
    for (_, report) in columns.iter().filter(|(_, r)| used(r)) {
        for (key, value) in amounts(report) {
            match keys.iter_mut().find(|(k, _)| *k == key) {
                Some((_, total)) => *total += value,
                None => keys.push((key, value)),
            }
        }
    }
    keys.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let shown: Vec<String> = keys.iter().take(MAX_SERIES).map(|(k, _)| k.clone()).collect();
    let blank = vec![0.0; columns.len()];
    let mut series: Vec<Series> = shown.iter().map(|n| Series { name: n.clone(), values: blank.clone() }).collect();
    let mut other = Series { name: "other".into(), values: blank };
    for (i, (_, report)) in columns.iter().enumerate().filter(|(_, (_, r))| used(r)) {
        for (key, value) in amounts(report) {
            let target = match shown.iter().position(|s| *s == key) {
                Some(k) => &mut series[k],
                None => &mut other,
            };
            target.values[i] += value;
        }
    }
    if keys.len() > MAX_SERIES {
        series.push(other);
    }
    (columns.iter().map(|(label, _)| label.clone()).collect(), series, currency)
}

/// `1 – 22 Nov 2025`: the days a report covers, as it says.
pub fn report_period(report: &CostReport) -> String {
    match (Date::parse_iso(&report.from), Date::parse_iso(&report.to)) {
        (Some(from), Some(to)) => DateRange { from, to }.describe(),
        _ => format!("{} – {}", report.from, report.to),
    }
}

/// The height of a top-N chart of `rows` bars: about 44 px a bar, between 200 and 480.
pub fn top_chart_height(rows: usize) -> u32 {
    (70 + 44 * rows as u32).clamp(200, 480)
}

/// `columns` smallest total first: the legend, drawn at the top left, then covers the
/// shortest bar least.
pub fn smallest_first(mut columns: Columns) -> Columns {
    let total = |r: &CostReport| amount_for_chart(&r.total).unwrap_or(0.0);
    columns.sort_by(|a, b| total(&a.1).total_cmp(&total(&b.1)).then_with(|| a.0.cmp(&b.0)));
    columns
}

/// A bar label: the amount rounded to cents, then formatted as money.
pub fn chart_money(value: f64, currency: &str) -> String {
    format_money(&format!("{value:.2}"), currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_types::{BudgetState, BudgetStatus, CostGroup};

    fn report(currency: &str, groups: &[(&str, &str)]) -> CostReport {
        CostReport {
            currency: currency.into(),
            from: String::new(),
            to: String::new(),
            total: "0".into(),
            groups: groups.iter().map(|(k, c)| CostGroup { key: (*k).into(), cost: (*c).into() }).collect(),
        }
    }

    fn summary(method: ProjectionMethod) -> ShowbackSummary {
        ShowbackSummary {
            org: "acme".into(),
            month: "2025-11".into(),
            currency: "EUR".into(),
            days_elapsed: 3,
            days_in_month: 30,
            month_to_date: "30.00".into(),
            projected: "300.00".into(),
            projection_method: method,
            last_month: "280.00".into(),
            budget: Some(BudgetStatus {
                amount: "250.00".into(),
                currency: "EUR".into(),
                thresholds: vec![50, 80, 100],
                status: BudgetState::Ok,
                threshold_crossed: None,
                spent_percent: 12,
                projected_percent: 120,
            }),
        }
    }

    #[test]
    fn daily_costs_accumulate_and_gaps_add_nothing() {
        let month = Date::new(2025, 11, 1).expect("valid date");
        let daily = report("EUR", &[("2025-11-01", "10.00"), ("2025-11-03", "5.50"), ("2025-10-31", "99")]);
        assert_eq!(cumulative(&daily, month, 4), vec![10.0, 10.0, 15.5, 15.5]);
    }

    #[test]
    fn the_trend_projects_a_running_month_only() {
        let daily = report("EUR", &[("2025-11-01", "10"), ("2025-11-02", "10"), ("2025-11-03", "10")]);
        let trend = month_trend(&summary(ProjectionMethod::RunRate), &daily);
        assert_eq!(trend.cumulative, vec![10.0, 20.0, 30.0]);
        assert_eq!((trend.projected, trend.budget, trend.days_in_month), (Some(300.0), Some(250.0), 30));
        assert_eq!(month_trend(&summary(ProjectionMethod::Actual), &daily).projected, None);
        let mut other_currency = summary(ProjectionMethod::RunRate);
        other_currency.budget.as_mut().expect("a budget").currency = "USD".into();
        assert_eq!(month_trend(&other_currency, &daily).budget, None);
    }

    #[test]
    fn stacked_columns_rank_keys_and_sum_the_rest() {
        let many: Vec<(String, String)> = (0..9).map(|i| (format!("s{i}"), format!("{}", 10 - i))).collect();
        let groups: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let columns = vec![
            ("2025-10".to_string(), report("EUR", &[("s0", "1")])),
            ("2025-11".to_string(), report("EUR", &groups)),
            ("2025-12".to_string(), report("USD", &[("s0", "500")])),
        ];
        let (periods, series, unit) = stacked(&columns);
        assert_eq!(periods, ["2025-10", "2025-11", "2025-12"]);
        assert_eq!(unit, "EUR");
        assert_eq!(series.len(), MAX_SERIES + 1);
        assert_eq!(series[0].name, "s0");
        assert_eq!(series[0].values, vec![1.0, 10.0, 0.0]);
        let other = series.last().expect("other");
        assert_eq!((other.name.as_str(), other.values[1]), ("other", 3.0 + 2.0));
    }

    #[test]
    fn no_columns_give_an_empty_chart() {
        let (periods, series, unit) = stacked(&[]);
        assert!(periods.is_empty() && series.is_empty() && unit.is_empty());
    }

    #[test]
    fn a_report_names_its_period() {
        let mut r = report("EUR", &[]);
        (r.from, r.to) = ("2025-11-01".into(), "2025-11-22".into());
        assert_eq!(report_period(&r), "1 – 22 Nov 2025");
    }

    #[test]
    fn top_charts_grow_with_their_bars() {
        assert_eq!(top_chart_height(2), 200);
        assert_eq!(top_chart_height(10), 480);
    }

    #[test]
    fn columns_can_be_ordered_smallest_first() {
        let mut big = report("EUR", &[]);
        big.total = "10".into();
        let small = report("EUR", &[]);
        let ordered = smallest_first(vec![("big".into(), big), ("small".into(), small)]);
        assert_eq!(ordered[0].0, "small");
    }

    #[test]
    fn bar_labels_are_money() {
        assert_eq!(chart_money(1234.5, "EUR"), "€1,234.50");
    }
}
