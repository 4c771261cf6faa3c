//! Calling functions: synchronously from the gateway, asynchronously with a result to poll.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_types::{
    InvocationAccepted, InvocationResult, InvocationStatus, InvocationTrigger, OrgLimits, OutboundCall, StoredResponse,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sandbox::{HttpRequest, HttpResponse, InvokeError, LogLine};

use super::convert::invocation_dto;
use super::lookup::Target;
use super::service::{FunctionError, Functions, call_limits};
use crate::dates::now_millis;
use crate::egress::Policy;
use crate::store::InvocationRow;

/// Bytes of log kept with each invocation.
const LOG_TAIL_BYTES: usize = 4096;

/// An HTTP request for a function, as the gateway received it.
#[derive(Debug, Clone, Default)]
pub struct GatewayRequest {
    pub method: String,
    /// The part of the path below the function's route, starting with `/`.
    pub path: String,
    pub query: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The run of a queued call; see [`Functions::queue_call`].
pub(super) type QueuedRun = std::pin::Pin<Box<dyn Future<Output = Result<CallOutcome, CallError>> + Send>>;

/// A finished call.
#[derive(Debug)]
pub struct CallOutcome {
    pub invocation_id: String,
    pub response: HttpResponse,
    pub duration: Duration,
    pub cold_start: bool,
    pub timings: CallTimings,
}

/// Where a call's time went (the gateway sends them as `Server-Timing`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallTimings {
    /// Finding the function and its settings, and taking the concurrency permits.
    pub lookup: Duration,
    /// Waiting for an idle worker.
    pub queue: Duration,
    /// The hop to the worker and back: handing the call to the pool's task, encoding, the pipe
    /// both ways, the wake-ups and decoding (the pool's time less `queue` and `engine`).
    pub pipe: Duration,
    /// The function's run in the engine.
    pub engine: Duration,
}

/// Why a call produced no function response.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("no function answers on this route")]
    NoFunction,
    #[error("function '{0}' has no ready version yet")]
    NotReady(String),
    #[error("too many calls of this function or org are running; retry shortly")]
    TooManyCalls { invocation_id: String },
    #[error("the function failed")]
    Sandbox { invocation_id: String, error: InvokeError },
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// Why a sandbox call gave no usable response. The HTTP layer picks the gateway's status for
/// each; the invocation record keeps the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Timeout,
    MemoryExceeded,
    /// The function threw, or overflowed its stack.
    Exception,
    ResponseTooLarge,
    BadResponse,
    WorkerCrashed,
    NoWorker,
    Internal,
}

impl Failure {
    /// The failure's kind, the stable error code and the message for a sandbox error.
    pub fn of(error: &InvokeError) -> (Self, String) {
        match error {
            InvokeError::Timeout => (Self::Timeout, "the function ran past its timeout".into()),
            InvokeError::MemoryExceeded => (Self::MemoryExceeded, "the function ran out of memory".into()),
            InvokeError::StackOverflow => (Self::Exception, "RangeError: Maximum call stack size exceeded".into()),
            InvokeError::Exception { message, .. } => (Self::Exception, message.clone()),
            InvokeError::ResponseTooLarge => {
                (Self::ResponseTooLarge, "the function's response is over the size limit".into())
            }
            InvokeError::BadResponse(why) => (Self::BadResponse, format!("the function's response is unusable: {why}")),
            InvokeError::WorkerCrashed(why) => (Self::WorkerCrashed, format!("the function's worker died: {why}")),
            InvokeError::NoWorker => (Self::NoWorker, "no sandbox worker is free; retry shortly".into()),
            InvokeError::Internal(why) => (Self::Internal, format!("sandbox failure: {why}")),
        }
    }

    /// The error code clients and invocation records see.
    pub fn code(self) -> &'static str {
        match self {
            Self::Timeout => "function_timeout",
            Self::MemoryExceeded => "memory_exceeded",
            Self::Exception => "function_error",
            Self::ResponseTooLarge => "response_too_large",
            Self::BadResponse => "bad_function_response",
            Self::WorkerCrashed => "function_crashed",
            Self::NoWorker => "no_worker_available",
            Self::Internal => "internal",
        }
    }

    /// The failure an invocation record's error code names.
    pub fn from_code(code: &str) -> Option<Self> {
        ALL_FAILURES.into_iter().find(|f| f.code() == code)
    }
}

const ALL_FAILURES: [Failure; 8] = [
    Failure::Timeout,
    Failure::MemoryExceeded,
    Failure::Exception,
    Failure::ResponseTooLarge,
    Failure::BadResponse,
    Failure::WorkerCrashed,
    Failure::NoWorker,
    Failure::Internal,
];

/// How a call ended, as the functions service reports it to [`CallObserver`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEnd {
    /// The function answered with this HTTP status.
    Answered(u16),
    Failed(Failure),
    /// Refused over a concurrency cap before it ran.
    Refused,
}

