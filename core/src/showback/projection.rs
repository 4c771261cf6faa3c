//! Month-end projection: run-rate over the days elapsed, with a fallback at month start.

use api_types::ProjectionMethod;

/// Fewer elapsed days than this make a run-rate too noisy; last month's daily average fills in.
pub const MIN_RUN_RATE_DAYS: u32 = 3;

/// What is known about a month when projecting its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSoFar {
    /// Cost from the 1st up to and including today.
    pub month_to_date_micros: i64,
    /// Days from the 1st up to and including today (1–31); equals `days_in_month` for a past month.
    pub days_elapsed: u32,
    pub days_in_month: u32,
    /// Last month's total cost and length, when it had any cost.
    pub last_month: Option<(i64, u32)>,
    /// The month is over (not merely at its last day).
    pub finished: bool,
}

/// A projected month-end cost and how it was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Projection {
    pub projected_micros: i64,
    pub method: ProjectionMethod,
}

/// Projects the month end:
/// - a month that is over is its `actual` cost;
/// - from day [`MIN_RUN_RATE_DAYS`] on, `run_rate`: month-to-date ÷ days elapsed × days in month;
/// - before that, when last month had costs, `last_month_daily_average`: month-to-date plus last
///   month's daily average for each remaining day; otherwise the run-rate of what there is.
pub fn project(m: MonthSoFar) -> Projection {
    let days = i128::from(m.days_in_month.max(1));
    let elapsed = i128::from(m.days_elapsed.clamp(1, m.days_in_month.max(1)));
    let mtd = i128::from(m.month_to_date_micros);
    if m.finished {
        return Projection { projected_micros: m.month_to_date_micros, method: ProjectionMethod::Actual };
    }
    let (projected, method) = match m.last_month {
        Some((cost, last_days)) if m.days_elapsed < MIN_RUN_RATE_DAYS && cost > 0 => {
            let remaining = days - elapsed;
            (
                mtd + div_round(i128::from(cost) * remaining, i128::from(last_days.max(1))),
                ProjectionMethod::LastMonthDailyAverage,
            )
        }
        _ => (div_round(mtd * days, elapsed), ProjectionMethod::RunRate),
    };
    Projection { projected_micros: i64::try_from(projected).unwrap_or(i64::MAX), method }
}

/// `a / b` rounded half away from zero (`b` > 0).
fn div_round(a: i128, b: i128) -> i128 {
    if a >= 0 { (a + b / 2) / b } else { (a - b / 2) / b }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EUR: i64 = 1_000_000;

    fn so_far(daily: &[i64], days_in_month: u32, last_month: Option<(i64, u32)>) -> MonthSoFar {
        MonthSoFar {
            month_to_date_micros: daily.iter().sum(),
            days_elapsed: daily.len() as u32,
            days_in_month,
            last_month,
            finished: daily.len() as u32 == days_in_month,
        }
    }

    #[test]
    fn a_flat_series_projects_its_daily_cost_times_the_month() {
        let p = project(so_far(&[10 * EUR; 10], 30, Some((280 * EUR, 28))));
        assert_eq!(p, Projection { projected_micros: 300 * EUR, method: ProjectionMethod::RunRate });
    }

    #[test]
    fn a_rising_series_projects_the_average_so_far() {
        // 1, 2, …, 10 EUR: 55 EUR in 10 days of 31 → 170.50 EUR.
        let daily: Vec<i64> = (1..=10).map(|d| d * EUR).collect();
        let p = project(so_far(&daily, 31, None));
        assert_eq!((p.projected_micros, p.method), (170_500_000, ProjectionMethod::RunRate));
    }

    #[test]
    fn month_start_leans_on_last_month() {
        // Day 1 with 12 EUR; last month 300 EUR over 30 days → 12 + 10 × 29 = 302 EUR.
        let p = project(so_far(&[12 * EUR], 30, Some((300 * EUR, 30))));
        assert_eq!(p, Projection { projected_micros: 302 * EUR, method: ProjectionMethod::LastMonthDailyAverage });
        // Without history the first days still project by run-rate, and nothing spent projects 0.
        assert_eq!(project(so_far(&[12 * EUR], 30, None)).projected_micros, 360 * EUR);
        assert_eq!(project(so_far(&[0], 30, None)).projected_micros, 0);
        // From day 3 on the run-rate takes over.
        assert_eq!(project(so_far(&[EUR; 3], 30, Some((300 * EUR, 30)))).method, ProjectionMethod::RunRate);
    }

    #[test]
    fn a_finished_month_is_its_actual_cost() {
        let p = project(so_far(&[EUR; 30], 30, None));
        assert_eq!(p, Projection { projected_micros: 30 * EUR, method: ProjectionMethod::Actual });
        // The last day of the running month is still a run-rate.
        let last_day = project(MonthSoFar { finished: false, ..so_far(&[EUR; 30], 30, None) });
        assert_eq!(last_day, Projection { projected_micros: 30 * EUR, method: ProjectionMethod::RunRate });
    }
}
