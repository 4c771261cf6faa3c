//! Collectors between their stored rows and the API's types, and checks of their definitions.

use api_types::{Collector, CollectorInput, CollectorRun, CollectorSource, ErrorDetail, RunStatus};

use crate::dates::rfc3339_from_millis;
use crate::showback::collectors::http_source;
use crate::showback::records::check_name;
use crate::showback::schedule::Schedule;
use crate::store::{CollectorRow, RunRow};

/// What a stored secret looks like in answers.
pub const MASK: &str = "********";

pub use crate::ids::new_id;

/// The kind of a source, as stored in `showback_collector.kind`.
pub fn kind(source: &CollectorSource) -> &'static str {
    match source {
        CollectorSource::Http(_) => "http",
        CollectorSource::File(_) => "file",
        CollectorSource::Metering(_) => "metering",
    }
}

/// Checks a collector definition; every problem is named by its field.
pub fn validate(input: &CollectorInput) -> Vec<ErrorDetail> {
    let mut errors = Vec::new();
    if let Err(e) = check_name(&input.name).and_then(|()| {
        (input.name.chars().count() <= 64).then_some(()).ok_or_else(|| "must be at most 64 characters".to_owned())
    }) {
        errors.push(ErrorDetail::field("name", e));
    }
    if let Err(e) = Schedule::parse(&input.schedule) {
        errors.push(ErrorDetail::field("schedule", e));
    }
    match &input.source {
        CollectorSource::Http(http) => errors.extend(http_source::validate(http)),
        CollectorSource::File(file) if file.path.trim().is_empty() => {
            errors.push(ErrorDetail::field("source.path", "is missing"));
        }
        CollectorSource::Metering(m) if m.lookback_days > 400 => {
            errors.push(ErrorDetail::field("source.lookback_days", "must be at most 400"));
        }
        _ => {}
    }
    errors
}

/// The stored configuration for `input`; a masked secret keeps the one stored in `previous`.
pub fn config_json(input: &CollectorInput, previous: Option<&CollectorRow>) -> String {
    let mut source = input.source.clone();
    if let CollectorSource::Http(http) = &mut source
        && http.auth_value.as_deref() == Some(MASK)
    {
        let old = previous.and_then(|p| serde_json::from_str::<CollectorSource>(&p.config_json).ok());
        http.auth_value = match old {
            Some(CollectorSource::Http(old)) => old.auth_value,
            _ => None,
        };
    }
    serde_json::to_string(&source).unwrap_or_default()
}

/// The API's view of a run.
pub fn run(r: &RunRow) -> CollectorRun {
    CollectorRun {
        id: r.run_id.clone(),
        collector_id: r.collector_id.clone(),
        trigger: r.trigger.clone(),
        status: match r.status.as_str() {
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            "partial" => RunStatus::Partial,
            _ => RunStatus::Failed,
        },
        started_at: rfc3339_from_millis(r.started_at),
        finished_at: r.finished_at.map(rfc3339_from_millis),
        imported: r.imported.max(0) as u64,
        replaced: r.replaced.max(0) as u64,
        unchanged: r.unchanged.max(0) as u64,
        skipped: r.skipped.max(0) as u64,
        errors: serde_json::from_str(&r.errors_json).unwrap_or_default(),
        message: r.message.clone(),
    }
}

/// The API's view of a collector, secrets masked.
pub fn collector(c: &CollectorRow, last_run: Option<&RunRow>, next_run_at: Option<i64>) -> Collector {
    let mut source = serde_json::from_str::<CollectorSource>(&c.config_json)
        .unwrap_or(CollectorSource::Metering(api_types::MeteringSource { lookback_days: 3 }));
    if let CollectorSource::Http(http) = &mut source
        && http.auth_value.is_some()
    {
        http.auth_value = Some(MASK.into());
    }
    Collector {
        id: c.collector_id.clone(),
        name: c.name.clone(),
        schedule: c.schedule.clone(),
        enabled: c.enabled,
        source,
        created_at: rfc3339_from_millis(c.created_at),
        updated_at: rfc3339_from_millis(c.updated_at),
        next_run_at: next_run_at.filter(|_| c.enabled).map(rfc3339_from_millis),
        last_run: last_run.map(run),
    }
}