/// Receives every finished call (the HTTP layer exports them as Prometheus metrics).
pub trait CallObserver: Send + Sync {
    fn call_finished(&self, org: &str, function: &str, end: CallEnd, seconds: f64, cold_start: bool);
    /// The requests a finished call made with `fetch()`.
    fn outbound_finished(&self, _org: &str, _calls: &[OutboundCall]) {}
}

fn log_tail(logs: &[LogLine]) -> String {
    let mut text = String::new();
    for line in logs {
        text.push_str(&line.level);
        text.push_str(": ");
        text.push_str(&line.message);
        text.push('\n');
    }
    tail(text)
}

/// The last [`LOG_TAIL_BYTES`] of `text`, cut at a character boundary.
fn tail(text: String) -> String {
    if text.len() <= LOG_TAIL_BYTES {
        return text;
    }
    let mut start = text.len() - LOG_TAIL_BYTES;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_owned()
}

pub(super) fn stored_response(response: &HttpResponse) -> StoredResponse {
    let headers: BTreeMap<String, String> = response.headers.iter().cloned().collect();
    match std::str::from_utf8(&response.body) {
        Ok(text) => StoredResponse { status: response.status, headers, body: text.to_owned(), body_base64: false },
        Err(_) => StoredResponse {
            status: response.status,
            headers,
            body: STANDARD.encode(&response.body),
            body_base64: true,
        },
    }
}

pub(super) struct Prepared {
    pub target: Arc<Target>,
    pub spec: Arc<sandbox::LoadSpec>,
    pub request: HttpRequest,
    pub limits: sandbox::Limits,
    pub org_limits: OrgLimits,
    /// The org's egress policy as the call started.
    pub egress: Arc<Policy>,
    pub row: InvocationRow,
}

impl Functions {
    /// This replica's share of the org's caps: calls running at once in the org, and of one
    /// function.
    pub(super) fn caps(&self, limits: &OrgLimits) -> (u32, u32) {
        (self.cluster.share(limits.max_concurrency), self.cluster.share(limits.max_function_concurrency))
    }

    pub(super) async fn prepare(
        &self,
        org: &str,
        org_limits: OrgLimits,
        route: &str,
        request: GatewayRequest,
        trigger: InvocationTrigger,
    ) -> Result<Prepared, CallError> {
        let target = self.target(org, route).await?.ok_or(CallError::NoFunction)?;
        // The caller just found the org, so its settings are cached.
        let egress = self.existing_org(org).await?.map(|entry| entry.egress).unwrap_or_default();
        let spec = target.spec.clone().ok_or_else(|| CallError::NotReady(target.name.clone()))?;
        let invocation_id = crate::ids::new_call_id("inv");
        let row = InvocationRow {
            invocation_id: invocation_id.clone(),
            org: org.to_owned(),
            function_name: target.name.clone(),
            version: spec.key.version,
            trigger_kind: trigger,
            status: InvocationStatus::Running,
            started_at: now_millis(),
            attempts: 1,
            ..InvocationRow::default()
        };
        let request = HttpRequest {
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
            invocation_id,
            function_name: target.name.clone(),
            function_version: spec.key.version,
            org: org.to_owned(),
            lambda_v1: target.lambda_v1,
        };
        let limits = call_limits(target.memory_mb, target.timeout_ms, &org_limits);
        Ok(Prepared { target, spec, request, limits, org_limits, egress, row })
    }

