//! One call's outbound requests, made in the server process under the org's [`Policy`].
//!
//! For each hop: the host name is checked against the deny- and allow-lists, resolved, and every
//! address it resolves to is checked ([`Policy::check_address`]); the connection is then made
//! to the checked addresses only (reqwest's resolver override), so a second, different DNS
//! answer cannot slip in between the check and the connection. Redirects are followed by hand,
//! each hop checked again. The call's request count, response bytes and deadline bound it all.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use api_types::{OutboundCall, egress_limits};
use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use sandbox::{Outbound, OutboundFuture, OutboundRequest, OutboundResponse, Redirect};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Policy;
use super::clients::Clients;

/// What every call's outbound requests share in this server: its own addresses (refused as
/// destinations) and the response bytes all calls may hold at once.
#[derive(Debug, Clone)]
pub struct Egress {
    local: LocalAddresses,
    /// One permit per KiB of response body that calls hold (until they end).
    budget: Arc<Semaphore>,
    clients: Arc<Clients>,
}

/// Response bytes all calls of one server may hold at once: fetched bodies stay in memory until
/// their call ends, so this bounds what many abusive calls together can make the server keep.
pub const SERVER_RESPONSE_BYTES: usize = 256 * 1024 * 1024;

impl Egress {
    /// This machine's addresses and the default budget.
    pub fn discover() -> Egress {
        Egress::new(LocalAddresses::discover(), SERVER_RESPONSE_BYTES)
    }

    pub fn new(local: LocalAddresses, budget_bytes: usize) -> Egress {
        Egress { local, budget: Arc::new(Semaphore::new(budget_bytes / 1024)), clients: Arc::new(Clients::new()) }
    }

    /// The outbound of one call of `org`'s, under `policy`.
    pub fn call(&self, org: &str, policy: Arc<Policy>) -> CallOutbound {
        CallOutbound { org: org.to_owned(), policy, egress: self.clone(), used: Mutex::new(Used::default()) }
    }
}

/// The server's own addresses (its interfaces'), refused as destinations. Read once.
#[derive(Debug, Clone, Default)]
pub struct LocalAddresses(Arc<[IpAddr]>);

impl LocalAddresses {
    /// The addresses of this machine's interfaces (none when they cannot be read).
    pub fn discover() -> LocalAddresses {
        let addresses: Vec<IpAddr> = match nix::ifaddrs::getifaddrs() {
            Ok(interfaces) => interfaces
                .filter_map(|i| i.address)
                .filter_map(|a| {
                    a.as_sockaddr_in()
                        .map(|v4| IpAddr::V4(v4.ip()))
                        .or_else(|| a.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip())))
                })
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "cannot list the network interfaces: only the usual ranges are refused");
                Vec::new()
            }
        };
        LocalAddresses(addresses.into())
    }
}

/// Request headers function code may not set: the connection's own.
const HOP_BY_HOP: [&str; 9] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "proxy-connection",
];

/// What one call has used so far.
#[derive(Default)]
struct Used {
    requests: usize,
    bytes: usize,
    calls: Vec<OutboundCall>,
    /// Its share of the server's response budget, given back when the call ends.
    held: Option<OwnedSemaphorePermit>,
}

/// Makes one call's `fetch()`es (a [`sandbox::Outbound`]) and keeps their record.
pub struct CallOutbound {
    org: String,
    policy: Arc<Policy>,
    egress: Egress,
    used: Mutex<Used>,
}

