//! The API's URLs. `base` is the configured API base: `""` for the same origin, else an
//! origin or prefix such as `https://stratus.example.com`.

use crate::logic::cost_rows::GroupBy;
use crate::logic::date::DateRange;

/// `GET {base}/api/me`.
pub fn me(base: &str) -> String {
    format!("{}/api/me", trim_base(base))
}

/// `GET {base}/api/org/{org}/functions`.
pub fn functions(base: &str, org: &str) -> String {
    format!("{}/functions", org_root(base, org))
}

/// `GET|PUT|DELETE {base}/api/org/{org}/functions/{name}`.
pub fn function(base: &str, org: &str, name: &str) -> String {
    format!("{}/{}", functions(base, org), encode_segment(name))
}

/// `PUT {base}/api/org/{org}/functions/{name}/code`: a zip archive of its files.
pub fn function_code(base: &str, org: &str, name: &str) -> String {
    format!("{}/code", function(base, org, name))
}

/// `GET|POST {base}/api/org/{org}/functions/{name}/keys`.
pub fn function_keys(base: &str, org: &str, name: &str) -> String {
    format!("{}/keys", function(base, org, name))
}

/// `DELETE {base}/api/org/{org}/functions/{name}/keys/{id}`.
pub fn function_key(base: &str, org: &str, name: &str, id: &str) -> String {
    format!("{}/{}", function_keys(base, org, name), encode_segment(id))
}

/// `GET {base}/api/org/{org}/functions/{name}/versions`.
pub fn function_versions(base: &str, org: &str, name: &str) -> String {
    format!("{}/versions", function(base, org, name))
}

/// `POST {base}/api/org/{org}/functions/{name}/rollback`.
pub fn function_rollback(base: &str, org: &str, name: &str) -> String {
    format!("{}/rollback", function(base, org, name))
}

/// `GET {base}/api/org/{org}/functions/{name}/invocations?limit=…`, newest first.
pub fn function_invocations(base: &str, org: &str, name: &str, limit: u32) -> String {
    format!("{}/invocations?limit={limit}", function(base, org, name))
}

/// `GET {base}/api/org/{org}/invocations/{id}`.
pub fn invocation(base: &str, org: &str, id: &str) -> String {
    format!("{}/invocations/{}", org_root(base, org), encode_segment(id))
}

/// `GET {base}/api/org/{org}/limits`.
pub fn org_limits(base: &str, org: &str) -> String {
    format!("{}/limits", org_root(base, org))
}

/// `GET {base}/api/org/{org}/autoscale/rules`.
pub fn autoscale_rules(base: &str, org: &str) -> String {
    format!("{}/autoscale/rules", org_root(base, org))
}

/// `GET|PUT|DELETE {base}/api/org/{org}/autoscale/rules/{id}`.
pub fn autoscale_rule(base: &str, org: &str, id: &str) -> String {
    format!("{}/{}", autoscale_rules(base, org), encode_segment(id))
}

/// `POST {base}/api/org/{org}/autoscale/rules/{id}/secret`: a new webhook secret.
pub fn autoscale_rule_secret(base: &str, org: &str, id: &str) -> String {
    format!("{}/secret", autoscale_rule(base, org, id))
}

/// `POST {base}/api/org/{org}/autoscale/rules/{id}/metrics`.
pub fn autoscale_rule_metrics(base: &str, org: &str, id: &str) -> String {
    format!("{}/metrics", autoscale_rule(base, org, id))
}

/// `GET {base}/api/org/{org}/autoscale/rules/{id}/events?limit=…`, newest first.
pub fn autoscale_rule_events(base: &str, org: &str, id: &str, limit: u32) -> String {
    format!("{}/events?limit={limit}", autoscale_rule(base, org, id))
}

/// `GET {base}/api/org/{org}/autoscale/rules/{id}/actions/{action}`.
pub fn autoscale_rule_action(base: &str, org: &str, id: &str, action: &str) -> String {
    format!("{}/actions/{}", autoscale_rule(base, org, id), encode_segment(action))
}

