//! Demo data for `stratus serve --demo`: two orgs and thirteen months of daily usage with a
//! growth trend, weekly and yearly seasonality. Deterministic and idempotent: seeding twice
//! replaces the same records.

use chrono::{Datelike as _, Months, NaiveDate};

use crate::dates::{format_day, now_millis};
use crate::money::MICROS;
use crate::store::{Store, UsageRecord};

/// The demo orgs: name, display name, size factor.
pub const DEMO_ORGS: [(&str, &str, f64); 2] = [("acme", "Acme Corporation", 1.0), ("globex", "Globex Inc.", 0.6)];

/// Source name of the generated records.
pub const DEMO_SOURCE: &str = "demo";

/// A billable line of the demo catalogue.
struct Line {
    service: &'static str,
    resource: &'static str,
    unit: &'static str,
    /// Daily quantity at the start of the series.
    base_quantity: f64,
    /// Price per unit, in micro-units of EUR.
    unit_price_micros: i64,
    /// Whether use drops at weekends.
    weekday_bound: bool,
}

const CATALOGUE: [Line; 11] = [
    Line {
        service: "compute",
        resource: "web-01",
        unit: "vCPU-hour",
        base_quantity: 96.0,
        unit_price_micros: 25_000,
        weekday_bound: true,
    },
    Line {
        service: "compute",
        resource: "web-02",
        unit: "vCPU-hour",
        base_quantity: 96.0,
        unit_price_micros: 25_000,
        weekday_bound: true,
    },
    Line {
        service: "compute",
        resource: "db-01",
        unit: "vCPU-hour",
        base_quantity: 192.0,
        unit_price_micros: 25_000,
        weekday_bound: false,
    },
    Line {
        service: "memory",
        resource: "web-01",
        unit: "GB-hour",
        base_quantity: 192.0,
        unit_price_micros: 4_000,
        weekday_bound: true,
    },
    Line {
        service: "memory",
        resource: "db-01",
        unit: "GB-hour",
        base_quantity: 768.0,
        unit_price_micros: 4_000,
        weekday_bound: false,
    },
    Line {
        service: "storage",
        resource: "vapp-shop",
        unit: "GB-day",
        base_quantity: 500.0,
        unit_price_micros: 3_300,
        weekday_bound: false,
    },
    Line {
        service: "storage",
        resource: "backups",
        unit: "GB-day",
        base_quantity: 1_200.0,
        unit_price_micros: 1_100,
        weekday_bound: false,
    },
    Line {
        service: "network",
        resource: "edge-01",
        unit: "GB",
        base_quantity: 40.0,
        unit_price_micros: 50_000,
        weekday_bound: true,
    },
    Line {
        service: "functions",
        resource: "api-gateway",
        unit: "invocation",
        base_quantity: 120_000.0,
        unit_price_micros: 2,
        weekday_bound: true,
    },
    Line {
        service: "licences",
        resource: "windows-server",
        unit: "licence-day",
        base_quantity: 2.0,
        unit_price_micros: 1_200_000,
        weekday_bound: false,
    },
    Line {
        service: "licences",
        resource: "sql-server",
        unit: "licence-day",
        base_quantity: 1.0,
        unit_price_micros: 4_500_000,
        weekday_bound: false,
    },
];

/// Demo functions: org, name, code (one per handler shape).
pub const DEMO_FUNCTIONS: [(&str, &str, &str); 3] = [
    (
        "acme",
        "hello",
        "// OpenFaaS node template shape\nmodule.exports = async (event, context) => {\n  const name = (event.query && event.query.name) || 'world';\n  console.log('greeting', name);\n  return context.status(200).succeed({ message: `Hello, ${name}!` });\n};\n",
    ),
    (
        "acme",
        "echo",
        "// AWS Lambda shape (API Gateway HTTP API v2 event)\nexports.handler = async (event, context) => ({\n  statusCode: 200,\n  headers: { 'content-type': 'application/json' },\n  body: JSON.stringify({ method: event.requestContext.http.method, path: event.rawPath, body: event.body }),\n});\n",
    ),
    (
        "globex",
        "time",
        "// Cloudflare Workers module shape\nexport default {\n  async fetch(request, env, ctx) {\n    return Response.json({ now: new Date().toISOString(), id: crypto.randomUUID() });\n  },\n};\n",
    ),
];

