//! Usage files: CSV with the header `date,org,service,resource,quantity,unit,cost,currency`
//! (any column order; other columns are ignored), or JSON (an array of objects or JSON lines)
//! with the same field names, quantity and cost as decimal strings or numbers.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use api_types::ErrorDetail;
use serde_json::Value;

use crate::showback::collectors::csv::CsvReader;
use crate::showback::collectors::import::{ImportError, Item, Items};
use crate::showback::collectors::json::JsonElements;
use crate::showback::jsonpath;
use crate::showback::records::{FIELDS, RawRow};

/// A usage file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// By extension: `.json`, `.ndjson` and `.jsonl` are JSON, anything else CSV.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json" | "ndjson" | "jsonl") => Format::Json,
            _ => Format::Csv,
        }
    }

    /// By media type: `text/csv`, or `application/json` (also `x-ndjson`, `jsonl`).
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match media.as_str() {
            "text/csv" | "application/csv" => Some(Format::Csv),
            "application/json" | "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
                Some(Format::Json)
            }
            _ => None,
        }
    }
}

/// Counts the bytes read through it.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path` for one pass, adding the bytes read to `count`.
pub fn open_path(path: &Path, format: Format, count: Arc<AtomicU64>) -> Result<Items, ImportError> {
    let file = File::open(path)?;
    items(BufReader::with_capacity(256 * 1024, Counting { inner: file, count }), format)
}

/// The items of a usage file; a CSV header without every field rejects the file.
pub fn items<R: BufRead + Send + 'static>(input: R, format: Format) -> Result<Items, ImportError> {
    match format {
        Format::Csv => csv_items(CsvReader::new(input)),
        Format::Json => {
            let mut elements = JsonElements::new(input);
            Ok(Box::new(std::iter::from_fn(move || {
                elements.next_element().transpose().map(|r| r.map(|(line, el)| json_item(line, el)))
            })))
        }
    }
}

fn csv_items<R: BufRead + Send + 'static>(mut reader: CsvReader<R>) -> Result<Items, ImportError> {
    let reject = |reason: String, field: Option<&str>| ImportError::Rejected {
        errors: vec![ErrorDetail { field: field.map(str::to_owned), line: Some(1), reason }],
        bad_rows: 0,
    };
    let Some((_, header)) = reader.next_record()? else {
        return Err(reject("the file is empty; it needs the header line".into(), None));
    };
    let header = header.map_err(|e| reject(e, None))?;
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let mut errors = Vec::new();
    for field in FIELDS {
        match names.iter().filter(|n| *n == field).count() {
            1 => {}
            0 => errors.push(ErrorDetail { field: Some(field.into()), line: Some(1), reason: "missing column".into() }),
            _ => {
                errors.push(ErrorDetail { field: Some(field.into()), line: Some(1), reason: "duplicate column".into() })
            }
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rejected { errors, bad_rows: 0 });
    }
    let width = names.len();
    Ok(Box::new(std::iter::from_fn(move || {
        let record = match reader.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        let (line, fields) = record;
        let bad = |reason: String| Item::Bad(vec![ErrorDetail { field: None, line: Some(line), reason }]);
        Some(Ok(match fields {
            Err(reason) => bad(reason),
            Ok(fields) if fields.len() != width => bad(format!("expected {width} fields, found {}", fields.len())),
            Ok(fields) => {
                let mut raw = RawRow::default();
                for (name, value) in names.iter().zip(fields) {
                    if let Some(slot) = raw.field_mut(name) {
                        *slot = value;
                    }
                }
                Item::Row(line, raw)
            }
        }))
    })))
}

fn json_item(line: u64, element: Result<Vec<u8>, String>) -> Item {
    let bad = |reason: String| Item::Bad(vec![ErrorDetail { field: None, line: Some(line), reason }]);
    let value: Value = match element.and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string())) {
        Ok(value) => value,
        Err(reason) => return bad(reason),
    };
    let Value::Object(object) = &value else {
        return bad("expected an object with the fields date, org, service, …".into());
    };
    let mut raw = RawRow::default();
    let mut errors = Vec::new();
    for field in FIELDS {
        match jsonpath::text(object.get(field)) {
            Ok(text) => *raw.field_mut(field).expect("a known field") = text,
            Err(reason) => errors.push(ErrorDetail { field: Some(field.into()), line: Some(line), reason }),
        }
    }
    if errors.is_empty() { Item::Row(line, raw) } else { Item::Bad(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &'static str, format: Format) -> Vec<Item> {
        items(text.as_bytes(), format).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn csv_columns_may_come_in_any_order() {
        let got = collect(
            "currency,cost,unit,quantity,resource,service,org,date,extra\nEUR,1.5,GB,3,b,s,acme,2026-01-02,x\n1,2\n",
            Format::Csv,
        );
        let Item::Row(2, raw) = &got[0] else { panic!("{got:?}") };
        assert_eq!((raw.org.as_str(), raw.cost.as_str(), raw.date.as_str()), ("acme", "1.5", "2026-01-02"));
        assert!(matches!(&got[1], Item::Bad(d) if d[0].line == Some(3)));
    }

    #[test]
    fn a_header_without_every_field_rejects_the_file() {
        let Err(ImportError::Rejected { errors, .. }) = items("date,org,service\n".as_bytes(), Format::Csv) else {
            panic!("accepted")
        };
        let missing: Vec<_> = errors.iter().map(|e| e.field.as_deref().unwrap()).collect();
        assert_eq!(missing, ["resource", "quantity", "unit", "cost", "currency"]);
    }

    #[test]
    fn json_numbers_become_exact_text() {
        let text = r#"[{"date":"2026-01-02","org":"acme","service":"s","resource":"r","quantity":2.5,"unit":"GB","cost":"0.10","currency":"EUR"}, {"date": true}, 7]"#;
        let got = collect(text, Format::Json);
        assert!(matches!(&got[0], Item::Row(1, raw) if raw.quantity == "2.5" && raw.cost == "0.10"));
        assert!(matches!(&got[1], Item::Bad(d) if d[0].field.as_deref() == Some("date")));
        assert!(matches!(&got[2], Item::Bad(_)));
    }
}
