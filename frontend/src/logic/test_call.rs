//! The test console's request and how its answer is shown: URL, content type, pretty JSON,
//! gateway errors, durations.

use api_types::ErrorBody;

/// Methods the console offers.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Header carrying the id of the invocation a gateway answer belongs to.
pub const INVOCATION_HEADER: &str = "x-stratus-invocation-id";
/// Header carrying how long the function ran, in seconds.
pub const DURATION_HEADER: &str = "x-duration-seconds";
/// Header saying whether the call started a new worker.
pub const COLD_START_HEADER: &str = "x-stratus-cold-start";

/// The URL of a call: the API base, the function's path, then the sub-path and query typed
/// into the console. `#` and spaces are escaped so the browser sends them.
pub fn call_url(base: &str, function_path: &str, sub_path: &str, query: &str) -> String {
    let mut url = format!("{}{}", base.trim().trim_end_matches('/'), function_path.trim_end_matches('/'));
    let sub_path = sub_path.trim().trim_start_matches('/');
    if !sub_path.is_empty() {
        url.push('/');
        url.push_str(&escape_url_text(sub_path));
    }
    let query = query.trim().trim_start_matches('?');
    if !query.is_empty() {
        url.push('?');
        url.push_str(&escape_url_text(query));
    }
    url
}

fn escape_url_text(s: &str) -> String {
    s.replace('#', "%23").replace(' ', "%20")
}

/// Whether a request with this method may carry a body (fetch refuses one on GET and HEAD).
pub fn method_has_body(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD")
}

/// The `Content-Type` to send with `body` when the person set none: JSON when it parses.
pub fn default_content_type(body: &str, headers: &[(String, String)]) -> Option<&'static str> {
    let has_type = headers.iter().any(|(name, _)| name.trim().eq_ignore_ascii_case("content-type"));
    if has_type || body.trim().is_empty() {
        return None;
    }
    if serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok() {
        Some("application/json")
    } else {
        Some("text/plain; charset=utf-8")
    }
}

/// The header rows worth sending: named, trimmed.
pub fn header_pairs(rows: &[(String, String)]) -> Vec<(String, String)> {
    rows.iter().filter(|(name, _)| !name.trim().is_empty()).map(|(n, v)| (n.trim().to_owned(), v.clone())).collect()
}

/// Why a header row cannot be sent (the browser would refuse it), or `None` when all can.
pub fn header_problem(rows: &[(String, String)]) -> Option<String> {
    const TOKEN_EXTRA: &str = "!#$%&'*+-.^_`|~";
    header_pairs(rows).into_iter().find_map(|(name, value)| {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || TOKEN_EXTRA.contains(c)) {
            Some(format!("Header name {name:?} may hold only letters, digits and !#$%&'*+-.^_`|~"))
        } else if value.contains(['\r', '\n', '\0']) {
            Some(format!("The value of header {name} may not contain line breaks"))
        } else {
            None
        }
    })
}