/// `GET {base}/api/org/{org}/autoscale/rules/{id}/vms`.
pub fn autoscale_rule_vms(base: &str, org: &str, id: &str) -> String {
    format!("{}/vms", autoscale_rule(base, org, id))
}

/// `PUT {base}/api/org/{org}/autoscale/rules/{id}/vms/{vm}/protection`.
pub fn autoscale_vm_protection(base: &str, org: &str, id: &str, vm: &str) -> String {
    format!("{}/{}/protection", autoscale_rule_vms(base, org, id), encode_segment(vm))
}

/// `GET {base}/api/org/{org}/autoscale/vcd/{kind}`: `templates`, `vapps` or `edge-gateways`.
pub fn autoscale_vcd(base: &str, org: &str, kind: &str) -> String {
    format!("{}/autoscale/vcd/{kind}", org_root(base, org))
}

/// `GET {base}/api/org/{org}/autoscale/vcd/edge-gateways/{edge}/pools`.
pub fn autoscale_vcd_pools(base: &str, org: &str, edge: &str) -> String {
    format!("{}/{}/pools", autoscale_vcd(base, org, "edge-gateways"), encode_segment(edge))
}

/// `GET {base}/api/org/{org}/showback/costs?from=…&to=…&group_by=…`, `to` inclusive.
pub fn costs(base: &str, org: &str, range: DateRange, group_by: GroupBy) -> String {
    format!("{}/showback/costs?{}&group_by={}", org_root(base, org), range_query(range), group_by.as_str())
}

/// `GET {base}/api/org/{org}/showback/summary?month=YYYY-MM`.
pub fn showback_summary(base: &str, org: &str, month: &str) -> String {
    format!("{}/showback/summary?month={}", org_root(base, org), encode_segment(month))
}

/// `GET {base}/api/org/{org}/showback/overview?months=N`: the dashboard's first screen.
pub fn showback_overview(base: &str, org: &str, months: u32) -> String {
    format!("{}/showback/overview?months={months}", org_root(base, org))
}

/// `GET|PUT|DELETE {base}/api/org/{org}/showback/budget`.
pub fn budget(base: &str, org: &str) -> String {
    format!("{}/showback/budget", org_root(base, org))
}

/// `GET {base}/api/org/{org}/showback/export.csv?from=…&to=…`.
pub fn export_csv(base: &str, org: &str, range: DateRange) -> String {
    format!("{}/showback/export.csv?{}", org_root(base, org), range_query(range))
}

/// The name a downloaded export is saved under, as the server's `Content-Disposition` has it.
pub fn export_file_name(org: &str, range: DateRange) -> String {
    format!("showback-{org}-{}-{}.csv", range.from, range.to)
}

/// `GET {base}/api/provider/showback/costs?from=…&to=…&group_by=…` (provider only).
pub fn provider_costs(base: &str, range: DateRange, group_by: GroupBy) -> String {
    format!("{}/api/provider/showback/costs?{}&group_by={}", trim_base(base), range_query(range), group_by.as_str())
}

/// `GET {base}/api/provider/showback/top?n=…&from=…&to=…` (provider only).
pub fn provider_top(base: &str, range: DateRange, n: u32) -> String {
    format!("{}/api/provider/showback/top?n={n}&{}", trim_base(base), range_query(range))
}

/// `GET|PUT {base}/api/provider/orgs/{org}/egress` (provider only).
pub fn egress(base: &str, org: &str) -> String {
    format!("{}/api/provider/orgs/{}/egress", trim_base(base), encode_segment(org))
}

/// Whose packages: an org's, or the provider's own content (rate cards, collectors, limits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageScope {
    Org(String),
    Provider,
}

impl PackageScope {
    /// The org, for an org's packages.
    pub fn org(&self) -> Option<&str> {
        match self {
            PackageScope::Org(org) => Some(org),
            PackageScope::Provider => None,
        }
    }

