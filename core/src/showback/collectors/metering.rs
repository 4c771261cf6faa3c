//! Internal metering: usage Stratus measures itself, priced by the rate card.
//!
//! Each meter turns one kind of activity into daily records under the source `metering`.
//! Function invocations (service `functions`) and the VM-hours of autoscaled vApps (service
//! `autoscale`, resource the rule's vApp, unit `VM-hour`, from the VM counts of the rule's
//! timeline).

use api_types::ErrorDetail;
use chrono::NaiveDate;

use crate::autoscale::vm_hours::vm_hours_by_day;
use crate::dates::format_day;
use crate::showback::collectors::import::Item;
use crate::showback::rates::{RateBook, cost_micros};
use crate::store::{DAY_MS, Store, UsageRecord};

/// The `source` of metered records.
pub const SOURCE: &str = "metering";
/// Service and units of function records.
pub const FUNCTIONS: &str = "functions";
pub const GB_SECOND: &str = "GB-second";
pub const INVOCATION: &str = "invocation";

/// What Stratus meters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meter {
    /// Function invocations: one record per function and day.
    Functions,
    /// Autoscaled vApps: one record per rule and day, in VM-hours.
    VmHours,
}

/// Every meter, in the order they run.
pub const METERS: [Meter; 2] = [Meter::Functions, Meter::VmHours];
/// Service and unit of autoscale records.
pub const AUTOSCALE: &str = "autoscale";
pub const VM_HOUR: &str = "VM-hour";

/// Meters the days `from..=to` (UTC).
pub async fn meter(store: &Store, rates: &RateBook, from: NaiveDate, to: NaiveDate) -> Result<Vec<Item>, sqlx::Error> {
    let mut items = Vec::new();
    for m in METERS {
        match m {
            Meter::Functions => items.extend(functions(store, rates, from, to).await?),
            Meter::VmHours => items.extend(vm_hours(store, rates, from, to).await?),
        }
    }
    Ok(items)
}

fn epoch_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis())
}

/// One record per function and day: quantity GB-seconds (Σ duration × the version's memory),
/// cost GB-seconds at the `functions`/`GB-second` rate plus invocations at the
/// `functions`/`invocation` rate. At least one of the two rates must exist.
async fn functions(store: &Store, rates: &RateBook, from: NaiveDate, to: NaiveDate) -> Result<Vec<Item>, sqlx::Error> {
    let days = store.meter_function_days(epoch_ms(from), epoch_ms(to) + DAY_MS).await?;
    Ok(days
        .into_iter()
        .map(|d| {
            let day = format_day(NaiveDate::from_num_days_from_ce_opt(719_163 + d.epoch_day as i32).unwrap_or(from));
            // duration_us × memory_mb / 1024 = GB-seconds in micro-units.
            let gb_second_micros = (d.mb_micros + 512) / 1024;
            let compute = rates.price(&d.org, FUNCTIONS, GB_SECOND, &day);
            let calls = rates.price(&d.org, FUNCTIONS, INVOCATION, &day);
            let fail = |reason: String| {
                Item::Bad(vec![ErrorDetail { field: Some(format!("{}/{}", d.org, d.function)), line: None, reason }])
            };
            let currency = match (compute, calls) {
                (None, None) => {
                    return fail(format!("{day}: no rate prices {FUNCTIONS} per {GB_SECOND} or per {INVOCATION}"));
                }
                (Some(a), Some(b)) if a.currency != b.currency => {
                    return fail(format!("{day}: the {GB_SECOND} and {INVOCATION} rates use different currencies"));
                }
                (Some(r), _) | (None, Some(r)) => r.currency.clone(),
            };
            let cost = compute.map_or(0, |r| cost_micros(gb_second_micros, r.unit_price_nanos))
                + calls.map_or(0, |r| cost_micros(d.invocations * 1_000_000, r.unit_price_nanos));
            Item::Record(UsageRecord {
                source: SOURCE.into(),
                org: d.org,
                day,
                service: FUNCTIONS.into(),
                resource: d.function,
                quantity_micros: gb_second_micros,
                unit: GB_SECOND.into(),
                cost_micros: cost,
                currency,
            })
        })
        .collect())
}

/// One record per autoscale rule and day: the VM-hours of its vApp (until now for today),
/// priced at the `autoscale`/`VM-hour` rate of that day.
async fn vm_hours(store: &Store, rates: &RateBook, from: NaiveDate, to: NaiveDate) -> Result<Vec<Item>, sqlx::Error> {
    let (from_ms, to_ms) = (epoch_ms(from), (epoch_ms(to) + DAY_MS).min(crate::dates::now_millis()));
    let mut items = Vec::new();
    for rule in store.all_rules().await? {
        let points: Vec<(i64, u32)> = store
            .vm_counts(&rule.rule_id, from_ms, to_ms)
            .await?
            .into_iter()
            .map(|(at, n)| (at, u32::try_from(n).unwrap_or_default()))
            .collect();
        let vapp = serde_json::from_str::<api_types::RuleTargets>(&rule.targets_json)
            .map(|t| t.vapp_name)
            .unwrap_or_else(|_| rule.name.clone());
        for (epoch_day, micros) in vm_hours_by_day(&points, from_ms, to_ms) {
            let day = format_day(NaiveDate::from_num_days_from_ce_opt(719_163 + epoch_day as i32).unwrap_or(from));
            let Some(rate) = rates.price(&rule.org_name, AUTOSCALE, VM_HOUR, &day) else {
                let reason = format!("{day}: no rate prices {AUTOSCALE} per {VM_HOUR}");
                let field = Some(format!("{}/{vapp}", rule.org_name));
                items.push(Item::Bad(vec![ErrorDetail { field, line: None, reason }]));
                continue;
            };
            items.push(Item::Record(UsageRecord {
                source: SOURCE.into(),
                org: rule.org_name.clone(),
                day,
                service: AUTOSCALE.into(),
                resource: vapp.clone(),
                quantity_micros: micros,
                unit: VM_HOUR.into(),
                cost_micros: cost_micros(micros, rate.unit_price_nanos),
                currency: rate.currency.clone(),
            }));
        }
    }
    Ok(items)
}
