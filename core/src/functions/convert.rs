//! Stored rows → wire types.

use api_types::{
    CodeError, Function, FunctionLimits, FunctionVersion, InvocationRecord, InvocationResult, StoredResponse,
};

use crate::dates::rfc3339_from_millis;
use crate::store::{FunctionHead, InvocationRow, VersionRow};

fn code_error(v: &VersionRow) -> Option<CodeError> {
    v.error_message.as_ref().map(|message| CodeError {
        message: message.clone(),
        line: v.error_line.and_then(|l| u32::try_from(l).ok()),
        column: v.error_column.and_then(|c| u32::try_from(c).ok()),
        file: v.error_file.clone(),
    })
}

/// The entry file of a version of several files (as named, or as the sandbox finds it).
fn entry_of(v: &VersionRow) -> Option<String> {
    let files = v.files.as_ref()?;
    v.main.clone().or_else(|| sandbox::entry_file(files).ok())
}

/// What the sandbox compiles for a version.
pub(crate) fn source_of(v: &VersionRow) -> sandbox::Source {
    match &v.files {
        Some(files) => sandbox::Source::Files { files: files.clone(), main: v.main.clone() },
        None => sandbox::Source::Single(v.code.clone()),
    }
}

/// A version's code as one text: its source, or the text of its `entry` file.
fn code_of(v: &VersionRow, entry: Option<&String>) -> String {
    match (&v.files, entry) {
        (Some(files), Some(entry)) => files.get(entry).cloned().unwrap_or_default(),
        _ => v.code.clone(),
    }
}

/// A function from its head and its latest version.
pub fn function_dto(head: &FunctionHead, latest: &VersionRow) -> Function {
    let entry = entry_of(latest);
    let locked = head.locked_by.is_some();
    Function {
        name: head.name.clone(),
        runtime: head.runtime.clone(),
        route: head.route.clone(),
        path: format!("/api/org/{}/{}", head.org, head.route),
        status: head.status,
        version: head.latest_version,
        active_version: head.active_version,
        trigger: latest.trigger.clone(),
        limits: FunctionLimits {
            memory_mb: u32::try_from(latest.memory_mb).ok(),
            timeout_ms: u32::try_from(latest.timeout_ms).ok(),
        },
        env: latest.env.clone(),
        secret_names: latest.secrets.keys().cloned().collect(),
        fresh_context: latest.fresh_context,
        access: latest.access,
        payload_format_version: latest.payload_format,
        // A locked function's code is never returned.
        code: if locked { String::new() } else { code_of(latest, entry.as_ref()) },
        files: if locked { None } else { latest.files.clone() },
        main: entry,
        shape: latest.shape.clone(),
        error: code_error(latest),
        created_at: rfc3339_from_millis(head.created_at),
        updated_at: rfc3339_from_millis(head.updated_at),
        locked,
    }
}

/// One version, marked active when it serves calls.
pub fn version_dto(head: &FunctionHead, v: &VersionRow) -> FunctionVersion {
    FunctionVersion {
        version: v.version,
        status: v.status,
        active: head.active_version == Some(v.version),
        code: if head.locked_by.is_some() { String::new() } else { code_of(v, entry_of(v).as_ref()) },
        file_count: v.files.as_ref().map_or(1, |files| u32::try_from(files.len()).unwrap_or(u32::MAX)),
        error: code_error(v),
        created_at: rfc3339_from_millis(v.created_at),
    }
}

/// An invocation, with its stored response when it has one.
pub fn invocation_dto(row: &InvocationRow) -> InvocationResult {
    let response: Option<StoredResponse> = row.response_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
    InvocationResult {
        record: InvocationRecord {
            id: row.invocation_id.clone(),
            function: row.function_name.clone(),
            version: row.version,
            trigger: row.trigger_kind,
            status: row.status,
            started_at: rfc3339_from_millis(row.started_at),
            duration_ms: row.duration_us.map(|us| us as f64 / 1000.0),
            http_status: row.http_status.and_then(|s| u16::try_from(s).ok()),
            error_code: row.error_code.clone(),
            error_message: row.error_message.clone(),
            memory_used_bytes: row.memory_used.and_then(|m| u64::try_from(m).ok()),
            cold_start: row.cold_start,
            logs: row.log_tail.clone(),
            attempts: u32::try_from(row.attempts.max(1)).unwrap_or(u32::MAX),
            outbound: row.outbound_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default(),
        },
        response,
    }
}
