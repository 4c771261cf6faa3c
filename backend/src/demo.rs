//! Demo data for `stratus serve --demo`: two orgs and thirteen months of daily usage with a
//! growth trend, weekly and yearly seasonality. Deterministic and idempotent: seeding twice
//! replaces the same records.

use chrono::{Datelike as _, Months, NaiveDate};

use crate::domain::dates::{format_day, now_millis};
use crate::domain::money::MICROS;
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

/// Creates the demo orgs and their usage up to `today`, starting thirteen months earlier.
pub async fn seed(store: &Store, today: NaiveDate) -> Result<usize, sqlx::Error> {
    let mut count = 0;
    for (org, display_name, size) in DEMO_ORGS {
        store.ensure_org(org, display_name, now_millis()).await?;
        let records = records(org, size, today);
        count += records.len();
        store.upsert_usage(&records).await?;
    }
    Ok(count)
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
