//! Cost reports over `usage_month` (whole months) and `usage_record` (the days at a range's
//! edges), so a query over years reads a few rollup rows per month instead of every day.

use chrono::{Datelike as _, NaiveDate};
use sqlx::Row as _;

use super::Store;
use super::showback_rollup::{BY_ORG, BY_RESOURCE, BY_SERVICE, Rollup};
use super::showback_sql::Binds;

/// A group of a cost query.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub key: String,
    pub cost_micros: i64,
    pub currency: String,
}

/// A group of a cost query by two keys (e.g. month, then service): `key` is the first key's
/// value, `key2` the second's.
#[derive(Debug, Clone, PartialEq)]
pub struct TwoKeyCostRow {
    pub key: String,
    pub key2: String,
    pub cost_micros: i64,
    pub currency: String,
}

/// What a cost query groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostKey {
    Service,
    Resource,
    Day,
    Month,
    Org,
}

impl CostKey {
    /// The column on `usage_record`, then on `usage_month` (`None`: no daily detail there).
    fn columns(self) -> (&'static str, Option<&'static str>) {
        match self {
            CostKey::Service => ("service", Some("service")),
            CostKey::Resource => ("resource", Some("resource")),
            CostKey::Day => ("day", None),
            CostKey::Month => ("substr(day, 1, 7)", Some("month")),
            CostKey::Org => ("org_name", Some("org_name")),
        }
    }
}

/// How an inclusive day range is read: whole months from the rollup, days from the records
/// (added, or subtracted from a rolled-up month when that touches fewer days).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub months: Option<(String, String)>,
    pub add_days: Vec<(String, String)>,
    pub sub_days: Vec<(String, String)>,
}

