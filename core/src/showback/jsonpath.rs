//! A small subset of JSON paths for collector field mappings: `$.data.items`, `usage.cost`,
//! `lines[0].amount` or `lines.0.amount`. An empty path or `$` is the value itself.

use serde_json::Value;

/// The value at `path` inside `value`, if there is one.
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let path = path.trim();
    let path = path.strip_prefix('$').unwrap_or(path);
    let path = path.strip_prefix('.').unwrap_or(path);
    if path.is_empty() {
        return Some(value);
    }
    let normalized = path.replace('[', ".").replace(']', "");
    normalized.split('.').filter(|s| !s.is_empty()).try_fold(value, |v, segment| match v {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// A scalar as text: strings as they are, numbers in their shortest exact form; a missing value
/// or `null` is empty. Objects, arrays and booleans are errors.
pub fn text(value: Option<&Value>) -> Result<String, String> {
    match value {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err(format!("expected a string or a number, found {}", kind(other))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_objects_and_arrays() {
        let v = serde_json::json!({"data": {"items": [{"cost": 1.25, "tenant": {"id": "acme"}}]}});
        assert_eq!(lookup(&v, "$.data.items[0].cost"), Some(&serde_json::json!(1.25)));
        assert_eq!(lookup(&v, "data.items.0.tenant.id").and_then(Value::as_str), Some("acme"));
        assert_eq!(lookup(&v, "$"), Some(&v));
        assert_eq!(lookup(&v, "data.missing"), None);
        assert_eq!(lookup(&v, "data.items[3]"), None);
        assert_eq!(text(lookup(&v, "data.items[0].cost")).unwrap(), "1.25");
        assert_eq!(text(None).unwrap(), "");
        assert!(text(lookup(&v, "data")).is_err());
    }
}
