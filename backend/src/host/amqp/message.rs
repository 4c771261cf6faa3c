//! vCD's extension messages as plain data: decoding a request, mapping its path onto the Router,
//! encoding a reply. No AMQP and no axum here, so every rule is unit tested.
//!
//! A request body is the JSON array `[request, securityContext]`; the request carries `id`,
//! `method`, `requestUri`, `queryString`, `headers` and a base64 `body`. A reply is
//! `{"id", "headers", "statusCode", "body" (base64), "request": false}`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The path prefix vCD's API filter routes to the extension (`UrlPattern /api/stratus/.*`).
pub const VCD_PREFIX: &str = "/api/stratus";

/// One HTTP request vCD forwards, with the caller vCD authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtRequest {
    pub id: String,
    pub method: String,
    pub request_uri: String,
    pub query_string: Option<String>,
    /// Header names as sent; a header with several values appears once per value.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub context: SecurityContext,
}

/// Who vCD says is calling: `urn:vcloud:user:…`, `urn:vcloud:org:…` and their rights.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SecurityContext {
    pub user: String,
    pub org: String,
    #[serde(default)]
    pub rights: Vec<String>,
}

/// Why a message is not a request Stratus can run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the message is not JSON: {0}")]
    NotJson(String),
    #[error("the message is not [request, securityContext]: {0}")]
    Shape(String),
    #[error("the request body is not base64: {0}")]
    Base64(String),
}

/// What Stratus answers, before encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtReply {
    pub id: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRequest {
    id: String,
    method: String,
    request_uri: String,
    #[serde(default)]
    query_string: Option<String>,
    #[serde(default)]
    headers: Option<Map<String, Value>>,
    #[serde(default)]
    body: Option<String>,
}

/// Decodes a message body.
pub fn decode(payload: &[u8]) -> Result<ExtRequest, DecodeError> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    let Value::Array(mut parts) = value else {
        return Err(DecodeError::Shape("expected a JSON array".into()));
    };
    if parts.len() < 2 {
        return Err(DecodeError::Shape(format!("expected 2 elements, found {}", parts.len())));
    }
    let context = parts.swap_remove(1);
    let request = parts.swap_remove(0);
    let raw: RawRequest = serde_json::from_value(request).map_err(|e| DecodeError::Shape(format!("request: {e}")))?;
    let context: SecurityContext =
        serde_json::from_value(context).map_err(|e| DecodeError::Shape(format!("securityContext: {e}")))?;
    if raw.id.is_empty() {
        return Err(DecodeError::Shape("request: empty id".into()));
    }
    let body = match raw.body.as_deref() {
        None => Vec::new(),
        Some(text) => {
            let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            BASE64.decode(compact).map_err(|e| DecodeError::Base64(e.to_string()))?
        }
    };
    let headers = raw.headers.map(|h| header_pairs(&h)).unwrap_or_default();
    Ok(ExtRequest {
        id: raw.id,
        method: raw.method,
        request_uri: raw.request_uri,
        query_string: raw.query_string,
        headers,
        body,
        context,
    })
}

/// The request id of a message that may not decode, to address an error reply.
pub fn request_id(payload: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    value.get(0)?.get("id")?.as_str().map(str::to_owned)
}

/// Header values may be strings, numbers, booleans or arrays of those.
fn header_pairs(headers: &Map<String, Value>) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (name, value) in headers {
        let values = match value {
            Value::Array(items) => items.iter().filter_map(scalar).collect(),
            other => scalar(other).into_iter().collect::<Vec<_>>(),
        };
        pairs.extend(values.into_iter().map(|v| (name.clone(), v)));
    }
    pairs
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Maps vCD's `requestUri` (plus `queryString`) onto the Router: `/api/stratus/<rest>` becomes
/// `/api/<rest>`. `None` when the URI is not under [`VCD_PREFIX`].
pub fn router_uri(request_uri: &str, query_string: Option<&str>) -> Option<String> {
    // Tolerate an absolute URL: keep only its path.
    let path = match request_uri.split_once("://") {
        Some((_, after_scheme)) => after_scheme.find('/').map_or("/", |i| &after_scheme[i..]),
        None => request_uri,
    };
    let rest = path.strip_prefix(VCD_PREFIX)?;
    if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')) {
        return None;
    }
    let mut uri = format!("/api{rest}");
    if let Some(query) = query_string.filter(|q| !q.is_empty()) {
        uri.push(if uri.contains('?') { '&' } else { '?' });
        uri.push_str(query.trim_start_matches('?'));
    }
    Some(uri)
}

