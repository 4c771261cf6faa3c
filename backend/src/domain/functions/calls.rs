//! Calling functions: synchronously from the gateway, asynchronously with a result to poll.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use api_types::{InvocationAccepted, InvocationResult, StoredResponse};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use sandbox::{HttpRequest, HttpResponse, InvokeError, LogLine};

use super::convert::invocation_dto;
use super::service::{FunctionError, Functions, Target, call_limits};
use crate::domain::dates::now_millis;
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
    pub duration: std::time::Duration,
    pub cold_start: bool,
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

/// The gateway's HTTP status, error code and message for a sandbox error.
pub fn error_status(error: &InvokeError) -> (u16, &'static str, String) {
    match error {
        InvokeError::Timeout => (504, "function_timeout", "the function ran past its timeout".into()),
        InvokeError::MemoryExceeded => (500, "memory_exceeded", "the function ran out of memory".into()),
        InvokeError::StackOverflow => (500, "function_error", "RangeError: Maximum call stack size exceeded".into()),
        InvokeError::Exception { message, .. } => (500, "function_error", message.clone()),
        InvokeError::ResponseTooLarge => {
            (502, "response_too_large", "the function's response is over the size limit".into())
        }
        InvokeError::BadResponse(why) => {
            (502, "bad_function_response", format!("the function's response is unusable: {why}"))
        }
        InvokeError::WorkerCrashed(why) => (500, "function_crashed", format!("the function's worker died: {why}")),
        InvokeError::NoWorker => (503, "no_worker_available", "no sandbox worker is free; retry shortly".into()),
        InvokeError::Internal(why) => (500, "internal", format!("sandbox failure: {why}")),
    }
}

fn new_invocation_id() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    format!("inv_{}", hex::encode(bytes))
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

fn stored_response(response: &HttpResponse) -> StoredResponse {
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

struct Prepared {
    target: Arc<Target>,
    spec: Arc<sandbox::LoadSpec>,
    request: HttpRequest,
    limits: sandbox::Limits,
    org_limits: api_types::OrgLimits,
    row: InvocationRow,
}

impl Functions {
    async fn prepare(
        &self,
        org: &str,
        route: &str,
        request: GatewayRequest,
        trigger: &str,
    ) -> Result<Prepared, CallError> {
        let target = self.target(org, route).await?.ok_or(CallError::NoFunction)?;
        let spec = target.spec.clone().ok_or_else(|| CallError::NotReady(target.name.clone()))?;
        let org_limits = self.org_limits(org).await?;
        let invocation_id = new_invocation_id();
        let row = InvocationRow {
            invocation_id: invocation_id.clone(),
            org: org.to_owned(),
            function_name: target.name.clone(),
            version: spec.key.version,
            trigger_kind: trigger.to_owned(),
            status: "running".into(),
            started_at: now_millis(),
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
        };
        let limits = call_limits(target.memory_mb, target.timeout_ms, &org_limits);
        Ok(Prepared { target, spec, request, limits, org_limits, row })
    }

    /// Runs the call in a worker and fills in its record.
    async fn run(&self, prepared: Prepared) -> (InvocationRow, Result<CallOutcome, CallError>) {
        let Prepared { target, spec, request, limits, mut row, .. } = prepared;
        let started = Instant::now();
        let sandbox::CallOutcome { result, cold_start, failed_logs } =
            self.pool.invoke_detailed(&spec, request, limits).await;
        let elapsed = started.elapsed();
        row.duration_us = Some(i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX));
        let org = row.org.clone();
        let outcome = match result {
            Ok(invocation) => {
                row.status = "succeeded".into();
                row.http_status = Some(i64::from(invocation.response.status));
                row.memory_used = i64::try_from(invocation.memory_used).ok();
                row.cold_start = cold_start;
                row.log_tail = log_tail(&invocation.logs);
                self.metrics.record_call(
                    &org,
                    &target.name,
                    invocation.response.status,
                    elapsed.as_secs_f64(),
                    cold_start,
                );
                Ok(CallOutcome {
                    invocation_id: row.invocation_id.clone(),
                    response: invocation.response,
                    duration: elapsed,
                    cold_start,
                })
            }
            Err(error) => {
                let (status, code, message) = error_status(&error);
                row.status = "failed".into();
                row.http_status = Some(i64::from(status));
                row.error_code = Some(code.into());
                row.error_message = Some(message);
                row.cold_start = cold_start;
                row.log_tail = log_tail(&failed_logs);
                if let InvokeError::Exception { stack: Some(stack), .. } = &error {
                    row.log_tail.push_str(stack);
                    row.log_tail = tail(row.log_tail.clone());
                }
                self.metrics.record_call(&org, &target.name, status, elapsed.as_secs_f64(), cold_start);
                Err(CallError::Sandbox { invocation_id: row.invocation_id.clone(), error })
            }
        };
        (row, outcome)
    }

    /// Calls the function on `route` and waits for its answer. Over the concurrency caps the
    /// call is refused at once.
    pub async fn call(&self, org: &str, route: &str, request: GatewayRequest) -> Result<CallOutcome, CallError> {
        let prepared = self.prepare(org, route, request, "http").await?;
        let caps = (prepared.org_limits.max_concurrency, prepared.org_limits.max_function_concurrency);
        let Some(_permits) = self.concurrency.try_acquire(org, &prepared.target.name, caps.0, caps.1) else {
            let invocation_id = prepared.row.invocation_id.clone();
            self.metrics.record_call(org, &prepared.target.name, 429, 0.0, false);
            return Err(CallError::TooManyCalls { invocation_id });
        };
        let (row, outcome) = self.run(prepared).await;
        self.recorder.record(row);
        outcome
    }

    /// Accepts a call, runs it in the background and returns where to poll for the result.
    pub async fn call_async(
        self: &Arc<Self>,
        org: &str,
        route: &str,
        request: GatewayRequest,
        trigger: &str,
    ) -> Result<InvocationAccepted, CallError> {
        let (accepted, run) = self.queue_call(org, route, request, trigger).await?;
        tokio::spawn(run);
        Ok(accepted)
    }

    /// Records a pending invocation and returns it with the run that performs it: the caller
    /// awaits or spawns the run, which stores the outcome in the invocation and also returns it
    /// (event deliveries retry on failure).
    pub(super) async fn queue_call(
        self: &Arc<Self>,
        org: &str,
        route: &str,
        request: GatewayRequest,
        trigger: &str,
    ) -> Result<(InvocationAccepted, QueuedRun), CallError> {
        let mut prepared = self.prepare(org, route, request, trigger).await?;
        prepared.row.status = "pending".into();
        self.store.save_invocations(std::slice::from_ref(&prepared.row)).await?;
        let accepted = InvocationAccepted {
            id: prepared.row.invocation_id.clone(),
            status: "pending".into(),
            location: format!("/api/org/{org}/invocations/{}", prepared.row.invocation_id),
        };
        let this = Arc::clone(self);
        let org = org.to_owned();
        let run = async move {
            let caps = (prepared.org_limits.max_concurrency, prepared.org_limits.max_function_concurrency);
            let _permits = this.concurrency.acquire(&org, &prepared.target.name, caps.0, caps.1).await;
            prepared.row.status = "running".into();
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
