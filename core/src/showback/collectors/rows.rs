//! Collectors and their runs between the stored rows and the API's types, and checks of
//! collector definitions.

use api_types::{Collector, CollectorInput, CollectorRun, CollectorSource, ErrorDetail};

use crate::dates::rfc3339_from_millis;
use crate::showback::collectors::http_source;
use crate::showback::records::check_name;
use crate::showback::schedule::Schedule;
use crate::store::{CollectorRow, RunRow};

/// What a stored secret looks like in answers.
pub const MASK: &str = "********";

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
        CollectorSource::File(_) | CollectorSource::Metering(_) => {}
    }
    errors
}

/// The source to store for `input`; a masked secret keeps the one stored in `previous`.
pub fn stored_source(input: &CollectorInput, previous: Option<&CollectorRow>) -> CollectorSource {
    let mut source = input.source.clone();
    if let CollectorSource::Http(http) = &mut source
        && http.auth_value.as_deref() == Some(MASK)
    {
        http.auth_value = match previous.map(|p| &p.source) {
            Some(CollectorSource::Http(old)) => old.auth_value.clone(),
            Some(CollectorSource::File(_) | CollectorSource::Metering(_)) | None => None,
        };
    }
    source
}

/// The API's view of a run.
pub fn run(r: &RunRow) -> CollectorRun {
    CollectorRun {
        id: r.run_id.clone(),
        collector_id: r.collector_id.clone(),
        trigger: r.trigger,
        status: r.status,
        started_at: rfc3339_from_millis(r.started_at),
        finished_at: r.finished_at.map(rfc3339_from_millis),
        imported: r.imported.max(0) as u64,
        replaced: r.replaced.max(0) as u64,
        unchanged: r.unchanged.max(0) as u64,
        skipped: r.skipped.max(0) as u64,
        errors: r.errors.clone(),
        message: r.message.clone(),
    }
}

/// The API's view of a collector, secrets masked.
pub fn collector(c: &CollectorRow, last_run: Option<&RunRow>, next_run_at: Option<i64>) -> Collector {
    let mut source = c.source.clone();
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
