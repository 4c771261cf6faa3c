//! The rows of a cost table: what a report is grouped by, and each group with its share.

use api_types::CostReport;

use crate::logic::display::share_percent;
use crate::logic::money::amount_for_chart;

/// The `group_by` of the cost endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupBy {
    #[default]
    Service,
    Resource,
    Day,
    Month,
    /// Provider only: one row per tenant.
    Org,
}

impl GroupBy {
    /// What a tenant's costs can be grouped by, as the switch offers them.
    pub const TENANT: [GroupBy; 4] = [GroupBy::Service, GroupBy::Resource, GroupBy::Day, GroupBy::Month];

    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Service => "service",
            GroupBy::Resource => "resource",
            GroupBy::Day => "day",
            GroupBy::Month => "month",
            GroupBy::Org => "org",
        }
    }

    /// The heading of the key column.
    pub fn label(self) -> &'static str {
        match self {
            GroupBy::Service => "Service",
            GroupBy::Resource => "Resource",
            GroupBy::Day => "Day",
            GroupBy::Month => "Month",
            GroupBy::Org => "Tenant",
        }
    }

    /// The value of a query or a `<select>`; anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        [GroupBy::Service, GroupBy::Resource, GroupBy::Day, GroupBy::Month, GroupBy::Org]
            .into_iter()
            .find(|g| g.as_str() == s)
    }

    /// Whether rows read best in calendar order rather than costliest first.
    pub fn is_calendar(self) -> bool {
        matches!(self, GroupBy::Day | GroupBy::Month)
    }

    /// `3 services`, `1 day`.
    pub fn count(self, n: usize) -> String {
        let (one, many) = match self {
            GroupBy::Service => ("service", "services"),
            GroupBy::Resource => ("resource", "resources"),
            GroupBy::Day => ("day", "days"),
            GroupBy::Month => ("month", "months"),
            GroupBy::Org => ("tenant", "tenants"),
        };
        crate::logic::display::count_noun(n, one, many)
    }
}

/// One row: the group's key, its cost (a decimal string, as sent) and its share of the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostRow {
    pub key: String,
    pub cost: String,
    pub share: String,
}

/// The report's groups as rows: by date for days and months, else costliest first.
pub fn cost_rows(report: &CostReport, group_by: GroupBy) -> Vec<CostRow> {
    let total = amount_for_chart(&report.total).unwrap_or(0.0);
    let mut groups: Vec<(f64, &api_types::CostGroup)> =
        report.groups.iter().map(|g| (amount_for_chart(&g.cost).unwrap_or(0.0), g)).collect();
    if group_by.is_calendar() {
        groups.sort_by(|a, b| a.1.key.cmp(&b.1.key));
    } else {
        groups.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
    }
    groups
        .into_iter()
        .map(|(value, g)| CostRow { key: g.key.clone(), cost: g.cost.clone(), share: share_percent(value, total) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_types::CostGroup;

    fn report(groups: &[(&str, &str)], total: &str) -> CostReport {
        CostReport {
            currency: "EUR".into(),
            from: "2025-11-01".into(),
            to: "2025-11-22".into(),
            total: total.into(),
            groups: groups.iter().map(|(k, c)| CostGroup { key: (*k).into(), cost: (*c).into() }).collect(),
        }
    }

    #[test]
    fn services_are_costliest_first_with_shares() {
        let rows = cost_rows(&report(&[("storage", "25.00"), ("compute", "75.00")], "100.00"), GroupBy::Service);
        assert_eq!(rows[0], CostRow { key: "compute".into(), cost: "75.00".into(), share: "75.0%".into() });
        assert_eq!(rows[1].share, "25.0%");
    }

    #[test]
    fn days_and_months_are_in_calendar_order() {
        let r = report(&[("2025-11-02", "5.00"), ("2025-11-01", "9.00")], "14.00");
        let keys: Vec<String> = cost_rows(&r, GroupBy::Day).into_iter().map(|r| r.key).collect();
        assert_eq!(keys, ["2025-11-01", "2025-11-02"]);
    }

    #[test]
    fn a_zero_total_has_no_shares() {
        let rows = cost_rows(&report(&[("compute", "0.00")], "0.00"), GroupBy::Service);
        assert_eq!(rows[0].share, "");
    }

    #[test]
    fn group_by_round_trips() {
        for g in GroupBy::TENANT.into_iter().chain([GroupBy::Org]) {
            assert_eq!(GroupBy::parse(g.as_str()), Some(g));
        }
        assert_eq!(GroupBy::parse("week"), None);
        assert_eq!(GroupBy::Day.count(1), "1 day");
        assert_eq!(GroupBy::Org.count(2), "2 tenants");
    }
}