/// Creates the demo functions that do not exist yet.
pub async fn seed_functions(functions: &std::sync::Arc<crate::functions::Functions>) -> Result<usize, String> {
    let mut created = 0;
    for (org, name, code) in DEMO_FUNCTIONS {
        if functions.get(org, name).await.is_ok() {
            continue;
        }
        let spec = api_types::FunctionSpec {
            name: name.into(),
            runtime: "javascript".into(),
            route: name.into(),
            code: code.into(),
            files: None,
            main: None,
            trigger: api_types::Trigger::Http,
            limits: api_types::FunctionLimits::default(),
            env: Default::default(),
            secrets: None,
            fresh_context: false,
            access: Default::default(),
            payload_format_version: Default::default(),
        };
        functions.create(org, &spec).await.map_err(|e| format!("demo function {org}/{name}: {e}"))?;
        created += 1;
    }
    Ok(created)
}

/// Creates acme's demo autoscale rule on the first vApp behind the first pool vCD offers, when a
/// vCD is configured and acme has no rule yet; the rule's name, or `None` when nothing was made.
pub async fn seed_autoscale(autoscale: &crate::autoscale::Autoscale) -> Result<Option<String>, String> {
    use crate::autoscale::vcd::Inventory;
    let org = "acme";
    if !autoscale.list(org).await.map_err(|e| e.to_string())?.is_empty() {
        return Ok(None);
    }
    let first = |list: Vec<api_types::VcdObject>, what: &str| {
        list.into_iter().next().ok_or_else(|| format!("vCD offers acme no {what}"))
    };
    let pick = |list| async move { autoscale.inventory(org, list).await.map_err(|e| e.to_string()) };
    let template = first(pick(Inventory::Templates).await?, "vApp template")?;
    let vapp = first(pick(Inventory::VApps).await?, "vApp")?;
    let edge = first(pick(Inventory::EdgeGateways).await?, "edge gateway")?;
    let pool = first(pick(Inventory::Pools(edge.id.clone())).await?, "load-balancer pool")?;
    let spec = serde_json::json!({
        "name": "web", "template": template.id, "vapp": vapp.id, "edge_gateway": edge.id, "lb_pool": pool.name,
        "cpu": {"scale_out": 75, "scale_in": 25}, "memory": {"scale_out": 85, "scale_in": 35},
        "min_vms": 2, "max_vms": 6, "scale_out_cooldown_secs": 60, "scale_in_cooldown_secs": 120,
        "stabilization_secs": 120, "drain_secs": 5,
    });
    let spec = serde_json::from_value(spec).map_err(|e| e.to_string())?;
    let created = autoscale.create(org, spec).await.map_err(|e| e.to_string())?;
    Ok(Some(format!("'{}' on vApp {} behind pool {}", created.rule.spec.name, vapp.name, pool.name)))
}

/// Creates the demo orgs and their usage up to `today`, starting thirteen months earlier.
pub async fn seed(store: &Store, today: NaiveDate) -> Result<usize, sqlx::Error> {
    let mut count = 0;
    for (org, display_name, size) in DEMO_ORGS {
        store.ensure_org(org, display_name, now_millis()).await?;
        let records = records(org, size, today);
        count += records.len();
        store.upsert_usage(&records).await?;
    }
    seed_showback_settings(store, today).await?;
    Ok(count)
}