/// Plans `from..=to` (both `YYYY-MM-DD`); `rollup` false reads only records.
pub(crate) fn plan(from: NaiveDate, to: NaiveDate, rollup: bool) -> Plan {
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    if !rollup || from > to {
        return Plan { add_days: vec![(day(from), day(to))], ..Plan::default() };
    }
    let mut plan = Plan::default();
    let mut first_rolled: Option<NaiveDate> = None;
    let mut last_rolled: Option<NaiveDate> = None;
    let mut start = from;
    while start <= to {
        let month_first = start.with_day(1).unwrap_or(start);
        let month_last =
            month_first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(start);
        let end = to.min(month_last);
        let inside = (end - start).num_days() + 1;
        let whole = (month_last - month_first).num_days() + 1;
        if inside == whole || inside * 2 > whole {
            first_rolled.get_or_insert(month_first);
            last_rolled = Some(month_first);
            if start > month_first {
                plan.sub_days.push((day(month_first), day(start.pred_opt().unwrap_or(start))));
            }
            if end < month_last {
                plan.sub_days.push((day(end.succ_opt().unwrap_or(end)), day(month_last)));
            }
        } else {
            plan.add_days.push((day(start), day(end)));
        }
        match month_last.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    if let (Some(a), Some(b)) = (first_rolled, last_rolled) {
        plan.months = Some((month(a), month(b)));
    }
    plan
}

fn day_ranges(binds: &mut Binds, ranges: &[(String, String)]) -> String {
    let parts: Vec<String> = ranges
        .iter()
        .map(|(a, b)| {
            let (a, b) = (binds.text(a.clone()), binds.text(b.clone()));
            format!("(day >= {a} and day <= {b})")
        })
        .collect();
    format!("({})", parts.join(" or "))
}

/// The smallest rollup that has every grouped column (and the org, when filtering by it).
fn rollup_for(org: Option<&str>, columns: &[&str]) -> Rollup {
    let fits = |r: Rollup| columns.iter().all(|c| *c == "''" || r.has(c)) && (org.is_none() || r.has("org_name"));
    [BY_ORG, BY_SERVICE].into_iter().find(|r| fits(*r)).unwrap_or(BY_RESOURCE)
}

impl Store {
    /// Cost between `from` and `to` (inclusive days), grouped by `key`, for one org or all.
    pub(crate) async fn costs(
        &self,
        org: Option<&str>,
        from: &str,
        to: &str,
        key: CostKey,
    ) -> Result<Vec<CostRow>, sqlx::Error> {
        let rows = self.grouped_costs(org, from, to, key, None).await?;
        Ok(rows.into_iter().map(|r| CostRow { key: r.key, cost_micros: r.cost_micros, currency: r.currency }).collect())
    }

    /// Cost between `from` and `to` (inclusive days), grouped by `key` and then `key2`.
    pub(crate) async fn costs_by_two_keys(
        &self,
        org: Option<&str>,
        from: &str,
        to: &str,
        key: CostKey,
        key2: CostKey,
    ) -> Result<Vec<TwoKeyCostRow>, sqlx::Error> {
        self.grouped_costs(org, from, to, key, Some(key2)).await
    }

    async fn grouped_costs(
        &self,
        org: Option<&str>,
        from: &str,
        to: &str,
        key: CostKey,
        key2: Option<CostKey>,
    ) -> Result<Vec<TwoKeyCostRow>, sqlx::Error> {
        let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| sqlx::Error::Decode(e.into()));
        let rollup = key != CostKey::Day && key2 != Some(CostKey::Day);
        let plan = plan(parse(from)?, parse(to)?, rollup);
        let (raw1, month1) = key.columns();
        let (raw2, month2) = key2.unwrap_or(CostKey::Service).columns();
        let (raw2, month2) = if key2.is_some() { (raw2, month2) } else { ("''", Some("''")) };
        let mut binds = Binds::new(self.backend());
        let org_filter = |binds: &mut Binds| match org {
            Some(o) => format!(" and org_name = {}", binds.text(o)),
            None => String::new(),
        };
        let mut parts = Vec::new();
        if let Some((m1, m2)) = &plan.months {
            let (k1, k2) = (month1.unwrap_or("month"), month2.unwrap_or("''"));
            let table = rollup_for(org, &[k1, k2]).table;
            let (a, b) = (binds.text(m1.clone()), binds.text(m2.clone()));
            let filter = org_filter(&mut binds);
            parts.push(format!(
                "select {k1} as k, {k2} as k2, currency, cost_micros as cost, records as n from {table} \
                 where month >= {a} and month <= {b}{filter}"
            ));
        }
        for (ranges, sign) in [(&plan.add_days, ""), (&plan.sub_days, "-")] {
            if ranges.is_empty() {
                continue;
            }
            let days = day_ranges(&mut binds, ranges);
            let filter = org_filter(&mut binds);
            parts.push(format!(
                "select {raw1} as k, {raw2} as k2, currency, {sign}cost_micros as cost, {sign}1 as n from usage_record \
                 where {days}{filter}"
            ));
        }
        let sql = format!(
            "select k, k2, currency, cast(sum(cost) as bigint) as cost from ({}) t \
             group by k, k2, currency having sum(n) > 0 order by k, k2, currency",
            parts.join(" union all ")
        );
        let rows = binds.apply(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(TwoKeyCostRow {
                key: row.try_get("k")?,
                key2: row.try_get("k2")?,
                cost_micros: row.try_get::<Option<i64>, _>("cost")?.unwrap_or(0),
                currency: row.try_get("currency")?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_owned(), b.to_owned())
    }

    #[test]
    fn whole_months_come_from_the_rollup() {
        let p = plan(d("2026-01-01"), d("2026-03-31"), true);
        assert_eq!(p, Plan { months: Some(pair("2026-01", "2026-03")), ..Plan::default() });
    }

    #[test]
    fn short_edges_are_added_and_long_ones_subtracted() {
        let p = plan(d("2026-01-30"), d("2026-03-22"), true);
        assert_eq!(p.months, Some(pair("2026-02", "2026-03")));
        assert_eq!(p.add_days, vec![pair("2026-01-30", "2026-01-31")]);
        assert_eq!(p.sub_days, vec![pair("2026-03-23", "2026-03-31")]);
        let inside = plan(d("2026-02-10"), d("2026-02-12"), true);
        assert_eq!((inside.months, inside.add_days.len()), (None, 1));
        let mostly = plan(d("2026-02-02"), d("2026-02-27"), true);
        assert_eq!(mostly.sub_days, vec![pair("2026-02-01", "2026-02-01"), pair("2026-02-28", "2026-02-28")]);
    }

    #[test]
    fn provider_reports_read_the_small_rollups() {
        assert_eq!(rollup_for(None, &["org_name", "''"]), BY_ORG);
        assert_eq!(rollup_for(None, &["month", "org_name"]), BY_ORG);
        assert_eq!(rollup_for(None, &["service", "month"]), BY_SERVICE);
        assert_eq!(rollup_for(Some("acme"), &["service", "''"]), BY_RESOURCE);
        assert_eq!(rollup_for(Some("acme"), &["month", "''"]), BY_ORG);
        assert_eq!(rollup_for(None, &["resource", "''"]), BY_RESOURCE);
    }

    #[test]
    fn daily_groups_read_only_records() {
        let p = plan(d("2026-01-01"), d("2026-03-31"), false);
        assert_eq!(p.add_days, vec![pair("2026-01-01", "2026-03-31")]);
        assert_eq!(p.months, None);
    }
}
