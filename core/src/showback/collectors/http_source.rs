//! The HTTP collector: fetches JSON from an external billing API and maps each record's fields
//! by JSON path. A record's "line" is its 1-based position in the fetched array.

use std::time::Duration;

use api_types::{ErrorDetail, FieldMapping, HttpSource};
use chrono::NaiveDate;
use serde_json::Value;

use crate::dates::format_day;
use crate::showback::collectors::import::Item;
use crate::showback::jsonpath;
use crate::showback::records::RawRow;

/// Largest response accepted.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Fetches the window ending `today` and maps every record.
pub async fn fetch(client: &reqwest::Client, source: &HttpSource, today: NaiveDate) -> Result<Vec<Item>, String> {
    let from = today - chrono::Duration::days(i64::from(source.lookback_days));
    let url = source.url.replace("{from}", &format_day(from)).replace("{to}", &format_day(today));
    let mut request = client.get(&url).timeout(Duration::from_secs(60)).header("accept", "application/json");
    if let (Some(name), Some(value)) = (&source.auth_header, &source.auth_value) {
        request = request.header(name.as_str(), value.as_str());
    }
    let mut response = request.send().await.map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("GET {url}: {e}"))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(format!("GET {url}: the response is larger than {MAX_RESPONSE_BYTES} bytes"));
        }
    }
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        return Err(format!("GET {url} answered {status}: {text}"));
    }
    let root: Value = serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not JSON: {e}"))?;
    map_records(&root, source)
}

/// Maps the records at `records_path` in `root`.
pub fn map_records(root: &Value, source: &HttpSource) -> Result<Vec<Item>, String> {
    let Some(Value::Array(records)) = jsonpath::lookup(root, &source.records_path) else {
        return Err(format!("no array of records at '{}'", source.records_path));
    };
    Ok(records.iter().enumerate().map(|(i, record)| map_record(i as u64 + 1, record, &source.fields)).collect())
}

fn map_record(line: u64, record: &Value, fields: &FieldMapping) -> Item {
    let mut raw = RawRow::default();
    let mut errors = Vec::new();
    let mapped = [
        ("date", Some(&fields.date)),
        ("org", Some(&fields.org)),
        ("service", Some(&fields.service)),
        ("resource", Some(&fields.resource)),
        ("quantity", Some(&fields.quantity)),
        ("unit", Some(&fields.unit)),
        ("cost", fields.cost.as_ref()),
        ("currency", Some(&fields.currency)),
    ];
    for (field, path) in mapped {
        let Some(path) = path.filter(|p| !p.is_empty()) else { continue };
        let value = match path.strip_prefix('=') {
            Some(constant) => Ok(constant.to_owned()),
            None => jsonpath::text(jsonpath::lookup(record, path)),
        };
        match value {
            Ok(text) => *raw.field_mut(field).expect("a known field") = text,
            Err(reason) => errors.push(ErrorDetail { field: Some(field.into()), line: Some(line), reason }),
        }
    }
    if errors.is_empty() { Item::Row(line, raw) } else { Item::Bad(errors) }
}

/// Checks a source's settings before it is stored.
pub fn validate(source: &HttpSource) -> Vec<ErrorDetail> {
    let mut errors = Vec::new();
    static URL: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(api_types::SOURCE_URL_PATTERN).expect("a valid pattern"));
    if !URL.is_match(&source.url) {
        errors.push(ErrorDetail::field("source.url", "must be an http:// or https:// URL with a host and no spaces"));
    }
    if source.auth_value.as_deref().is_some_and(|v| reqwest::header::HeaderValue::from_str(v).is_err()) {
        errors.push(ErrorDetail::field("source.auth_value", "must not contain control characters"));
    }
    if source.auth_header.as_deref().is_some_and(|h| reqwest::header::HeaderName::from_bytes(h.as_bytes()).is_err()) {
        errors.push(ErrorDetail::field("source.auth_header", "is not a valid header name"));
    }
    if source.lookback_days > 400 {
        errors.push(ErrorDetail::field("source.lookback_days", "must be at most 400"));
    }
    let f = &source.fields;
    for (name, path) in [
        ("date", &f.date),
        ("org", &f.org),
        ("service", &f.service),
        ("resource", &f.resource),
        ("quantity", &f.quantity),
        ("unit", &f.unit),
        ("currency", &f.currency),
    ] {
        if path.trim().is_empty() {
            errors.push(ErrorDetail::field(format!("source.fields.{name}"), "needs a JSON path or an =constant"));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_paths_and_constants() {
        let source: HttpSource = serde_json::from_value(serde_json::json!({
            "url": "http://billing/usage",
            "records_path": "data.lines",
            "fields": {"date": "day", "org": "tenant.name", "service": "=backup", "resource": "item",
                       "quantity": "usage.amount", "unit": "=GB", "cost": "price", "currency": "=EUR"}
        }))
        .unwrap();
        let root = serde_json::json!({"data": {"lines": [
            {"day": "2026-01-02", "tenant": {"name": "acme"}, "item": "vm1", "usage": {"amount": 3}, "price": 0.25},
            {"day": "2026-01-02", "tenant": {"name": ["x"]}, "item": "vm2", "usage": {"amount": 1}, "price": 1}
        ]}});
        let items = map_records(&root, &source).unwrap();
        let Item::Row(1, raw) = &items[0] else { panic!("{items:?}") };
        assert_eq!(
            (raw.org.as_str(), raw.service.as_str(), raw.quantity.as_str(), raw.cost.as_str()),
            ("acme", "backup", "3", "0.25")
        );
        assert!(matches!(&items[1], Item::Bad(d) if d[0].field.as_deref() == Some("org") && d[0].line == Some(2)));
        assert!(map_records(&serde_json::json!({}), &source).is_err());
        assert!(validate(&source).is_empty());
    }
}