/// The provider's default rate card (the catalogue's prices plus function prices) from the
/// start of the demo data, and a monthly budget for acme about 10 % above its last full month.
/// Existing entries and budgets are left as they are.
pub async fn seed_showback_settings(store: &Store, today: NaiveDate) -> Result<(), sqlx::Error> {
    let start = today.checked_sub_months(Months::new(13)).unwrap_or(today).with_day(1).unwrap_or(today);
    let effective_from = format_day(start);
    let existing = store.list_rates(None).await?;
    let functions = [
        ("functions", "GB-second", 16_667_i64),
        ("functions", "invocation", 200),
        ("autoscale", "VM-hour", 45_000_000),
    ];
    let catalogue = CATALOGUE.iter().map(|l| (l.service, l.unit, l.unit_price_micros * 1_000));
    for (service, unit, nanos) in catalogue.chain(functions) {
        if existing.iter().any(|r| r.service == service && r.unit == unit) {
            continue;
        }
        let rate = crate::store::RateRow {
            rate_id: format!("rate_demo_{service}_{unit}").to_ascii_lowercase(),
            org: None,
            service: service.into(),
            unit: unit.into(),
            unit_price_nanos: nanos,
            currency: "EUR".into(),
            effective_from: effective_from.clone(),
            created_at: now_millis(),
            updated_at: now_millis(),
        };
        match store.insert_rate(&rate).await {
            Err(err) if !crate::store::is_unique_violation(&err) => return Err(err),
            _ => {}
        }
    }
    if store.find_budget("acme").await?.is_none() {
        let last_month = today.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(today);
        let month = last_month.format("%Y-%m").to_string();
        let cost: i64 =
            records("acme", 1.0, today).iter().filter(|r| r.day.starts_with(&month)).map(|r| r.cost_micros).sum();
        let hundreds = 100 * MICROS;
        let amount = (cost + cost / 10 + hundreds - 1) / hundreds * hundreds;
        let budget = crate::store::BudgetRow {
            org: "acme".into(),
            amount_micros: amount.max(hundreds),
            currency: "EUR".into(),
            thresholds: vec![50, 80, 100],
            updated_at: now_millis(),
        };
        store.put_budget(&budget).await?;
    }
    Ok(())
}

/// The generated records of one org.
pub fn records(org: &str, size: f64, today: NaiveDate) -> Vec<UsageRecord> {
    let start = today.checked_sub_months(Months::new(13)).unwrap_or(today).with_day(1).unwrap_or(today);
    let mut out = Vec::new();
    for day in start.iter_days().take_while(|d| *d <= today) {
        let months_in = (day - start).num_days() as f64 / 30.4;
        let trend = 1.0 + 0.035 * months_in;
        let yearly = 1.0 + 0.12 * (f64::from(day.ordinal()) / 365.0 * std::f64::consts::TAU).sin();
        let weekend = day.weekday().number_from_monday() >= 6;
        for (i, line) in CATALOGUE.iter().enumerate() {
            let weekly = if line.weekday_bound && weekend { 0.55 } else { 1.0 };
            let noise = 0.9 + 0.2 * unit_noise(org, day, i);
            let quantity = line.base_quantity * size * trend * yearly * weekly * noise;
            let quantity_micros = (quantity * MICROS as f64).round() as i64;
            let cost_micros = (quantity * line.unit_price_micros as f64).round() as i64;
            out.push(UsageRecord {
                source: DEMO_SOURCE.into(),
                org: org.into(),
                day: format_day(day),
                service: line.service.into(),
                resource: line.resource.into(),
                quantity_micros,
                unit: line.unit.into(),
                cost_micros,
                currency: "EUR".into(),
            });
        }
    }
    out
}

/// A stable pseudo-random number in [0, 1) for (org, day, line).
fn unit_noise(org: &str, day: NaiveDate, line: usize) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in org.bytes().chain(day.num_days_from_ce().to_le_bytes()).chain((line as u32).to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_months_of_every_line_with_growth() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let records = records("acme", 1.0, today);
        assert_eq!(records.first().unwrap().day, "2025-10-01");
        assert_eq!(records.last().unwrap().day, "2026-11-22");
        let days = (today - NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()).num_days() as usize + 1;
        assert_eq!(records.len(), days * CATALOGUE.len());
        let month_cost = |m: &str| records.iter().filter(|r| r.day.starts_with(m)).map(|r| r.cost_micros).sum::<i64>();
        assert!(month_cost("2026-10") > month_cost("2025-10"), "costs grow over the year");
        assert_eq!(super::records("acme", 1.0, today), records, "deterministic");
    }
}
