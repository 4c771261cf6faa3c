//! The app inside vCD: the rules behind `HostMode::Vcd`, plain Rust so they are tested natively.
//!
//! The plugin's Angular shell hosts `index.html` in an iframe and passes the portal session by
//! `postMessage` (see `plugin-shell/src/session.ts`):
//!
//! 1. the app posts `{"type": "stratus:ready"}` to the parent origin it got as
//!    `?parentOrigin=` in its URL (its own origin when absent);
//! 2. the shell answers, and again whenever the portal's token changes, with
//!    `{"type": "stratus:session", "token", "scope", "orgName", "orgId", "apiRoot"}`.
//!
//! A session is accepted only from the expected parent origin ([`accept_message`]). The API
//! base depends on how vCD routes to Stratus ([`Routing`], a plugin build option) and the API
//! root the portal gave ([`api_base`]); in vCD modes the base *replaces* the leading `/api` of
//! every API path ([`api_url`]).

use serde::Deserialize;

/// The `type` of the app's readiness message.
pub const READY_TYPE: &str = "stratus:ready";
/// The `type` of the shell's session message.
pub const SESSION_TYPE: &str = "stratus:session";
/// The name Stratus is registered under in vCD (ext-api filter `/stratus/.*`, AMQP API filter
/// `/api/stratus/.*`).
pub const EXTENSION_NAME: &str = "stratus";
/// A token longer than this goes out as `Authorization: Bearer`; a shorter one is a legacy
/// session token for `x-vcloud-authorization` (the rule of the vCD UI SDK).
const LEGACY_TOKEN_MAX: usize = 32;
/// Anything longer is not a token.
const TOKEN_MAX: usize = 16 * 1024;

/// How vCD routes the UI's API calls to Stratus, chosen when the plugin is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// vCD 10.4+ external endpoint: `{vcd}/ext-api/stratus/<rest>` → `<rootUrl>/<rest>`.
    ExtApi,
    /// Legacy AMQP API extension: `{vcd}/api/stratus/<rest>` → the bridge → `/api/<rest>`.
    Amqp,
}

impl Routing {
    /// `ext-api` or `amqp`, as written in the injected config.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "ext-api" => Some(Self::ExtApi),
            "amqp" => Some(Self::Amqp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExtApi => "ext-api",
            Self::Amqp => "amqp",
        }
    }
}

/// The portal the person is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Tenant,
    ServiceProvider,
}

impl Scope {
    /// `tenant` or `service-provider`, the values of the portal's `SESSION_SCOPE`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tenant" => Some(Self::Tenant),
            "service-provider" => Some(Self::ServiceProvider),
            _ => None,
        }
    }
}

/// What the shell hands over, validated.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    pub scope: Scope,
    pub org_name: String,
    pub org_id: String,
    /// Absolute `http(s)` URL without a trailing slash, e.g. `https://vcd.example.com`.
    pub api_root: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token", &"<redacted>")
            .field("scope", &self.scope)
            .field("org_name", &self.org_name)
            .field("org_id", &self.org_id)
            .field("api_root", &self.api_root)
            .finish()
    }
}

impl Session {
    /// In the tenant portal the org is the session's; in the provider portal the person picks.
    pub fn fixed_org(&self) -> Option<String> {
        (self.scope == Scope::Tenant).then(|| self.org_name.clone())
    }

    /// Provider pages only in the service-provider portal.
    pub fn provider_ui(&self) -> bool {
        self.scope == Scope::ServiceProvider
    }
}