/// A hop's answer before it becomes a response.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl CallOutbound {
    /// The record of every request made so far, in order.
    pub fn take_calls(&self) -> Vec<OutboundCall> {
        std::mem::take(&mut self.used().calls)
    }

    fn used(&self) -> std::sync::MutexGuard<'_, Used> {
        self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn refused(&self, target: &str, why: impl std::fmt::Display) -> String {
        format!("fetch to {target} refused: {why} (egress policy of org {})", self.org)
    }

    async fn perform(&self, request: OutboundRequest, deadline: Instant) -> Result<OutboundResponse, String> {
        let OutboundRequest { mut method, url, mut headers, mut body, redirect } = request;
        let mut url = Url::parse(&url).map_err(|e| format!("fetch to {url} failed: invalid URL ({e})"))?;
        headers.retain(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()) && !name.starts_with("proxy-"));
        let mut redirected = false;
        for hop in 0..=egress_limits::MAX_REDIRECTS {
            let target = authority(&url);
            let started = Instant::now();
            let answer = self.hop(&target, &url, &method, &headers, body.clone(), deadline).await;
            let mut record = OutboundCall {
                method: method.clone(),
                host: target.clone(),
                status: None,
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
                bytes: 0,
                error: None,
            };
            let answer = match answer {
                Ok(answer) => answer,
                Err(message) => {
                    record.error = Some(message.clone());
                    self.used().calls.push(record);
                    return Err(message);
                }
            };
            record.status = Some(answer.status);
            record.bytes = answer.body.len() as u64;
            self.used().calls.push(record);
            let location = answer.headers.iter().find(|(n, _)| n == "location").map(|(_, v)| v.clone());
            let next = match (is_redirect(answer.status), location, redirect) {
                (true, Some(location), Redirect::Follow) => location,
                (true, Some(_), Redirect::Error) => {
                    return Err(format!("fetch to {target} failed: redirected, and the redirect mode is 'error'"));
                }
                _ => {
                    let status_text = reqwest::StatusCode::from_u16(answer.status)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or_default()
                        .to_owned();
                    return Ok(OutboundResponse {
                        status: answer.status,
                        status_text,
                        url: url.to_string(),
                        headers: answer.headers,
                        body: answer.body,
                        redirected,
                    });
                }
            };
            if hop == egress_limits::MAX_REDIRECTS {
                break;
            }
            let from = url.origin();
            url = url.join(&next).map_err(|e| format!("fetch to {target} failed: bad redirect location ({e})"))?;
            if url.origin() != from {
                // As the Fetch standard does: credentials do not follow to another origin.
                headers.retain(|(name, _)| name != "authorization" && name != "cookie");
            }
            if answer.status == 303 && method != "HEAD" || matches!(answer.status, 301 | 302) && method == "POST" {
                method = "GET".to_owned();
                body = None;
                headers.retain(|(name, _)| !name.starts_with("content-"));
            }
            redirected = true;
        }
        Err(format!("fetch to {} failed: more than {} redirects", authority(&url), egress_limits::MAX_REDIRECTS))
    }

    /// One request to `url`, checked, pinned to the checked addresses and bounded.
    async fn hop(
        &self,
        target: &str,
        url: &Url,
        method: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        deadline: Instant,
    ) -> Result<Answer, String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("fetch to {url} refused: only http: and https: URLs can be fetched"));
        }
        {
            let mut used = self.used();
            if used.requests >= egress_limits::MAX_REQUESTS_PER_CALL {
                return Err(format!(
                    "fetch to {target} refused: a call may make at most {} requests",
                    egress_limits::MAX_REQUESTS_PER_CALL
                ));
            }
            used.requests += 1;
        }
        let out_of_time = || format!("fetch to {target} failed: the call's time ran out");
        let port = url.port_or_known_default().unwrap_or(443);
        let mut pinned = Vec::new();
        match url.host() {
            Some(url::Host::Domain(name)) => {
                let name = name.to_ascii_lowercase();
                let name = name.trim_end_matches('.');
                let named = self.policy.check_name(name).map_err(|why| self.refused(target, why))?;
                let lookup = tokio::net::lookup_host((name, port));
                let resolved = tokio::time::timeout_at(deadline.into(), lookup)
                    .await
                    .map_err(|_| out_of_time())?
                    .map_err(|e| format!("fetch to {target} failed: cannot resolve {name} ({e})"))?;
                let mut checked: Vec<SocketAddr> = Vec::new();
                let mut refusal = None;
                for address in resolved {
                    match self.policy.check_address(address.ip(), named, &self.egress.local.0) {
                        Ok(()) => checked.push(address),
                        Err(why) => {
                            refusal.get_or_insert((address.ip(), why));
                        }
                    }
                }
                if checked.is_empty() {
                    let Some((ip, why)) = refusal else {
                        return Err(format!("fetch to {target} failed: {name} has no address"));
                    };
                    return Err(
                        self.refused(target, format_args!("it resolves to {ip}, {}", article(&why.to_string())))
                    );
                }
                pinned = checked;
            }
            Some(url::Host::Ipv4(ip)) => self.check_literal(target, IpAddr::V4(ip))?,
            Some(url::Host::Ipv6(ip)) => self.check_literal(target, IpAddr::V6(ip))?,
            None => return Err(format!("fetch to {url} failed: the URL has no host")),
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let client = self.egress.clients.get(host.trim_end_matches('.'), &pinned);
        let client = client.map_err(|e| format!("fetch to {target} failed: {e}"))?;
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| format!("fetch to {target} failed: invalid method '{method}'"))?;
        let mut request = client.request(method, url.clone());
        let mut has_agent = false;
        for (name, value) in headers {
            let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) else {
                return Err(format!("fetch to {target} failed: invalid header '{name}'"));
            };
            has_agent |= name == reqwest::header::USER_AGENT;
            request = request.header(name, value);
        }
        if !has_agent {
            request = request.header(reqwest::header::USER_AGENT, "Stratus-Function/1");
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let failed = |e: reqwest::Error| format!("fetch to {target} failed: {}", without_url(&e));
        let mut response = tokio::time::timeout_at(deadline.into(), request.send())
            .await
            .map_err(|_| out_of_time())?
            .map_err(failed)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let mut body = Vec::new();
        loop {
            let chunk = tokio::time::timeout_at(deadline.into(), response.chunk()).await.map_err(|_| out_of_time())?;
            let Some(chunk) = chunk.map_err(failed)? else { break };
            let mut used = self.used();
            if used.bytes + chunk.len() > egress_limits::MAX_RESPONSE_BYTES_PER_CALL {
                return Err(format!(
                    "fetch to {target} failed: a call may receive at most {} bytes of responses",
                    egress_limits::MAX_RESPONSE_BYTES_PER_CALL
                ));
            }
            let kib = u32::try_from(chunk.len().div_ceil(1024)).unwrap_or(u32::MAX);
            let Ok(more) = Arc::clone(&self.egress.budget).try_acquire_many_owned(kib) else {
                return Err(format!(
                    "fetch to {target} failed: the server holds too many function responses right now; try again later"
                ));
            };
            match &mut used.held {
                Some(held) => held.merge(more),
                None => used.held = Some(more),
            }
            used.bytes += chunk.len();
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status, headers, body })
    }

    fn check_literal(&self, target: &str, ip: IpAddr) -> Result<(), String> {
        self.policy.check_address(ip, false, &self.egress.local.0).map_err(|why| self.refused(target, why))
    }
}

