//! OpenAPI schemas of fields whose rules the `#[schema(...)]` attributes cannot state (patterns
//! built by code, constraints on map keys or array items), used through `schema_with`. They
//! mirror the server's checks exactly: a value these schemas accept passes the field's own check,
//! and a value the server accepts passes the schema.
//!
//! The `pattern`s written in attributes across this crate reuse a few character classes:
//! - `[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]` is [`WS`], the
//!   whitespace Rust's `trim()` removes, so `^WS*[^WS][\s\S]*$` means "not blank";
//! - `[^\x00-\x1F\x7F-\x9F]` is a character that is not a control character (`char::is_control`),
//!   and `[^\x00-\x20\x7F-\x9F\u00A0…\u3000]` one that is neither control nor whitespace;
//! - decimal patterns spell out the largest value the server's `i64` arithmetic can hold.

use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{Array, Object};

/// Rust's `char::is_whitespace` (Unicode White_Space), what the server's `trim()` removes.
pub(crate) const WS: &str = r"[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// The only runtime there is.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub(crate) enum Runtime {
    #[expect(dead_code, reason = "only its schema is used")]
    Javascript,
}

/// Canonical decimal numbers (no sign, no leading zeros) from `lo` to `hi`, as a regex group.
fn range(lo: u64, hi: u64) -> String {
    let mut alternatives = Vec::new();
    let (lo_len, hi_len) = (lo.to_string().len(), hi.to_string().len());
    for len in lo_len..=hi_len {
        let first = if len == 1 { 0 } else { 10u64.pow(len as u32 - 1) };
        let (a, b) = (lo.max(first), hi.min(10u64.pow(len as u32) - 1));
        if a <= b {
            alternatives.extend(same_length(a.to_string().as_bytes(), b.to_string().as_bytes()));
        }
    }
    group(&alternatives)
}

/// Digit strings of one length from `a` to `b`.
fn same_length(a: &[u8], b: &[u8]) -> Vec<String> {
    let Some((&a0, a_rest)) = a.split_first() else { return vec![String::new()] };
    let (&b0, b_rest) = b.split_first().unwrap_or((&b'9', &[]));
    if a == b {
        return vec![String::from_utf8_lossy(a).into_owned()];
    }
    if a0 == b0 {
        return vec![format!("{}{}", a0 as char, group(&same_length(a_rest, b_rest)))];
    }
    let tail = a_rest.len();
    let (zeros, nines) = (vec![b'0'; tail], vec![b'9'; tail]);
    let mut out = Vec::new();
    let mut start = a0;
    if a_rest != zeros.as_slice() {
        out.push(format!("{}{}", a0 as char, group(&same_length(a_rest, &nines))));
        start += 1;
    }
    let end = if b_rest == nines.as_slice() { b0 } else { b0 - 1 };
    if start <= end {
        let class =
            if start == end { (start as char).to_string() } else { format!("[{}-{}]", start as char, end as char) };
        out.push(match tail {
            0 => class,
            1 => format!("{class}[0-9]"),
            n => format!("{class}[0-9]{{{n}}}"),
        });
    }
    if b_rest != nines.as_slice() {
        out.push(format!("{}{}", b0 as char, group(&same_length(&zeros, b_rest))));
    }
    out
}

fn group(alternatives: &[String]) -> String {
    match alternatives {
        [one] => one.clone(),
        many => format!("(?:{})", many.join("|")),
    }
}

/// A number from `lo` to `hi` as Rust's `str::parse` reads it: an optional `+` and leading zeros.
fn number(lo: u64, hi: u64) -> String {
    format!(r"\+?0*{}", range(lo, hi))
}

/// One cron field as the server reads it: comma-separated parts, each `*`, a value or a range
/// `a-b` with `a <= b` within `min..=max`, optionally followed by `/step` (a `u32` above 0).
fn cron_field(min: u64, max: u64) -> String {
    let values: Vec<String> = (min..=max).map(|v| format!("{v}(?:-{})?", number(v, max))).collect();
    let part = format!(r"(?:\*|\+?0*(?:{}))(?:/{})?", values.join("|"), number(1, u64::from(u32::MAX)));
    format!("{part}(?:,{part})*")
}