/// Why a message was not taken as a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// Sent from another origin than the expected parent: ignored.
    WrongOrigin { origin: String, expected: String },
    /// Not JSON or not a session message (e.g. another tool's message): ignored.
    NotSession,
    /// A session message with a missing or malformed field.
    BadField(&'static str),
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::WrongOrigin { origin, expected } => write!(f, "message from {origin}, expected {expected}"),
            Self::NotSession => f.write_str("not a stratus:session message"),
            Self::BadField(field) => write!(f, "session message with a bad {field}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(rename = "type")]
    kind: Option<String>,
    token: Option<String>,
    scope: Option<String>,
    org_name: Option<String>,
    org_id: Option<String>,
    api_root: Option<String>,
}

/// Validates a `message` event: its `origin`, and `data` serialised as JSON.
pub fn accept_message(origin: &str, expected_origin: &str, data_json: &str) -> Result<Session, Rejected> {
    if origin != expected_origin {
        return Err(Rejected::WrongOrigin { origin: origin.to_owned(), expected: expected_origin.to_owned() });
    }
    let wire: Wire = serde_json::from_str(data_json).map_err(|_| Rejected::NotSession)?;
    if wire.kind.as_deref() != Some(SESSION_TYPE) {
        return Err(Rejected::NotSession);
    }
    let token = wire.token.map(|t| t.trim().to_owned()).unwrap_or_default();
    if !valid_token(&token) {
        return Err(Rejected::BadField("token"));
    }
    let scope = wire.scope.as_deref().and_then(Scope::parse).ok_or(Rejected::BadField("scope"))?;
    let org_name = wire.org_name.map(|o| o.trim().to_owned()).unwrap_or_default();
    if org_name.is_empty() || org_name.chars().any(char::is_control) {
        return Err(Rejected::BadField("orgName"));
    }
    let org_id = wire.org_id.unwrap_or_default().trim().to_owned();
    if org_id.chars().any(char::is_control) {
        return Err(Rejected::BadField("orgId"));
    }
    let api_root = wire.api_root.as_deref().and_then(api_root).ok_or(Rejected::BadField("apiRoot"))?;
    Ok(Session { token, scope, org_name, org_id, api_root })
}

/// A token fits in an HTTP header: printable ASCII, no spaces except after a `Bearer` prefix.
fn valid_token(token: &str) -> bool {
    let bare = strip_bearer(token).unwrap_or(token);
    !bare.is_empty() && token.len() <= TOKEN_MAX && bare.bytes().all(|b| b.is_ascii_graphic())
}

fn strip_bearer(token: &str) -> Option<&str> {
    let (scheme, rest) = token.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// `apiRoot` as an absolute `http(s)` URL with no query, fragment or trailing slash.
fn api_root(raw: &str) -> Option<String> {
    let root = raw.trim().trim_end_matches('/');
    let rest = root.strip_prefix("https://").or_else(|| root.strip_prefix("http://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let clean = !host.is_empty()
        && !root.contains(['?', '#', '\\', ' '])
        && !host.contains('@')
        && root.bytes().all(|b| b.is_ascii_graphic());
    clean.then(|| root.to_owned())
}

/// The origin (`scheme://host[:port]`) of an absolute `http(s)` URL, scheme and host lowercase.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || !authority.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// The origin the shell's messages must come from: `?parentOrigin=` of the page's query
/// string when it is a well-formed origin, else the page's own origin (vCD serves plugin
/// assets from the portal's origin). `None` when `parentOrigin` is present but malformed.
pub fn expected_parent_origin(query: &str, own_origin: &str) -> Option<String> {
    let given = query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|part| part.split_once('='))
        .find_map(|(key, value)| (key == "parentOrigin").then(|| crate::logic::fragment::percent_decode(value)));
    match given {
        None => Some(own_origin.to_owned()),
        // Only a bare origin: no path, query or fragment smuggled in.
        Some(given) => origin_of(&given).filter(|origin| *origin == given.trim_end_matches('/').to_ascii_lowercase()),
    }
}

/// The API base for `routing` under the vCD API root: it replaces the leading `/api` of every
/// API path ([`api_url`]).
///
/// * ext-api: `{vcd}/ext-api/stratus/api` — `/api/org/acme/x` becomes
///   `{vcd}/ext-api/stratus/api/org/acme/x`, which vCD forwards to `<rootUrl>/api/org/acme/x`.
/// * amqp: `{vcd}/api/stratus` — `/api/org/acme/x` becomes `{vcd}/api/stratus/org/acme/x`,
///   which the AMQP bridge maps back to `/api/org/acme/x`.
pub fn api_base(routing: Routing, api_root: &str) -> String {
    let root = api_root.trim().trim_end_matches('/');
    match routing {
        Routing::ExtApi => format!("{root}/ext-api/{EXTENSION_NAME}/api"),
        Routing::Amqp => format!("{root}/api/{EXTENSION_NAME}"),
    }
}

/// `url` with its leading `/api` replaced by `base`: `/api/me` → `{base}/me`. A URL that does
/// not start with the `/api` segment (already absolute, say) is left alone.
pub fn api_url(base: &str, url: &str) -> String {
    let base = base.trim_end_matches('/');
    match url.strip_prefix("/api") {
        Some(rest) if rest.is_empty() || rest.starts_with(['/', '?']) => format!("{base}{rest}"),
        _ => url.to_owned(),
    }
}

/// The header carrying `token` (vcd-extensibility §9): `Authorization: Bearer <token>` for a
/// JWT (or a token already prefixed `Bearer `), `x-vcloud-authorization` for a short legacy
/// session token.
pub fn auth_header(token: &str) -> (&'static str, String) {
    if let Some(bare) = strip_bearer(token) {
        return ("Authorization", format!("Bearer {bare}"));
    }
    if token.len() > LEGACY_TOKEN_MAX {
        ("Authorization", format!("Bearer {token}"))
    } else {
        ("x-vcloud-authorization", token.to_owned())
    }
}

/// Every header carrying `token` in vCD modes: [`auth_header`], plus the bare token in
/// [`api_types::VCD_TOKEN_HEADER`], which Stratus reads first: vCD's `/ext-api` proxy is not
/// documented to forward `Authorization` to the endpoint.
pub fn credential_headers(token: &str) -> Vec<(&'static str, String)> {
    let bare = strip_bearer(token).unwrap_or(token).to_owned();
    vec![auth_header(token), (api_types::VCD_TOKEN_HEADER, bare)]
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "https://vcd.example.com";
    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

    fn message(token: &str, scope: &str, api_root: &str) -> String {
        serde_json::json!({
            "type": "stratus:session", "token": token, "scope": scope,
            "orgName": "acme", "orgId": "urn:vcloud:org:1234", "apiRoot": api_root,
        })
        .to_string()
    }

    #[test]
    fn a_session_from_the_parent_is_accepted() {
        let session = accept_message(PARENT, PARENT, &message(JWT, "tenant", "https://vcd.example.com/")).unwrap();
        assert_eq!(session.token, JWT);
        assert_eq!(session.scope, Scope::Tenant);
        assert_eq!(session.org_name, "acme");
        assert_eq!(session.org_id, "urn:vcloud:org:1234");
        assert_eq!(session.api_root, "https://vcd.example.com");
        assert_eq!(session.fixed_org().as_deref(), Some("acme"));
        assert!(!session.provider_ui());
        assert!(!format!("{session:?}").contains(JWT), "Debug must not print the token");
    }

    #[test]
    fn the_provider_portal_picks_its_org_and_sees_provider_pages() {
        let session = accept_message(PARENT, PARENT, &message(JWT, "service-provider", PARENT)).unwrap();
        assert_eq!(session.fixed_org(), None);
        assert!(session.provider_ui());
    }

    #[test]
    fn messages_from_another_origin_are_rejected() {
        let data = message(JWT, "tenant", PARENT);
        for origin in ["https://evil.example.com", "http://vcd.example.com", "https://vcd.example.com:8443", "null"] {
            assert!(matches!(accept_message(origin, PARENT, &data), Err(Rejected::WrongOrigin { .. })), "{origin}");
        }
    }

    #[test]
    fn other_messages_are_not_sessions() {
        for data in ["not json", "42", "{}", r#"{"type":"stratus:ready"}"#, r#"{"type":"webpackOk"}"#] {
            assert_eq!(accept_message(PARENT, PARENT, data), Err(Rejected::NotSession), "{data}");
        }
    }

    #[test]
    fn malformed_sessions_name_the_field() {
        let cases = [
            (message("", "tenant", PARENT), "token"),
            (message("a b", "tenant", PARENT), "token"),
            (message("tok\nen", "tenant", PARENT), "token"),
            (message(JWT, "admin", PARENT), "scope"),
            (message(JWT, "tenant", "vcd.example.com"), "apiRoot"),
            (message(JWT, "tenant", "javascript:alert(1)"), "apiRoot"),
            (message(JWT, "tenant", "https://vcd.example.com/?x=1"), "apiRoot"),
            (message(JWT, "tenant", "https://user@vcd.example.com"), "apiRoot"),
            (message(JWT, "tenant", "https://"), "apiRoot"),
        ];
        for (data, field) in cases {
            assert_eq!(accept_message(PARENT, PARENT, &data), Err(Rejected::BadField(field)), "{data}");
        }
        let no_org = serde_json::json!({"type": SESSION_TYPE, "token": JWT, "scope": "tenant", "apiRoot": PARENT});
        assert_eq!(accept_message(PARENT, PARENT, &no_org.to_string()), Err(Rejected::BadField("orgName")));
    }

    #[test]
    fn a_bearer_prefixed_token_is_accepted_once() {
        let session = accept_message(PARENT, PARENT, &message(&format!("Bearer {JWT}"), "tenant", PARENT)).unwrap();
        assert_eq!(auth_header(&session.token), ("Authorization", format!("Bearer {JWT}")));
    }

    #[test]
    fn the_parent_origin_comes_from_the_query_or_is_our_own() {
        let own = "https://vcd.example.com";
        assert_eq!(expected_parent_origin("", own).as_deref(), Some(own));
        assert_eq!(expected_parent_origin("?x=1", own).as_deref(), Some(own));
        assert_eq!(
            expected_parent_origin("?parentOrigin=https%3A%2F%2Fportal.example.com%3A8443", own).as_deref(),
            Some("https://portal.example.com:8443")
        );
        assert_eq!(
            expected_parent_origin("?parentOrigin=http://127.0.0.1:4000", own).as_deref(),
            Some("http://127.0.0.1:4000")
        );
        assert_eq!(expected_parent_origin("?parentOrigin=https%3A%2F%2Fa.example%2Fpath", own), None);
        assert_eq!(expected_parent_origin("?parentOrigin=javascript:x", own), None);
        assert_eq!(expected_parent_origin("?parentOrigin=*", own), None);
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(origin_of("https://VCD.example.com/tenant/acme").as_deref(), Some("https://vcd.example.com"));
        assert_eq!(origin_of("http://127.0.0.1:4000?x").as_deref(), Some("http://127.0.0.1:4000"));
        assert_eq!(origin_of("ftp://x"), None);
        assert_eq!(origin_of("https://a@b"), None);
        assert_eq!(origin_of("/relative"), None);
    }

    #[test]
    fn the_api_base_depends_on_the_routing() {
        assert_eq!(Routing::parse("ext-api"), Some(Routing::ExtApi));
        assert_eq!(Routing::parse("amqp"), Some(Routing::Amqp));
        assert_eq!(Routing::parse("mqtt"), None);
        assert_eq!(
            api_base(Routing::ExtApi, "https://vcd.example.com/"),
            "https://vcd.example.com/ext-api/stratus/api"
        );
        assert_eq!(api_base(Routing::Amqp, "https://vcd.example.com"), "https://vcd.example.com/api/stratus");
    }

    #[test]
    fn the_base_replaces_the_leading_api() {
        let ext = api_base(Routing::ExtApi, "https://vcd.example.com");
        assert_eq!(api_url(&ext, "/api/org/acme/x"), "https://vcd.example.com/ext-api/stratus/api/org/acme/x");
        let amqp = api_base(Routing::Amqp, "https://vcd.example.com");
        assert_eq!(api_url(&amqp, "/api/org/acme/x"), "https://vcd.example.com/api/stratus/org/acme/x");
        assert_eq!(api_url(&amqp, "/api/me"), "https://vcd.example.com/api/stratus/me");
        assert_eq!(api_url(&amqp, "/api?x=1"), "https://vcd.example.com/api/stratus?x=1");
        // Only the whole `/api` segment, and only at the start.
        assert_eq!(api_url(&amqp, "/apiary"), "/apiary");
        assert_eq!(api_url(&amqp, "https://other.example/api/me"), "https://other.example/api/me");
    }

    #[test]
    fn long_tokens_are_bearer_and_short_ones_legacy() {
        assert_eq!(auth_header(JWT), ("Authorization", format!("Bearer {JWT}")));
        let legacy = "0123456789abcdef0123456789abcdef";
        assert_eq!(auth_header(legacy), ("x-vcloud-authorization", legacy.to_owned()));
        assert_eq!(auth_header("bearer abc"), ("Authorization", "Bearer abc".to_owned()));
    }

    #[test]
    fn the_token_also_goes_bare_in_the_stratus_header() {
        let legacy = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            credential_headers(legacy),
            [("x-vcloud-authorization", legacy.to_owned()), ("x-stratus-vcd-token", legacy.to_owned())]
        );
        let headers = credential_headers(&format!("Bearer {JWT}"));
        assert_eq!(headers[0], ("Authorization", format!("Bearer {JWT}")));
        assert_eq!(headers[1], ("x-stratus-vcd-token", JWT.to_owned()));
    }
}