/// Encodes a reply as vCD expects it.
pub fn encode_reply(reply: &ExtReply) -> Vec<u8> {
    let mut headers = Map::new();
    for (name, value) in &reply.headers {
        let name = title_case(name);
        match headers.get_mut(&name) {
            // JSON objects hold one value per name: join repeated headers as HTTP allows.
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            _ => {
                headers.insert(name, Value::String(value.clone()));
            }
        }
    }
    let body = json!({
        "id": reply.id,
        "headers": headers,
        "statusCode": reply.status,
        "body": BASE64.encode(&reply.body),
        "request": false,
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// `content-type` → `Content-Type`, the spelling vCD's own messages use.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(request: Value) -> Vec<u8> {
        let context = json!({"user": "urn:vcloud:user:u1", "org": "urn:vcloud:org:o1", "rights": ["r"]});
        serde_json::to_vec(&json!([request, context])).unwrap()
    }

    #[test]
    fn decodes_a_request_with_its_base64_body_and_security_context() {
        let payload = message(json!({
            "id": "m1", "method": "POST", "scheme": "https", "requestUri": "/api/stratus/org/acme/functions",
            "queryString": "a=1", "headers": {"Content-Type": "application/json", "Content-Length": 7, "X-Multi": ["a", "b"]},
            "request": true, "body": BASE64.encode(b"{\"a\":1}"),
        }));
        let request = decode(&payload).unwrap();
        assert_eq!(request.id, "m1");
        assert_eq!(request.method, "POST");
        assert_eq!(request.query_string.as_deref(), Some("a=1"));
        assert_eq!(request.body, b"{\"a\":1}");
        assert!(request.headers.contains(&("Content-Length".into(), "7".into())));
        assert!(request.headers.contains(&("X-Multi".into(), "a".into())));
        assert!(request.headers.contains(&("X-Multi".into(), "b".into())));
        assert_eq!(request.context.org, "urn:vcloud:org:o1");
        assert_eq!(request.context.rights, ["r"]);
    }

    #[test]
    fn a_missing_or_null_body_is_empty_and_wrapped_base64_is_accepted() {
        let no_body = message(json!({"id": "m", "method": "GET", "requestUri": "/api/stratus/me", "body": null}));
        assert!(decode(&no_body).unwrap().body.is_empty());
        let wrapped = message(json!({"id": "m", "method": "GET", "requestUri": "/", "body": "aGVs\nbG8="}));
        assert_eq!(decode(&wrapped).unwrap().body, b"hello");
    }

    #[test]
    fn malformed_messages_say_what_is_wrong() {
        assert!(matches!(decode(b"not json"), Err(DecodeError::NotJson(_))));
        assert!(matches!(decode(b"{\"id\": 1}"), Err(DecodeError::Shape(_))));
        assert!(matches!(decode(b"[{\"id\": \"m\"}]"), Err(DecodeError::Shape(_))));
        let no_method = message(json!({"id": "m", "requestUri": "/api/stratus/me"}));
        assert!(matches!(decode(&no_method), Err(DecodeError::Shape(m)) if m.contains("method")));
        let bad_body = message(json!({"id": "m", "method": "GET", "requestUri": "/", "body": "***"}));
        assert!(matches!(decode(&bad_body), Err(DecodeError::Base64(_))));
        let no_org = serde_json::to_vec(&json!([{"id": "m", "method": "GET", "requestUri": "/"}, {"user": "u"}]));
        assert!(matches!(decode(&no_org.unwrap()), Err(DecodeError::Shape(m)) if m.contains("securityContext")));
        let empty_id = message(json!({"id": "", "method": "GET", "requestUri": "/"}));
        assert!(matches!(decode(&empty_id), Err(DecodeError::Shape(_))));
    }

    #[test]
    fn the_request_id_is_found_even_when_the_rest_is_wrong() {
        assert_eq!(request_id(b"[{\"id\": \"m7\", \"method\": 3}]").as_deref(), Some("m7"));
        assert_eq!(request_id(b"garbage"), None);
    }

    #[test]
    fn paths_under_the_vcd_prefix_map_onto_the_api() {
        assert_eq!(router_uri("/api/stratus/org/acme/functions", None).as_deref(), Some("/api/org/acme/functions"));
        assert_eq!(router_uri("/api/stratus/me", Some("a=1&b=2")).as_deref(), Some("/api/me?a=1&b=2"));
        assert_eq!(router_uri("/api/stratus/me", Some("")).as_deref(), Some("/api/me"));
        assert_eq!(router_uri("/api/stratus", None).as_deref(), Some("/api"));
        assert_eq!(router_uri("/api/stratus/x?a=1", Some("b=2")).as_deref(), Some("/api/x?a=1&b=2"));
        assert_eq!(router_uri("https://vcd.example.com/api/stratus/me", None).as_deref(), Some("/api/me"));
        assert_eq!(router_uri("/api/stratusx/me", None), None);
        assert_eq!(router_uri("/api/org/acme", None), None);
        assert_eq!(router_uri("/cloudapi/1.0.0/orgs", None), None);
    }

    #[test]
    fn replies_carry_id_status_headers_and_a_base64_body() {
        let reply = ExtReply {
            id: "m1".into(),
            status: 201,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("set-cookie".into(), "a=1".into()),
                ("set-cookie".into(), "b=2".into()),
            ],
            body: b"{\"ok\":true}".to_vec(),
        };
        let value: Value = serde_json::from_slice(&encode_reply(&reply)).unwrap();
        assert_eq!(value["id"], "m1");
        assert_eq!(value["statusCode"], 201);
        assert_eq!(value["request"], false);
        assert_eq!(value["headers"]["Content-Type"], "application/json");
        assert_eq!(value["headers"]["Set-Cookie"], "a=1, b=2");
        assert_eq!(BASE64.decode(value["body"].as_str().unwrap()).unwrap(), b"{\"ok\":true}");
    }
}
