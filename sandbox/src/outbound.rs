//! Outbound HTTP for function code (`fetch()`), made by the supervisor on the worker's behalf.
//!
//! A worker process never opens a socket. When function code calls `fetch()`, the worker sends
//! the request to the supervisor as a protocol frame and blocks until the answer frame comes
//! back; the supervisor hands it to the [`Outbound`] the call was started with (the server's
//! egress policy for the function's org), which checks, connects and reads, within the call's
//! deadline. Without an `Outbound`, `fetch()` rejects with a `TypeError` saying so.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// What `fetch()` does with a redirect (the Fetch standard's `RequestRedirect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Redirect {
    /// Follow it (each hop is checked again).
    Follow,
    /// Hand the 3xx response to the function.
    Manual,
    /// Fail with a `TypeError`.
    Error,
}

impl Redirect {
    /// The Fetch standard's names; anything else is `None`.
    pub fn parse(text: &str) -> Option<Redirect> {
        match text {
            "follow" => Some(Redirect::Follow),
            "manual" => Some(Redirect::Manual),
            "error" => Some(Redirect::Error),
            _ => None,
        }
    }
}

/// A request function code made with `fetch()`: an absolute `http:`/`https:` URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundRequest {
    pub method: String,
    pub url: String,
    /// Lower-case names, in order, repeated names kept.
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub redirect: Redirect,
}

/// The answer `fetch()` resolves with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundResponse {
    pub status: u16,
    pub status_text: String,
    /// The URL of the last hop.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A redirect was followed.
    pub redirected: bool,
}

/// Why `fetch()` rejected: the `TypeError` message function code sees, e.g.
/// `fetch to 10.0.0.5 refused: private address (egress policy of org acme)`.
pub type OutboundError = String;

/// The future an [`Outbound`] answers with.
pub type OutboundFuture<'a> = Pin<Box<dyn Future<Output = Result<OutboundResponse, OutboundError>> + Send + 'a>>;

/// Makes one call's outbound requests, in the supervisor. One value serves one call, so it can
/// count the call's requests and bytes and record each of them.
pub trait Outbound: Send + Sync {
    /// Performs `request`, answering by `deadline` (the call's own timeout).
    fn fetch(&self, request: OutboundRequest, deadline: Instant) -> OutboundFuture<'_>;
}

/// The message function code sees when a call has no [`Outbound`].
pub const DISABLED: &str = "fetch() is not available here: outbound network access is disabled";
