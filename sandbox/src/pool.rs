//! The supervisor: a pool of worker processes that run function code, driven from tokio.
//!
//! Each worker serves one call at a time. The pool remembers which functions each worker has
//! warm, routes a call to an idle worker that has its function warm (or loads it into another
//! idle worker: a cold start), evicts the least recently used instances beyond
//! `max_warm_per_worker`, and replaces workers that overrun `timeout + grace`, die or ask to be
//! retired. Calls run in their own tasks, so a caller that goes away does not cost a worker.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::engine::{CompileError, Compiled, HttpRequest, Invocation, InvokeError, Limits, LogLine};
use crate::protocol::{self, FromWorker};

/// How to start a worker process (for example the server binary with its `worker` subcommand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
}

/// Pool settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// Number of worker processes (each runs one call at a time).
    pub workers: usize,
    /// Extra time past a call's timeout before the supervisor kills the worker.
    pub grace: Duration,
    /// How long a call waits for a free worker before failing with `NoWorker`.
    pub queue_timeout: Duration,
    /// Address-space limit (`RLIMIT_AS`) of each worker process; 0 means none. It covers the
    /// worker binary, every warm instance and the running call, so keep it well above
    /// `Limits::memory_bytes`.
    pub worker_memory_bytes: u64,
    /// Most warm function instances a worker keeps.
    pub max_warm_per_worker: usize,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            grace: Duration::from_secs(1),
            queue_timeout: Duration::from_secs(5),
            worker_memory_bytes: 1024 * 1024 * 1024,
            max_warm_per_worker: 32,
        }
    }
}

/// Identifies a function version; instances are only reused for the same key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionKey {
    pub org: String,
    pub name: String,
    pub version: i64,
}

/// What a worker needs to load a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadSpec {
    pub key: FunctionKey,
    pub compiled: Arc<Compiled>,
    pub env: BTreeMap<String, String>,
    /// Run every call in a new instance, so nothing leaks between calls.
    pub fresh_context: bool,
}

/// Counters for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Configured number of workers.
    pub workers: usize,
    /// Worker processes currently running.
    pub alive: usize,
    /// Workers busy with a call.
    pub busy: usize,
    /// Workers replaced (killed after a timeout, died, or retired) since start.
    pub restarts: u64,
    /// Calls that had to load their function first.
    pub cold_starts: u64,
    /// Calls served by a warm instance.
    pub warm_starts: u64,
    /// Workers killed because a call overran its timeout plus grace.
    pub timeouts: u64,
    /// Workers that died on their own during a call.
    pub crashes: u64,
}

/// The result of a call with everything the pool knows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    pub result: Result<Invocation, InvokeError>,
    /// The function was loaded for this call.
    pub cold_start: bool,
    /// Console output of a failed call (a successful call carries its logs in the invocation).
    pub failed_logs: Vec<LogLine>,
}

/// A pool of sandbox worker processes. Cheap to clone; clones share the workers.
#[derive(Clone)]
pub struct WorkerPool {
    inner: Arc<Inner>,
}

