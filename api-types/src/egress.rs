//! Outbound requests of function code (`fetch()`): the provider's egress policy per org, and
//! what an invocation record says about each request.

use serde::{Deserialize, Serialize};

/// The fixed ceilings of outbound requests: the server applies them, the UI shows them.
pub mod egress_limits {
    /// Most requests (redirect hops included) one call may make.
    pub const MAX_REQUESTS_PER_CALL: usize = 50;
    /// Most response body bytes one call may receive, over all its requests.
    pub const MAX_RESPONSE_BYTES_PER_CALL: usize = 8 * 1024 * 1024;
    /// Redirects one request follows at most (the Fetch standard's limit).
    pub const MAX_REDIRECTS: usize = 20;
    /// Most entries in each of a policy's lists.
    pub const MAX_RULES: usize = 256;
    /// Longest entry.
    pub const MAX_RULE_CHARS: usize = 253;
}

/// `/api/provider/orgs/{org}/egress`: where the org's functions may send requests. Nothing is
/// reachable until the allow-list names it (an org without a policy has empty lists).
///
/// Entries: a host name (`api.github.com`, exactly that host), a domain suffix
/// (`*.slack.com` or `.slack.com`: every host below it, not the domain itself), an address or
/// CIDR range (`203.0.113.7`, `10.20.0.0/16`, `2001:db8::/32`), or `*` (every public address).
/// The deny-list always wins. Loopback, private (RFC 1918), link-local (with the cloud metadata
/// address), CGNAT, multicast, unspecified and broadcast addresses, the IPv6 loopback, ULA and
/// link-local ranges, IPv4-mapped forms of all of these, and the server's own addresses are
/// refused whatever the names say, unless the allow-list holds an address or CIDR inside that
/// range which contains the address (`10.20.0.0/16` opens exactly that part of 10.0.0.0/8).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EgressPolicy {
    /// At most 256 entries of at most 253 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 256, example = json!(["api.github.com", "*.slack.com", "10.20.0.0/16"])))]
    pub allow: Vec<String>,
    /// At most 256 entries of at most 253 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 256, example = json!(["10.20.5.0/24"])))]
    pub deny: Vec<String>,
}

/// One outbound request of a call, as its invocation record shows it. The URL's path and query
/// are left out (they may carry credentials); so are headers and bodies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboundCall {
    pub method: String,
    /// `host` or `host:port` as the URL named it.
    pub host: String,
    /// The answer's status; none when the request was refused or failed.
    pub status: Option<u16>,
    pub duration_ms: f64,
    /// Response body bytes received.
    pub bytes: u64,
    /// Why it was refused (by the egress policy or a limit) or failed, as function code saw it.
    pub error: Option<String>,
}