/// The pattern of a collector's `schedule`, exactly what the server's schedule parser accepts.
fn schedule_pattern() -> String {
    let every = [(10, 366 * 86_400, 's'), (1, 366 * 1_440, 'm'), (1, 366 * 24, 'h'), (1, 366, 'd')]
        .map(|(lo, hi, unit)| format!("{}{WS}*{unit}", number(lo, hi)))
        .join("|");
    let cron =
        [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)].map(|(min, max)| cron_field(min, max)).join(&format!("{WS}+"));
    format!("^{WS}*(?:@?every {WS}*(?:{every})|{cron}){WS}*$")
}

/// `CollectorInput.schedule`.
pub(crate) fn schedule() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "`every <n><unit>` (also `@every`; unit `s`, `m`, `h` or `d`; from 10 seconds to 366 days) or a \
             five-field cron expression in UTC (`minute hour day-of-month month day-of-week`; values 0-59, \
             0-23, 1-31, 1-12, 0-7 with 0 and 7 Sunday; `*`, lists `a,b`, ranges `a-b` with `a <= b`, and \
             `/step` with a step above 0). Surrounding whitespace is ignored.",
        ))
        .pattern(Some(schedule_pattern()))
        .examples(["every 15m", "30 2 * * *"])
        .build()
}

/// `FunctionSpec.env` and `.secrets`: at most 100 names of letters, digits and `_` (not starting
/// with a digit, at most 128 long), each value at most 4096 bytes.
fn variables(nullable: bool, description: &str) -> Object {
    let schema_type =
        if nullable { SchemaType::from_iter([Type::Object, Type::Null]) } else { SchemaType::new(Type::Object) };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .description(Some(description))
        .property_names(Some(
            ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[A-Za-z_][A-Za-z0-9_]{0,127}$")),
        ))
        .additional_properties(Some(ObjectBuilder::new().schema_type(Type::String).max_length(Some(4096))))
        .max_properties(Some(100))
        .build()
}

/// `FunctionSpec.env`.
pub(crate) fn env() -> Object {
    variables(
        false,
        "Plain configuration, readable back. At most 100 entries; names are letters, digits and `_`, not \
         starting with a digit, at most 128 characters; values at most 4096 bytes (UTF-8).",
    )
}

/// `FunctionSpec.secrets`.
pub(crate) fn secrets() -> Object {
    variables(
        true,
        "Write-only values, visible to the code like `env`. On `PUT`, omitted (or `null`) means unchanged. \
         Same rules as `env`.",
    )
}

/// `FunctionSpec.files`.
pub(crate) fn files() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .description(Some(
            "A function of several files: relative path → text. Paths use `/`, at most 512 bytes, without \
             `.` or `..` segments, empty segments, backslashes or control characters; at most 10000 files.",
        ))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(512))
                .pattern(Some(r"^(?:[^./\\\x00-\x1F\x7F-\x9F][^/\\\x00-\x1F\x7F-\x9F]*|\.{1,2}[^./\\\x00-\x1F\x7F-\x9F][^/\\\x00-\x1F\x7F-\x9F]*|\.{3,}[^/\\\x00-\x1F\x7F-\x9F]*)(?:/(?:[^./\\\x00-\x1F\x7F-\x9F][^/\\\x00-\x1F\x7F-\x9F]*|\.{1,2}[^./\\\x00-\x1F\x7F-\x9F][^/\\\x00-\x1F\x7F-\x9F]*|\.{3,}[^/\\\x00-\x1F\x7F-\x9F]*))*$")),
        ))
        .additional_properties(Some(ObjectBuilder::new().schema_type(Type::String)))
        .max_properties(Some(10_000))
        .build()
}

/// A rate card's `service` or `unit` (the server's `check_name`).
pub(crate) fn record_name() -> Object {
    let pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\x9F\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$";
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(200))
        .pattern(Some(pattern))
        .description(Some("Not blank, at most 200 characters, no control characters; stored trimmed."))
        .build()
}

/// `Budget.thresholds`.
pub(crate) fn budget_thresholds() -> Array {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .minimum(Some(1))
                .maximum(Some(1000)),
        )
        .max_items(Some(10))
        .unique_items(true)
        .description(Some(
            "Alert thresholds in percent of `amount`: at most 10 distinct values from 1 to 1000, in any order \
             (answered sorted). Empty or omitted means 50, 80, 100.",
        ))
        .build()
}
