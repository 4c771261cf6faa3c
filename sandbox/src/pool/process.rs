//! One worker process as the supervisor sees it: starting it, one request/answer round trip,
//! explaining its death and killing it.

use std::io;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;

use super::{WorkerCommand, lock};
use crate::engine::InvokeError;
use crate::outbound::{DISABLED, Outbound};
use crate::protocol::{self, FromWorker, ToWorker};

/// Keeps at most this much of a worker's stderr for crash reports.
const STDERR_TAIL: usize = 4096;
/// How long a new worker may take to start and report ready.
const SPAWN_TIMEOUT: Duration = Duration::from_secs(10);
/// A read buffer grown past this by a large answer is given back afterwards.
const KEEP_BUFFER: usize = 1024 * 1024;

pub(super) struct Process {
    pub(super) child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr_tail: Arc<Mutex<String>>,
    stderr_task: Option<JoinHandle<()>>,
    buf: Vec<u8>,
}

/// Why a round trip failed.
pub(super) enum TripError {
    /// Writing the request failed: the worker was gone before the call started.
    Write(io::Error),
    Read(io::Error),
}

impl Process {
    /// Starts a worker with a cleared environment and waits until it has applied its limits.
    pub(super) async fn spawn(command: &WorkerCommand, id: u64, memory_bytes: u64) -> io::Result<Process> {
        let mut child = Command::new(&command.program);
        child
            .args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .env_clear();
        for name in ["PATH", "LD_LIBRARY_PATH", "TZ", "RUST_BACKTRACE"] {
            if let Some(value) = std::env::var_os(name) {
                child.env(name, value);
            }
        }
        let mut child = child.spawn()?;
        let missing = || io::Error::other("the worker's pipes are missing");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = BufReader::with_capacity(64 * 1024, child.stdout.take().ok_or_else(missing)?);
        let stderr = child.stderr.take().ok_or_else(missing)?;
        let stderr_tail = Arc::new(Mutex::new(String::new()));
        let tail = Arc::clone(&stderr_tail);
        let stderr_task = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::warn!(worker = id, "sandbox worker: {line}");
                keep_tail(&mut lock(&tail), &line);
            }
        });
        let mut process =
            Process { child, stdin, stdout, stderr_tail, stderr_task: Some(stderr_task), buf: Vec::new() };
        let init = protocol::encode(&ToWorker::Init { memory_bytes, warm_budget_bytes: memory_bytes / 2 })?;
        let cause = match tokio::time::timeout(SPAWN_TIMEOUT, process.round_trip(&init)).await {
            Ok(Ok(FromWorker::Ready)) => {
                tracing::debug!(worker = id, "sandbox worker started");
                return Ok(process);
            }
            Ok(Ok(_)) => "answered Init with the wrong message".to_owned(),
            Ok(Err(error)) => process.death_cause(error).await.to_string(),
            Err(_) => "did not report ready in time".to_owned(),
        };
        process.kill().await;
        Err(io::Error::other(format!("the sandbox worker {cause}")))
    }

    /// Sends one request frame and reads the answer.
    pub(super) async fn round_trip(&mut self, frame: &[u8]) -> Result<FromWorker, TripError> {
        self.round_trip_serving(frame, None, Instant::now()).await
    }

    /// Sends one request frame and reads the answer, making the `fetch()`es the worker sends
    /// meanwhile with `outbound` (refused without one), each answered by `deadline`.
    pub(super) async fn round_trip_serving(
        &mut self,
        frame: &[u8],
        outbound: Option<&dyn Outbound>,
        deadline: Instant,
    ) -> Result<FromWorker, TripError> {
        self.stdin.write_all(frame).await.map_err(TripError::Write)?;
        loop {
            let read = protocol::read_frame_async(&mut self.stdout, &mut self.buf).await;
            let message = read.and_then(|()| protocol::decode(&self.buf)).map_err(TripError::Read);
            if self.buf.capacity() > KEEP_BUFFER {
                self.buf = Vec::new();
            }
            let request = match message? {
                FromWorker::Fetch(request) => request,
                other => return Ok(other),
            };
            let answer = match outbound {
                Some(outbound) => outbound.fetch(*request, deadline).await,
                None => Err(DISABLED.to_owned()),
            };
            // The call is under way: a failure from here on is not a retryable write.
            let frame = protocol::encode(&ToWorker::Fetched(Box::new(answer))).map_err(TripError::Read)?;
            self.stdin.write_all(&frame).await.map_err(TripError::Read)?;
        }
    }

    /// Explains why talking to the worker failed, from its exit status and last stderr output.
    pub(super) async fn death_cause(&mut self, error: TripError) -> InvokeError {
        let (TripError::Write(error) | TripError::Read(error)) = error;
        let status = tokio::time::timeout(Duration::from_millis(500), self.child.wait()).await;
        if let Some(task) = self.stderr_task.take() {
            let _ = tokio::time::timeout(Duration::from_millis(200), task).await;
        }
        let tail = lock(&self.stderr_tail).clone();
        if ["memory allocation of", "out of memory", "Cannot allocate memory"].iter().any(|s| tail.contains(s)) {
            return InvokeError::MemoryExceeded;
        }
        let status = match status {
            Ok(Ok(status)) => status.to_string(),
            _ => format!("still running; {error}"),
        };
        match tail.lines().rev().find(|line| !line.trim().is_empty()) {
            Some(line) => InvokeError::WorkerCrashed(format!("worker exited ({status}): {}", line.trim())),
            None => InvokeError::WorkerCrashed(format!("worker exited ({status})")),
        }
    }

    pub(super) async fn kill(&mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

/// Appends a line to the stderr tail, keeping its last [`STDERR_TAIL`] bytes.
fn keep_tail(tail: &mut String, line: &str) {
    tail.push_str(line);
    tail.push('\n');
    if tail.len() > STDERR_TAIL {
        let mut cut = tail.len() - STDERR_TAIL;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail.drain(..cut);
    }
}