/// A JSON body indented by two spaces, keys in their original order; `None` when the text
/// is not JSON.
pub fn pretty_json(text: &str) -> Option<String> {
    if text.trim().is_empty() || serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        return None;
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut chars = text.trim().chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                while let Some(s) = chars.next() {
                    out.push(s);
                    match s {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// A gateway error answer: `function_error` with the stack, `function_timeout`, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayError {
    pub code: String,
    pub message: String,
    /// The details' reasons, e.g. the stack trace of a `function_error`.
    pub stack: String,
}

impl GatewayError {
    /// The error a non-2xx body describes, when it has the API's error shape.
    pub fn parse(status: u16, body: &str) -> Option<Self> {
        if status < 400 {
            return None;
        }
        let ErrorBody { error } = serde_json::from_str(body).ok()?;
        let stack = error.details.iter().map(|d| d.reason.as_str()).collect::<Vec<_>>().join("\n");
        Some(Self { code: error.code, message: error.message, stack })
    }
}

/// The function's own run time from `x-duration-seconds`, in milliseconds.
pub fn duration_from_header(value: Option<&str>) -> Option<f64> {
    let seconds: f64 = value?.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds * 1000.0)
}

/// `0.42 ms`, `12.3 ms`, `850 ms`, `1.25 s`.
pub fn format_duration_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "—".to_owned();
    }
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// When to look for a call's logs again, in milliseconds after the call: the history is
/// written in the background, so the first look may come too early. About two seconds in all.
pub const LOG_RETRY_DELAYS_MS: [u32; 7] = [0, 100, 200, 300, 400, 500, 600];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_urls_join_path_sub_path_and_query() {
        assert_eq!(call_url("", "/api/org/acme/hello", "", ""), "/api/org/acme/hello");
        assert_eq!(call_url("", "/api/org/acme/hello", "/a/b", "?x=1"), "/api/org/acme/hello/a/b?x=1");
        assert_eq!(
            call_url("https://s.example/", "/api/org/acme/hello", "a", "x=1&y=2"),
            "https://s.example/api/org/acme/hello/a?x=1&y=2"
        );
        assert_eq!(call_url("", "/api/org/acme/hello", "a b#c", "q=a b"), "/api/org/acme/hello/a%20b%23c?q=a%20b");
        assert_eq!(call_url("", "/api/org/acme/hello", "a%2Fb", ""), "/api/org/acme/hello/a%2Fb");
    }

    #[test]
    fn get_and_head_carry_no_body() {
        assert!(!method_has_body("GET"));
        assert!(!method_has_body("HEAD"));
        assert!(method_has_body("POST"));
        assert!(method_has_body("DELETE"));
    }

    #[test]
    fn json_bodies_are_sent_as_json_unless_a_type_is_set() {
        assert_eq!(default_content_type(r#"{"a":1}"#, &[]), Some("application/json"));
        assert_eq!(default_content_type("hello", &[]), Some("text/plain; charset=utf-8"));
        assert_eq!(default_content_type("  ", &[]), None);
        let typed = vec![("Content-Type".to_owned(), "text/csv".to_owned())];
        assert_eq!(default_content_type(r#"{"a":1}"#, &typed), None);
    }

    #[test]
    fn header_rows_without_a_name_are_dropped() {
        let rows = vec![(" x-a ".to_owned(), "1".to_owned()), ("".to_owned(), "2".to_owned())];
        assert_eq!(header_pairs(&rows), [("x-a".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn header_names_must_be_tokens() {
        let row = |n: &str, v: &str| vec![(n.to_owned(), v.to_owned())];
        assert_eq!(header_problem(&row("x-trace-id", "a b")), None);
        assert!(header_problem(&row("bad name", "1")).unwrap().contains("bad name"));
        assert!(header_problem(&row("x", "a\nb")).is_some());
        assert_eq!(header_problem(&row("", "ignored")), None);
    }

    #[test]
    fn json_is_pretty_printed_in_its_own_key_order() {
        assert_eq!(
            pretty_json(r#"{"z":1,"a":[1,2,{}],"s":"x,{y}: \"q\"","e":[]}"#).unwrap(),
            "{\n  \"z\": 1,\n  \"a\": [\n    1,\n    2,\n    {}\n  ],\n  \"s\": \"x,{y}: \\\"q\\\"\",\n  \"e\": []\n}"
        );
        assert_eq!(pretty_json(" 42 ").unwrap(), "42");
        assert_eq!(pretty_json("{ }").unwrap(), "{}");
        assert_eq!(pretty_json("not json"), None);
        assert_eq!(pretty_json(""), None);
    }

    #[test]
    fn gateway_errors_carry_the_stack() {
        let body = r#"{"error":{"code":"function_error","message":"the function threw",
            "details":[{"reason":"Error: boom\n    at handler (fn.js:3:9)"}]}}"#;
        let err = GatewayError::parse(500, body).unwrap();
        assert_eq!(err.code, "function_error");
        assert_eq!(err.message, "the function threw");
        assert!(err.stack.contains("fn.js:3:9"));
        assert_eq!(GatewayError::parse(200, body), None, "a function may answer anything with 200");
        assert_eq!(GatewayError::parse(500, "Internal error"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(duration_from_header(Some("0.001250")), Some(1.25));
        assert_eq!(duration_from_header(Some("x")), None);
        assert_eq!(duration_from_header(None), None);
        assert_eq!(format_duration_ms(1.25), "1.25 ms");
        assert_eq!(format_duration_ms(12.34), "12.3 ms");
        assert_eq!(format_duration_ms(850.2), "850 ms");
        assert_eq!(format_duration_ms(1250.0), "1.25 s");
        assert_eq!(format_duration_ms(f64::NAN), "—");
    }

    #[test]
    fn logs_are_looked_for_for_about_two_seconds() {
        let total: u32 = LOG_RETRY_DELAYS_MS.iter().sum();
        assert!((1500..=2500).contains(&total), "{total}");
    }
}
