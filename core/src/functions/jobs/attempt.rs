//! One attempt of a claimed job: run the call, then record the result and the job's next state
//! together.

use std::sync::atomic::Ordering;
use std::time::Duration;

use api_types::{InvocationStatus, InvocationTrigger, JobStatus};

use super::{AsyncJobs, StoredRequest};
use crate::dates::now_millis;
use crate::functions::calls::{CallError, stored_response};
use crate::functions::events::{NextStep, next_step};
use crate::store::{InvocationRow, JobEnd, JobRow};

impl AsyncJobs {
    /// Runs one attempt of a claimed job and records how it ended.
    pub(super) async fn attempt(&self, job: JobRow) {
        self.running.fetch_add(1, Ordering::AcqRel);
        let id = job.invocation_id.clone();
        tracing::info!(target: "stratus_core::jobs", invocation = %id, attempt = job.attempts,
            replica = %self.owner(), "attempt started");
        let (invocation, failure) = self.run(&job).await;
        let now = now_millis();
        let step = match &failure {
            Some(Permanent(_)) => NextStep::Dead,
            _ => next_step(&self.config.retry, job.attempts, failure.is_none(), now),
        };
        let (status, next_attempt_at) = match step {
            NextStep::Succeeded => (JobStatus::Done, now),
            NextStep::RetryAt(at) => (JobStatus::Queued, at),
            NextStep::Dead => (JobStatus::Dead, now),
        };
        let error = failure.as_ref().map(|f| f.message());
        let end = JobEnd { status, next_attempt_at, last_error: error };
        let store = &self.functions.store;
        let outcome = if failure.is_none() { "succeeded" } else { "failed" };
        match store.finish_job(&id, self.owner(), job.attempts, &end, &invocation, now).await {
            Ok(true) => {
                tracing::info!(target: "stratus_core::jobs", invocation = %id, attempt = job.attempts, outcome,
                    "attempt finished");
                let queue = self.queue();
                let sent = match status {
                    JobStatus::Queued => {
                        queue
                            .publish(&id, Duration::from_millis(u64::try_from(next_attempt_at - now).unwrap_or(0)))
                            .await
                    }
                    JobStatus::Dead => queue.dead_letter(&id).await,
                    _ => Ok(()),
                };
                if let Err(err) = sent {
                    tracing::warn!(%err, %id, "could not queue a job's next step; the sweeper will");
                }
            }
            Ok(false) => tracing::warn!(invocation = %id, attempt = job.attempts,
                "another replica took the job over while it ran: this attempt's result is dropped"),
            Err(err) => tracing::error!(%err, invocation = %id, "could not record a job's attempt; it will run again"),
        }
        self.running.fetch_sub(1, Ordering::AcqRel);
        self.ended.notify_waiters();
    }

    /// Runs the call of `job`; returns its invocation record as it ended and why it failed.
    async fn run(&self, job: &JobRow) -> (InvocationRow, Option<JobFailure>) {
        let functions = &self.functions;
        let mut record = match functions.store.get_invocation(&job.org, &job.invocation_id).await {
            Ok(Some(row)) => row,
            Ok(None) => {
                InvocationRow { invocation_id: job.invocation_id.clone(), org: job.org.clone(), ..Default::default() }
            }
            Err(err) => return (failed_record(job), Some(Retryable(format!("the database failed: {err}")))),
        };
        record.attempts = job.attempts;
        record.started_at = now_millis();
        let decoded = serde_json::from_str::<StoredRequest>(&job.request_json).map(StoredRequest::into_request);
        let Ok(Ok(request)) = decoded else {
            let message = "the stored request is unreadable";
            return (fail(record, "bad_request", message), Some(Permanent(message.into())));
        };
        let limits = match functions.org_limits(&job.org).await {
            Ok(limits) => limits,
            Err(err) => return (fail(record, "internal", &err.to_string()), Some(Retryable(err.to_string()))),
        };
        let mut prepared =
            match functions.prepare(&job.org, limits, &job.route, request, InvocationTrigger::Async).await {
                Ok(prepared) => prepared,
                Err(CallError::NoFunction) => {
                    let message = format!("no function answers on route '{}' any more", job.route);
                    return (fail(record, "no_function", &message), Some(Permanent(message)));
                }
                Err(err) => return (fail(record, "internal", &err.to_string()), Some(Retryable(err.to_string()))),
            };
        prepared.row.invocation_id.clone_from(&job.invocation_id);
        prepared.request.invocation_id.clone_from(&job.invocation_id);
        prepared.row.attempts = job.attempts;
        prepared.row.started_at = record.started_at;
        if let Err(err) = functions.store.mark_job_running(&prepared.row, self.owner()).await {
            tracing::warn!(%err, "could not mark an async invocation running");
        }
        let caps = functions.caps(&prepared.org_limits);
        let _permits = functions.concurrency.acquire(&job.org, &prepared.target.name, caps.0, caps.1).await;
        let (mut row, outcome) = functions.run(prepared).await;
        let failure = match &outcome {
            Ok(outcome) => {
                row.response_json = serde_json::to_string(&stored_response(&outcome.response)).ok();
                (outcome.response.status >= 500)
                    .then(|| Retryable(format!("the function answered HTTP {}", outcome.response.status)))
            }
            Err(err) => Some(Retryable(row.error_message.clone().unwrap_or_else(|| err.to_string()))),
        };
        (row, failure)
    }
}

/// Why an attempt failed.
enum JobFailure {
    /// Worth another attempt.
    Retryable(String),
    /// No attempt can succeed (the function is gone): dead at once.
    Permanent(String),
}
use JobFailure::{Permanent, Retryable};

impl JobFailure {
    fn message(&self) -> &str {
        match self {
            Retryable(m) | Permanent(m) => m,
        }
    }
}

fn failed_record(job: &JobRow) -> InvocationRow {
    InvocationRow {
        invocation_id: job.invocation_id.clone(),
        org: job.org.clone(),
        status: InvocationStatus::Failed,
        attempts: job.attempts,
        started_at: now_millis(),
        ..Default::default()
    }
}

fn fail(mut record: InvocationRow, code: &str, message: &str) -> InvocationRow {
    record.status = InvocationStatus::Failed;
    record.error_code = Some(code.to_owned());
    record.error_message = Some(message.to_owned());
    record
}
