//! HTTP clients for outbound requests, reused: building one loads the system's TLS roots (tens
//! of milliseconds), and a reused client keeps its connections alive between calls. A client is
//! keyed by the host name and the checked addresses it is pinned to, and picked only after the
//! policy check, so reuse never skips a check or reaches an address that was not checked.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

/// Clients kept at most; the cache starts over when it is full.
const MAX_CLIENTS: usize = 256;

type Key = (String, Vec<SocketAddr>);

#[derive(Default)]
pub(super) struct Clients {
    /// The TLS setup every client shares (system roots, loaded once).
    tls: Option<native_tls::TlsConnector>,
    cache: Mutex<HashMap<Key, reqwest::Client>>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clients").finish_non_exhaustive()
    }
}

impl Clients {
    pub(super) fn new() -> Clients {
        // Without a TLS setup of its own (unlikely), each client builds the default one.
        Clients { tls: native_tls::TlsConnector::new().ok(), cache: Mutex::default() }
    }

    /// The client for `host` (a name pinned to `pinned`, or an address literal with none).
    pub(super) fn get(&self, host: &str, pinned: &[SocketAddr]) -> Result<reqwest::Client, reqwest::Error> {
        let key = (host.to_owned(), pinned.to_vec());
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = cache.get(&key) {
            return Ok(client.clone());
        }
        let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy();
        if let Some(tls) = &self.tls {
            builder = builder.use_preconfigured_tls(tls.clone());
        }
        if !pinned.is_empty() {
            builder = builder.resolve_to_addrs(host, pinned);
        }
        let client = builder.build()?;
        if cache.len() >= MAX_CLIENTS {
            cache.clear();
        }
        cache.insert(key, client.clone());
        Ok(client)
    }
}