    /// Runs the call in a worker and fills in its record.
    pub(super) async fn run(&self, prepared: Prepared) -> (InvocationRow, Result<CallOutcome, CallError>) {
        let Prepared { target, spec, request, limits, egress, mut row, .. } = prepared;
        let started = Instant::now();
        let outbound = Arc::new(self.egress.call(&row.org, egress));
        let sandbox::CallOutcome { result, cold_start, failed_logs, queued } =
            self.pool.invoke_detailed(&spec, request, limits, Some(outbound.clone())).await;
        let elapsed = started.elapsed();
        let fetched = outbound.take_calls();
        if !fetched.is_empty() {
            self.observer.outbound_finished(&row.org, &fetched);
            row.outbound_json = serde_json::to_string(&fetched).ok();
        }
        row.duration_us = Some(i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX));
        let org = row.org.clone();
        let outcome = match result {
            Ok(invocation) => {
                row.status = InvocationStatus::Succeeded;
                row.http_status = Some(i64::from(invocation.response.status));
                row.memory_used = i64::try_from(invocation.memory_used).ok();
                row.cold_start = cold_start;
                row.log_tail = log_tail(&invocation.logs);
                let end = CallEnd::Answered(invocation.response.status);
                self.observer.call_finished(&org, &target.name, end, elapsed.as_secs_f64(), cold_start);
                let engine = invocation.duration.min(elapsed.saturating_sub(queued));
                Ok(CallOutcome {
                    invocation_id: row.invocation_id.clone(),
                    response: invocation.response,
                    duration: elapsed,
                    cold_start,
                    timings: CallTimings {
                        lookup: Duration::ZERO,
                        queue: queued,
                        pipe: elapsed.saturating_sub(queued + engine),
                        engine,
                    },
                })
            }
            Err(error) => {
                let (failure, message) = Failure::of(&error);
                row.status = InvocationStatus::Failed;
                row.error_code = Some(failure.code().into());
                row.error_message = Some(message);
                row.cold_start = cold_start;
                row.log_tail = log_tail(&failed_logs);
                if let InvokeError::Exception { stack: Some(stack), .. } = &error {
                    row.log_tail.push_str(stack);
                    row.log_tail = tail(row.log_tail.clone());
                }
                let end = CallEnd::Failed(failure);
                self.observer.call_finished(&org, &target.name, end, elapsed.as_secs_f64(), cold_start);
                Err(CallError::Sandbox { invocation_id: row.invocation_id.clone(), error })
            }
        };
        (row, outcome)
    }

    /// Calls the function on `route` and waits for its answer. Over the concurrency caps the
    /// call is refused at once. `limits` are the org's, as the caller found the org
    /// ([`Functions::existing_org_limits`]): the call does not read them again.
    pub async fn call(
        &self,
        org: &str,
        limits: OrgLimits,
        route: &str,
        request: GatewayRequest,
    ) -> Result<CallOutcome, CallError> {
        let started = Instant::now();
        let prepared = self.prepare(org, limits, route, request, InvocationTrigger::Http).await?;
        let caps = self.caps(&prepared.org_limits);
        let Some(_permits) = self.concurrency.try_acquire(org, &prepared.target.name, caps.0, caps.1) else {
            let invocation_id = prepared.row.invocation_id.clone();
            self.observer.call_finished(org, &prepared.target.name, CallEnd::Refused, 0.0, false);
            return Err(CallError::TooManyCalls { invocation_id });
        };
        let lookup = started.elapsed();
        let (row, mut outcome) = self.run(prepared).await;
        self.recorder.record(row);
        if let Ok(outcome) = &mut outcome {
            outcome.timings.lookup = lookup;
        }
        outcome
    }

    /// Records a pending invocation and returns it with the run that performs it: the caller
    /// awaits or spawns the run, which stores the outcome in the invocation and also returns it
    /// (event deliveries retry on failure).
    pub(super) async fn queue_call(
        self: &Arc<Self>,
        org: &str,
        limits: OrgLimits,
        route: &str,
        request: GatewayRequest,
        trigger: InvocationTrigger,
    ) -> Result<(InvocationAccepted, QueuedRun), CallError> {
        let mut prepared = self.prepare(org, limits, route, request, trigger).await?;
        prepared.row.status = InvocationStatus::Pending;
        self.store.save_invocations(std::slice::from_ref(&prepared.row)).await?;
        let accepted = InvocationAccepted {
            id: prepared.row.invocation_id.clone(),
            status: InvocationStatus::Pending,
            location: format!("/api/org/{org}/invocations/{}", prepared.row.invocation_id),
        };
        let this = Arc::clone(self);
        let org = org.to_owned();
        let run = async move {
            let caps = this.caps(&prepared.org_limits);
            let _permits = this.concurrency.acquire(&org, &prepared.target.name, caps.0, caps.1).await;
            prepared.row.status = InvocationStatus::Running;
            prepared.row.started_at = now_millis();
            if let Err(err) = this.store.save_invocations(std::slice::from_ref(&prepared.row)).await {
                tracing::warn!(%err, "could not mark an async invocation running");
            }
            let (mut row, outcome) = this.run(prepared).await;
            if let Ok(outcome) = &outcome {
                row.response_json = serde_json::to_string(&stored_response(&outcome.response)).ok();
            }
            if let Err(err) = this.store.save_invocations(std::slice::from_ref(&row)).await {
                tracing::error!(%err, id = %row.invocation_id, "could not store an async invocation's result");
            }
            outcome
        };
        Ok((accepted, Box::pin(run)))
    }

    /// The newest invocations of a function.
    pub async fn invocations(&self, org: &str, name: &str, limit: i64) -> Result<Vec<InvocationResult>, FunctionError> {
        if self.store.get_function(org, name).await?.is_none() {
            return Err(FunctionError::NotFound(format!("function '{name}' not found")));
        }
        self.recorder.flush().await;
        let rows = self.store.list_invocations(org, name, limit).await?;
        Ok(rows.iter().map(invocation_dto).collect())
    }

    /// One invocation of the org's.
    pub async fn invocation(&self, org: &str, id: &str) -> Result<InvocationResult, FunctionError> {
        if let Some(row) = self.store.get_invocation(org, id).await? {
            return Ok(invocation_dto(&row));
        }
        self.recorder.flush().await;
        let row = self.store.get_invocation(org, id).await?;
        row.map(|r| invocation_dto(&r)).ok_or_else(|| FunctionError::NotFound(format!("invocation '{id}' not found")))
    }
}