impl WorkerPool {
    /// Starts `config.workers` worker processes and waits until each has applied its limits.
    pub async fn start(command: WorkerCommand, config: PoolConfig) -> io::Result<Self> {
        if config.workers == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "the pool needs at least one worker"));
        }
        let inner = Arc::new(Inner {
            command,
            config,
            runtime: tokio::runtime::Handle::current(),
            idle: Mutex::new(Vec::new()),
            available: Semaphore::new(0),
            closed: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            alive: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            restarts: AtomicU64::new(0),
            cold_starts: AtomicU64::new(0),
            warm_starts: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            crashes: AtomicU64::new(0),
        });
        let mut spawning = tokio::task::JoinSet::new();
        for _ in 0..inner.config.workers {
            let inner = Arc::clone(&inner);
            spawning.spawn(async move { inner.spawn_worker().await });
        }
        while let Some(spawned) = spawning.join_next().await {
            let worker = spawned.map_err(io::Error::other)??;
            inner.put_idle(worker);
        }
        Ok(WorkerPool { inner })
    }

    /// Compiles untrusted source in a worker (never in the server process).
    pub async fn compile(&self, source: String, limits: Limits) -> Result<Result<Compiled, CompileError>, InvokeError> {
        let inner = Arc::clone(&self.inner);
        let task = tokio::spawn(async move { inner.compile(source, limits).await });
        task.await.unwrap_or_else(|e| Err(InvokeError::Internal(format!("the compile task failed: {e}"))))
    }

    /// Calls a function; the flag says whether this was a cold start.
    pub async fn invoke(
        &self,
        spec: &LoadSpec,
        request: HttpRequest,
        limits: Limits,
    ) -> Result<(Invocation, bool), InvokeError> {
        let outcome = self.invoke_detailed(spec, request, limits).await;
        outcome.result.map(|invocation| (invocation, outcome.cold_start))
    }

    /// Like [`WorkerPool::invoke`], but also returns the console output of failed calls.
    pub async fn invoke_detailed(&self, spec: &LoadSpec, request: HttpRequest, limits: Limits) -> CallOutcome {
        let inner = Arc::clone(&self.inner);
        let spec = spec.clone();
        let task = tokio::spawn(async move { inner.invoke(&spec, &request, &limits).await });
        task.await.unwrap_or_else(|e| CallOutcome {
            result: Err(InvokeError::Internal(format!("the call task failed: {e}"))),
            cold_start: false,
            failed_logs: Vec::new(),
        })
    }

    pub fn stats(&self) -> PoolStats {
        let inner = &self.inner;
        PoolStats {
            workers: inner.config.workers,
            alive: inner.alive.load(Ordering::Relaxed),
            busy: inner.busy.load(Ordering::Relaxed),
            restarts: inner.restarts.load(Ordering::Relaxed),
            cold_starts: inner.cold_starts.load(Ordering::Relaxed),
            warm_starts: inner.warm_starts.load(Ordering::Relaxed),
            timeouts: inner.timeouts.load(Ordering::Relaxed),
            crashes: inner.crashes.load(Ordering::Relaxed),
        }
    }

    /// Process ids of the workers that are idle right now (for diagnostics).
    pub fn idle_worker_pids(&self) -> Vec<u32> {
        self.inner.lock_idle().iter().filter_map(|worker| worker.child.id()).collect()
    }

    /// Stops accepting calls and kills idle workers; busy workers are killed when their call
    /// ends. Later calls fail with `NoWorker`.
    pub async fn shutdown(&self) {
        let idle = {
            let mut idle = self.inner.lock_idle();
            self.inner.closed.store(true, Ordering::SeqCst);
            std::mem::take(&mut *idle)
        };
        self.inner.available.close();
        for mut worker in idle {
            self.inner.alive.fetch_sub(1, Ordering::Relaxed);
            worker.kill().await;
        }
    }
}

struct Inner {
    command: WorkerCommand,
    config: PoolConfig,
    runtime: tokio::runtime::Handle,
    idle: Mutex<Vec<Worker>>,
    /// One permit per idle worker.
    available: Semaphore,
    closed: AtomicBool,
    next_id: AtomicU64,
    alive: AtomicUsize,
    busy: AtomicUsize,
    restarts: AtomicU64,
    cold_starts: AtomicU64,
    warm_starts: AtomicU64,
    timeouts: AtomicU64,
    crashes: AtomicU64,
}

/// A function instance loaded in a worker.
struct Warm {
    key: FunctionKey,
    slot: u64,
    compiled: Arc<Compiled>,
    env: BTreeMap<String, String>,
}

impl Warm {
    fn serves(&self, spec: &LoadSpec) -> bool {
        self.key == spec.key
            && (Arc::ptr_eq(&self.compiled, &spec.compiled) || *self.compiled == *spec.compiled)
            && self.env == spec.env
    }
}

struct Worker {
    id: u64,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr_tail: Arc<Mutex<String>>,
    stderr_task: Option<JoinHandle<()>>,
    /// Warm instances, least recently used first.
    warm: Vec<Warm>,
    /// Slots to drop, sent along with the next call.
    evict: Vec<u64>,
    next_slot: u64,
    buf: Vec<u8>,
}