    /// What imports change, for people: `this organization` or `this instance's provider content`.
    pub fn target(&self) -> &'static str {
        match self {
            PackageScope::Org(_) => "this organization",
            PackageScope::Provider => "this instance's provider content",
        }
    }
}

/// `{base}/api/org/{org}/packages/{rest}` (`plan`, `releases`, `drift`…), or the provider's
/// `{base}/api/provider/packages/{rest}`.
pub fn packages(base: &str, scope: &PackageScope, rest: &str) -> String {
    match scope {
        PackageScope::Org(org) => format!("{}/packages/{rest}", org_root(base, org)),
        PackageScope::Provider => format!("{}/api/provider/packages/{rest}", trim_base(base)),
    }
}

/// `POST …/packages/apply?plan=…[&select=…]`, or with `source` the same from that source
/// (`…/packages/sources/{source}/apply`).
pub fn packages_apply(
    base: &str,
    scope: &PackageScope,
    source: Option<&str>,
    fingerprint: &str,
    select: Option<&str>,
) -> String {
    let select = select.map(|s| format!("&select={}", encode_segment(s))).unwrap_or_default();
    let path = match source {
        Some(name) => format!("sources/{}/apply", encode_segment(name)),
        None => "apply".to_owned(),
    };
    format!("{}?plan={}{select}", packages(base, scope, &path), encode_segment(fingerprint))
}

/// `GET …/packages/export?functions=…` (every function when `names` is empty; the provider's
/// export has no choice).
pub fn packages_export(base: &str, scope: &PackageScope, names: &[String]) -> String {
    let url = packages(base, scope, "export");
    if names.is_empty() { url } else { format!("{url}?functions={}", encode_segment(&names.join(","))) }
}

/// `POST …/packages/releases/{number}/rollback`.
pub fn packages_rollback(base: &str, scope: &PackageScope, number: i64) -> String {
    packages(base, scope, &format!("releases/{number}/rollback"))
}

fn range_query(range: DateRange) -> String {
    format!("from={}&to={}", range.from, range.to)
}

fn org_root(base: &str, org: &str) -> String {
    format!("{}/api/org/{}", trim_base(base), encode_segment(org))
}