impl Outbound for CallOutbound {
    fn fetch(&self, request: OutboundRequest, deadline: Instant) -> OutboundFuture<'_> {
        Box::pin(self.perform(request, deadline))
    }
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// `host` or `host:port` (the port only when the URL names one).
fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// "a private address", "an IETF …".
fn article(what: &str) -> String {
    let vowel = what.starts_with(['a', 'e', 'i', 'o', 'u', 'I', 'E', 'U']);
    format!("{} {what}", if vowel { "an" } else { "a" })
}

/// A reqwest error without the URL it carries (its query may hold credentials).
fn without_url(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = String::new();
    let mut source = error.source();
    while let Some(cause) = source {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.is_empty() { "the request failed".to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// A server on 127.0.0.1 answering every request with `size` bytes.
    async fn server(size: usize) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = [0u8; 4096];
                    let _ = stream.read(&mut request).await;
                    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {size}\r\nconnection: close\r\n\r\n");
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&vec![b'x'; size]).await;
                });
            }
        });
        url
    }

    fn get(url: &str) -> OutboundRequest {
        OutboundRequest {
            method: "GET".into(),
            url: url.into(),
            headers: vec![],
            body: None,
            redirect: Redirect::Follow,
        }
    }

    #[tokio::test]
    async fn calls_share_the_servers_response_budget_until_they_end() {
        let url = server(300 * 1024).await;
        let allow = api_types::EgressPolicy { allow: vec!["127.0.0.1".into()], deny: vec![] };
        let policy = Arc::new(Policy::parse(&allow).unwrap());
        let egress = Egress::new(LocalAddresses::default(), 512 * 1024);
        let deadline = Instant::now() + Duration::from_secs(10);
        let first = egress.call("acme", Arc::clone(&policy));
        assert_eq!(first.fetch(get(&url), deadline).await.unwrap().body.len(), 300 * 1024);
        let second = egress.call("acme", Arc::clone(&policy));
        let error = second.fetch(get(&url), deadline).await.unwrap_err();
        assert!(error.contains("the server holds too many function responses right now"), "{error}");
        drop((first, second));
        let third = egress.call("acme", policy);
        assert_eq!(third.fetch(get(&url), deadline).await.unwrap().status, 200, "the calls' shares came back");
    }
}