enum TripError {
    /// Writing the request failed: the worker was gone before the call started.
    Write(io::Error),
    Read(io::Error),
}

/// Keeps at most this much of a worker's stderr for crash reports.
const STDERR_TAIL: usize = 4096;
/// How long a new worker may take to start and report ready.
const SPAWN_TIMEOUT: Duration = Duration::from_secs(10);

impl Worker {
    async fn round_trip(&mut self, frame: &[u8]) -> Result<FromWorker, TripError> {
        self.stdin.write_all(frame).await.map_err(TripError::Write)?;
        let mut len = [0u8; 4];
        self.stdout.read_exact(&mut len).await.map_err(TripError::Read)?;
        let len = u32::from_le_bytes(len) as usize;
        if len > protocol::MAX_FRAME {
            return Err(TripError::Read(io::Error::new(io::ErrorKind::InvalidData, "oversized answer")));
        }
        self.buf.resize(len, 0);
        self.stdout.read_exact(&mut self.buf).await.map_err(TripError::Read)?;
        let message = protocol::decode_from_worker(&self.buf).map_err(TripError::Read);
        if self.buf.capacity() > 1024 * 1024 {
            self.buf = Vec::new();
        }
        message
    }

    fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Explains why talking to the worker failed, from its exit status and last stderr output.
    async fn death_cause(&mut self, error: TripError) -> InvokeError {
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

    async fn kill(&mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

/// A worker taken out of the idle list; it goes back (or is replaced) when this is dropped.
struct Checkout {
    inner: Arc<Inner>,
    worker: Option<Worker>,
}

impl Checkout {
    fn worker(&mut self) -> &mut Worker {
        self.worker.as_mut().expect("a checkout holds its worker until it is released")
    }

    fn release(mut self) {
        if let Some(worker) = self.worker.take() {
            self.inner.busy.fetch_sub(1, Ordering::Relaxed);
            self.inner.put_idle(worker);
        }
    }

    fn discard(mut self) {
        if let Some(worker) = self.worker.take() {
            self.inner.busy.fetch_sub(1, Ordering::Relaxed);
            self.inner.replace(worker);
        }
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        // Only reached when a call was abandoned half-way: the worker's pipe state is unknown.
        if let Some(worker) = self.worker.take() {
            self.inner.busy.fetch_sub(1, Ordering::Relaxed);
            self.inner.replace(worker);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Inner {
    fn lock_idle(&self) -> MutexGuard<'_, Vec<Worker>> {
        lock(&self.idle)
    }

    /// Makes a worker available again; after shutdown it is stopped instead.
    fn put_idle(&self, mut worker: Worker) {
        {
            let mut idle = self.lock_idle();
            // `closed` only changes under this lock, so a worker can't slip in after shutdown.
            if !self.closed.load(Ordering::SeqCst) {
                idle.push(worker);
                drop(idle);
                self.available.add_permits(1);
                return;
            }
        }
        self.alive.fetch_sub(1, Ordering::Relaxed);
        self.runtime.spawn(async move { worker.kill().await });
    }

    /// Kills a worker and starts a replacement in the background.
    fn replace(self: &Arc<Self>, mut worker: Worker) {
        self.alive.fetch_sub(1, Ordering::Relaxed);
        self.restarts.fetch_add(1, Ordering::Relaxed);
        let inner = Arc::clone(self);
        self.runtime.spawn(async move {
            worker.kill().await;
            let mut backoff = Duration::from_millis(50);
            while !inner.closed.load(Ordering::SeqCst) {
                match inner.spawn_worker().await {
                    Ok(fresh) => {
                        inner.put_idle(fresh);
                        return;
                    }
                    Err(error) => {
                        tracing::error!(%error, "starting a sandbox worker failed; retrying in {backoff:?}");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                }
            }
        });
    }

    async fn spawn_worker(&self) -> io::Result<Worker> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut command = Command::new(&self.command.program);
        command
            .args(&self.command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .env_clear();
        for name in ["PATH", "LD_LIBRARY_PATH", "TZ", "RUST_BACKTRACE"] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        let mut child = command.spawn()?;
        let missing = || io::Error::other("the worker's pipes are missing");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = BufReader::with_capacity(64 * 1024, child.stdout.take().ok_or_else(missing)?);
        let stderr = child.stderr.take().ok_or_else(missing)?;
        let stderr_tail = Arc::new(Mutex::new(String::new()));
        let tail = Arc::clone(&stderr_tail);
        let stderr_task = self.runtime.spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::warn!(worker = id, "sandbox worker: {line}");
                let mut tail = lock(&tail);
                tail.push_str(&line);
                tail.push('\n');
                if tail.len() > STDERR_TAIL {
                    let mut cut = tail.len() - STDERR_TAIL;
                    while !tail.is_char_boundary(cut) {
                        cut += 1;
                    }
                    tail.drain(..cut);
                }
            }
        });
        let mut worker = Worker {
            id,
            child,
            stdin,
            stdout,
            stderr_tail,
            stderr_task: Some(stderr_task),
            warm: Vec::new(),
            evict: Vec::new(),
            next_slot: 1,
            buf: Vec::new(),
        };
        let init = protocol::init(self.config.worker_memory_bytes, self.config.worker_memory_bytes / 2);
        match tokio::time::timeout(SPAWN_TIMEOUT, worker.round_trip(&init)).await {
            Ok(Ok(FromWorker::Ready)) => {
                self.alive.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(worker = worker.id, "sandbox worker started");
                Ok(worker)
            }
            outcome => {
                let cause = match outcome {
                    Ok(Ok(_)) => "answered Init with the wrong message".to_owned(),
                    Ok(Err(error)) => worker.death_cause(error).await.to_string(),
                    Err(_) => "did not report ready in time".to_owned(),
                };
                worker.kill().await;
                Err(io::Error::other(format!("the sandbox worker {cause}")))
            }
        }
    }

    /// Takes an idle worker, preferring one that has `spec` warm. Dead workers found on the way
    /// are replaced.
    async fn checkout(self: &Arc<Self>, spec: Option<&LoadSpec>) -> Result<Checkout, InvokeError> {
        let deadline = Instant::now() + self.config.queue_timeout;
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return Err(InvokeError::NoWorker);
            }
            let wait = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(wait, self.available.acquire()).await {
                Ok(Ok(permit)) => permit.forget(),
                _ => return Err(InvokeError::NoWorker),
            }
            let worker = {
                let mut idle = self.lock_idle();
                let warm = spec.and_then(|spec| idle.iter().position(|w| w.warm.iter().any(|e| e.serves(spec))));
                let index = warm.or_else(|| (0..idle.len()).min_by_key(|&i| idle[i].warm.len()));
                index.map(|i| idle.swap_remove(i))
            };
            let Some(worker) = worker else {
                return Err(InvokeError::Internal("the idle list is out of step with its semaphore".to_owned()));
            };
            self.busy.fetch_add(1, Ordering::Relaxed);
            let mut checkout = Checkout { inner: Arc::clone(self), worker: Some(worker) };
            if checkout.worker().has_exited() {
                self.crashes.fetch_add(1, Ordering::Relaxed);
                checkout.discard();
                continue;
            }
            return Ok(checkout);
        }
    }

    async fn compile(
        self: &Arc<Self>,
        source: String,
        limits: Limits,
    ) -> Result<Result<Compiled, CompileError>, InvokeError> {
        let frame = protocol::compile(&source, &limits);
        // Compiling parses and then runs the top-level code once, each bounded by the timeout.
        let budget = limits.timeout * 2 + self.config.grace;
        for attempt in 0..2 {
            let mut checkout = self.checkout(None).await?;
            match tokio::time::timeout(budget, checkout.worker().round_trip(&frame)).await {
                Ok(Ok(FromWorker::Compiled(result))) => {
                    checkout.release();
                    return Ok(result);
                }
                Ok(Ok(_)) => {
                    checkout.discard();
                    return Err(InvokeError::Internal("the worker answered with the wrong message".to_owned()));
                }
                Ok(Err(TripError::Write(_))) if attempt == 0 => {
                    self.crashes.fetch_add(1, Ordering::Relaxed);
                    checkout.discard();
                }
                Ok(Err(error)) => {
                    self.crashes.fetch_add(1, Ordering::Relaxed);
                    let cause = checkout.worker().death_cause(error).await;
                    checkout.discard();
                    return Err(cause);
                }
                Err(_) => {
                    self.timeouts.fetch_add(1, Ordering::Relaxed);
                    checkout.discard();
                    return Err(InvokeError::Timeout);
                }
            }
        }
        Err(InvokeError::WorkerCrashed("no worker could take the call".to_owned()))
    }

    async fn invoke(self: &Arc<Self>, spec: &LoadSpec, request: &HttpRequest, limits: &Limits) -> CallOutcome {
        let failed = |error| CallOutcome { result: Err(error), cold_start: false, failed_logs: Vec::new() };
        for attempt in 0..2 {
            let mut checkout = match self.checkout(Some(spec)).await {
                Ok(checkout) => checkout,
                Err(error) => return failed(error),
            };
            let max_warm = self.config.max_warm_per_worker.max(1);
            let worker = checkout.worker();
            let warm = if spec.fresh_context { None } else { worker.warm.iter().position(|e| e.serves(spec)) };
            let (slot, cold) = match warm {
                Some(index) => (worker.warm.remove(index).slot, false),
                None => {
                    // A different version of the code or env under the same key is stale now.
                    let stale: Vec<u64> = worker.warm.iter().filter(|e| e.key == spec.key).map(|e| e.slot).collect();
                    worker.warm.retain(|e| e.key != spec.key);
                    worker.evict.extend(stale);
                    if !spec.fresh_context {
                        while worker.warm.len() >= max_warm {
                            let oldest = worker.warm.remove(0);
                            worker.evict.push(oldest.slot);
                        }
                    }
                    let slot = worker.next_slot;
                    worker.next_slot += 1;
                    (slot, true)
                }
            };
            let load = cold.then(|| (&*spec.compiled, &spec.env));
            let frame = protocol::invoke(slot, &worker.evict, load, spec.fresh_context, request, limits);
            worker.evict.clear();
            // A cold call may spend up to the timeout on top-level code before the call itself.
            let budget = limits.timeout * if cold { 2 } else { 1 } + self.config.grace;
            let answer = match tokio::time::timeout(budget, worker.round_trip(&frame)).await {
                Ok(Ok(FromWorker::Invoked(answer))) => answer,
                Ok(Ok(_)) => {
                    checkout.discard();
                    return failed(InvokeError::Internal("the worker answered with the wrong message".to_owned()));
                }
                Ok(Err(TripError::Write(_))) if attempt == 0 => {
                    // The worker was gone before it saw the call; try another one.
                    self.crashes.fetch_add(1, Ordering::Relaxed);
                    checkout.discard();
                    continue;
                }
                Ok(Err(error)) => {
                    self.crashes.fetch_add(1, Ordering::Relaxed);
                    let cause = worker.death_cause(error).await;
                    checkout.discard();
                    return CallOutcome { result: Err(cause), cold_start: cold, failed_logs: Vec::new() };
                }
                Err(_) => {
                    self.timeouts.fetch_add(1, Ordering::Relaxed);
                    checkout.discard();
                    return CallOutcome {
                        result: Err(InvokeError::Timeout),
                        cold_start: cold,
                        failed_logs: Vec::new(),
                    };
                }
            };
            let counter = if answer.cold { &self.cold_starts } else { &self.warm_starts };
            counter.fetch_add(1, Ordering::Relaxed);
            if answer.retained {
                worker.warm.push(Warm {
                    key: spec.key.clone(),
                    slot,
                    compiled: Arc::clone(&spec.compiled),
                    env: spec.env.clone(),
                });
            }
            worker.warm.retain(|e| !answer.evicted.contains(&e.slot));
            if answer.retire {
                checkout.discard();
            } else {
                checkout.release();
            }
            return CallOutcome { result: answer.result, cold_start: answer.cold, failed_logs: answer.failed_logs };
        }
        failed(InvokeError::WorkerCrashed("no worker could take the call".to_owned()))
    }
}