fn trim_base(base: &str) -> &str {
    base.trim().trim_end_matches('/')
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so an org name stays
/// one path segment.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::date::Date;

    #[test]
    fn package_urls() {
        let acme = PackageScope::Org("acme".into());
        assert_eq!(packages("", &acme, "plan"), "/api/org/acme/packages/plan");
        assert_eq!(packages("", &PackageScope::Provider, "plan"), "/api/provider/packages/plan");
        assert_eq!(packages_apply("", &acme, None, "ab12", None), "/api/org/acme/packages/apply?plan=ab12");
        assert_eq!(
            packages_apply("", &acme, Some("dev"), "ab12", None),
            "/api/org/acme/packages/sources/dev/apply?plan=ab12"
        );
        assert_eq!(
            packages_apply("", &acme, None, "ab12", Some("function:a,function:b")),
            "/api/org/acme/packages/apply?plan=ab12&select=function%3Aa%2Cfunction%3Ab"
        );
        assert_eq!(packages_export("", &acme, &[]), "/api/org/acme/packages/export");
        assert_eq!(
            packages_export("", &acme, &["a".into(), "b".into()]),
            "/api/org/acme/packages/export?functions=a%2Cb"
        );
        assert_eq!(
            packages_export("https://x/", &PackageScope::Provider, &[]),
            "https://x/api/provider/packages/export"
        );
        assert_eq!(packages_rollback("", &acme, 3), "/api/org/acme/packages/releases/3/rollback");
        assert_eq!(packages_rollback("", &PackageScope::Provider, 3), "/api/provider/packages/releases/3/rollback");
        assert_eq!((acme.org(), PackageScope::Provider.org()), (Some("acme"), None));
    }

    #[test]
    fn same_origin_urls_are_absolute_paths() {
        assert_eq!(me(""), "/api/me");
        assert_eq!(functions("", "acme"), "/api/org/acme/functions");
        assert_eq!(autoscale_rules("", "acme"), "/api/org/acme/autoscale/rules");
    }

    #[test]
    fn a_base_with_a_trailing_slash_is_joined_once() {
        assert_eq!(me("https://s.example.com/"), "https://s.example.com/api/me");
    }

    #[test]
    fn cost_urls_carry_the_inclusive_range_and_grouping() {
        let today = Date::new(2025, 11, 22).expect("valid date");
        let range = DateRange::month_to_date(today);
        assert_eq!(
            costs("", "acme", range, GroupBy::Service),
            "/api/org/acme/showback/costs?from=2025-11-01&to=2025-11-22&group_by=service"
        );
        assert_eq!(
            provider_costs("", range, GroupBy::Org),
            "/api/provider/showback/costs?from=2025-11-01&to=2025-11-22&group_by=org"
        );
        assert_eq!(provider_top("", range, 10), "/api/provider/showback/top?n=10&from=2025-11-01&to=2025-11-22");
    }

    #[test]
    fn showback_urls() {
        let range = DateRange::month_to_date(Date::new(2025, 11, 22).expect("valid date"));
        assert_eq!(showback_summary("", "acme", "2025-11"), "/api/org/acme/showback/summary?month=2025-11");
        assert_eq!(budget("", "acme"), "/api/org/acme/showback/budget");
        assert_eq!(showback_overview("", "acme", 6), "/api/org/acme/showback/overview?months=6");
        assert_eq!(export_csv("", "acme", range), "/api/org/acme/showback/export.csv?from=2025-11-01&to=2025-11-22");
        assert_eq!(export_file_name("acme", range), "showback-acme-2025-11-01-2025-11-22.csv");
    }

    #[test]
    fn function_urls() {
        assert_eq!(function("", "acme", "hello"), "/api/org/acme/functions/hello");
        assert_eq!(function_versions("", "acme", "hello"), "/api/org/acme/functions/hello/versions");
        assert_eq!(function_rollback("", "acme", "hello"), "/api/org/acme/functions/hello/rollback");
        assert_eq!(function_invocations("", "acme", "hello", 50), "/api/org/acme/functions/hello/invocations?limit=50");
        assert_eq!(invocation("", "acme", "inv_1"), "/api/org/acme/invocations/inv_1");
        assert_eq!(org_limits("http://x/", "acme"), "http://x/api/org/acme/limits");
    }

    #[test]
    fn autoscale_urls() {
        let id = "rule_1";
        assert_eq!(autoscale_rule("", "acme", id), "/api/org/acme/autoscale/rules/rule_1");
        assert_eq!(autoscale_rule_secret("", "acme", id), "/api/org/acme/autoscale/rules/rule_1/secret");
        assert_eq!(autoscale_rule_metrics("", "acme", id), "/api/org/acme/autoscale/rules/rule_1/metrics");
        assert_eq!(autoscale_rule_events("", "acme", id, 200), "/api/org/acme/autoscale/rules/rule_1/events?limit=200");
        assert_eq!(
            autoscale_rule_action("", "acme", id, "act_9"),
            "/api/org/acme/autoscale/rules/rule_1/actions/act_9"
        );
        assert_eq!(autoscale_rule_vms("", "acme", id), "/api/org/acme/autoscale/rules/rule_1/vms");
        assert_eq!(
            autoscale_vm_protection("", "acme", id, "urn:vcloud:vm:42"),
            "/api/org/acme/autoscale/rules/rule_1/vms/urn%3Avcloud%3Avm%3A42/protection"
        );
        assert_eq!(autoscale_vcd("", "acme", "templates"), "/api/org/acme/autoscale/vcd/templates");
        assert_eq!(
            autoscale_vcd_pools("", "acme", "urn:vcloud:gateway:1"),
            "/api/org/acme/autoscale/vcd/edge-gateways/urn%3Avcloud%3Agateway%3A1/pools"
        );
    }

    #[test]
    fn org_names_stay_one_segment() {
        assert_eq!(functions("", "a/b c"), "/api/org/a%2Fb%20c/functions");
    }
}
