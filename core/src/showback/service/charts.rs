//! The data behind the showback charts; drawing them is the caller's part.

use charts::{Series, Trend};

use super::{Result, Showback, today};
use crate::dates::format_day;
use crate::showback::chart_data::{items, month_trend, services_by_month};
use crate::showback::month::Month;
use crate::showback::summary::month_view;
use crate::showback::{DEFAULT_CURRENCY, DayRange, currencies};
use crate::store::{CostKey, CostRow};

/// Costs by service for each month, as stacked bars: the largest services, the rest as "other".
#[derive(Debug, Clone, PartialEq)]
pub struct ServicesByMonth {
    /// Oldest first.
    pub months: Vec<Month>,
    pub currency: String,
    /// The months as labels (`YYYY-MM`).
    pub periods: Vec<String>,
    pub series: Vec<Series>,
}

/// A month to date: the cumulative line, the projection and the budget.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthTrend {
    pub currency: String,
    pub trend: Trend,
}

/// Cost per group over a range, in the range's largest currency.
#[derive(Debug, Clone, PartialEq)]
pub struct TopCosts {
    /// `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    pub currency: String,
    /// (group, amount), in no particular order.
    pub items: Vec<(String, f64)>,
}

impl Showback {
    /// The `count` months ending with `last`, for one org or (`None`) all of them.
    pub async fn services_by_month(&self, org: Option<&str>, last: Month, count: u32) -> Result<ServicesByMonth> {
        let months = last.last_n(count);
        let from = format_day(months[0].first_day());
        let rows = self
            .store
            .costs_by_two_keys(org, &from, &format_day(last.last_day()), CostKey::Month, CostKey::Service)
            .await?;
        let flat: Vec<_> = rows
            .iter()
            .map(|r| CostRow { key: r.key.clone(), cost_micros: r.cost_micros, currency: r.currency.clone() })
            .collect();
        let currency = currencies(&flat).into_iter().next().unwrap_or_else(|| DEFAULT_CURRENCY.into());
        let (periods, series) = services_by_month(&rows, &months, &currency);
        Ok(ServicesByMonth { months, currency, periods, series })
    }

    /// The org's `month` to date.
    pub async fn month_trend(&self, org: &str, month: Month) -> Result<MonthTrend> {
        let view = month_view(&self.store, org, month, today()).await?;
        Ok(MonthTrend { trend: month_trend(&view), currency: view.currency })
    }

    /// Costs over `range` grouped by `key`, for one org or (`None`) all of them.
    pub async fn top_costs(&self, org: Option<&str>, key: CostKey, range: DayRange) -> Result<TopCosts> {
        let (from, to) = (format_day(range.from), format_day(range.to));
        let rows = self.store.costs(org, &from, &to, key).await?;
        let currency = currencies(&rows).into_iter().next().unwrap_or_else(|| DEFAULT_CURRENCY.into());
        Ok(TopCosts { items: items(&rows, &currency), from, to, currency })
    }
}
