//! The supervisor: a pool of worker processes that run function code, driven from tokio.
//!
//! Each worker serves one call at a time. The pool remembers which functions each worker has
//! warm, routes a call to an idle worker that has its function warm (or loads it into another
//! idle worker: a cold start), evicts the least recently used instances beyond
//! `max_warm_per_worker`, and replaces workers that overrun `timeout + grace`, die or ask to be
//! retired. Calls run in their own tasks, so a caller that goes away does not cost a worker.

mod process;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::engine::{CompileError, Compiled, HttpRequest, Invocation, InvokeError, Limits, LogLine, Source};
use crate::outbound::Outbound;
use crate::protocol::{self, FromWorker, InvokeCall, Load, ToWorker};
use process::{Process, TripError};

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
    /// Time spent waiting for an idle worker (of the last attempt, when a dead worker was
    /// found first).
    pub queued: Duration,
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
    pub async fn compile(
        &self,
        source: impl Into<Source>,
        limits: Limits,
    ) -> Result<Result<Compiled, CompileError>, InvokeError> {
        let source = source.into();
        let inner = Arc::clone(&self.inner);
        let task = tokio::spawn(async move { inner.compile(source, limits).await });
        task.await.unwrap_or_else(|e| Err(InvokeError::Internal(format!("the compile task failed: {e}"))))
    }

    /// Calls a function; the flag says whether this was a cold start.
    pub async fn invoke(
        &self,
        spec: &Arc<LoadSpec>,
        request: HttpRequest,
        limits: Limits,
    ) -> Result<(Invocation, bool), InvokeError> {
        let outcome = self.invoke_detailed(spec, request, limits, None).await;
        outcome.result.map(|invocation| (invocation, outcome.cold_start))
    }

    /// Like [`WorkerPool::invoke`], but with the call's `fetch()`es made by `outbound` (none:
    /// refused), and also returns the console output of failed calls.
    pub async fn invoke_detailed(
        &self,
        spec: &Arc<LoadSpec>,
        request: HttpRequest,
        limits: Limits,
        outbound: Option<Arc<dyn Outbound>>,
    ) -> CallOutcome {
        let inner = Arc::clone(&self.inner);
        let spec = Arc::clone(spec);
        let task = tokio::spawn(async move { inner.invoke(&spec, &request, &limits, outbound).await });
        task.await.unwrap_or_else(|e| CallOutcome {
            result: Err(InvokeError::Internal(format!("the call task failed: {e}"))),
            cold_start: false,
            failed_logs: Vec::new(),
            queued: Duration::ZERO,
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
        self.inner.lock_idle().iter().filter_map(|worker| worker.process.child.id()).collect()
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
            worker.process.kill().await;
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

/// A worker process and what the pool knows it has loaded.
struct Worker {
    process: Process,
    /// Warm instances, least recently used first.
    warm: Vec<Warm>,
    /// Slots to drop, sent along with the next call.
    evict: Vec<u64>,
    next_slot: u64,
}

/// A function instance loaded in a worker.
struct Warm {
    /// What was loaded (shared with the function's cache entry: nothing is copied per call).
    spec: Arc<LoadSpec>,
    slot: u64,
}

impl Warm {
    fn serves(&self, spec: &LoadSpec) -> bool {
        let loaded = &*self.spec;
        std::ptr::eq(loaded, spec)
            || (loaded.key == spec.key
                && (Arc::ptr_eq(&loaded.compiled, &spec.compiled) || *loaded.compiled == *spec.compiled)
                && loaded.env == spec.env)
    }
}

/// A request prepared for the worker that will run it.
struct Request<C> {
    frame: Vec<u8>,
    /// How long the worker may take to answer before it is killed.
    budget: Duration,
    /// Makes the call's `fetch()`es; none: they are refused.
    outbound: Option<Arc<dyn Outbound>>,
    /// How long the call itself may run: its `fetch()`es must be answered within it.
    call_time: Duration,
    /// What the caller needs to take the answer.
    context: C,
}

/// A call's failure; `context` is there when the worker got the request and then died or
/// overran its budget.
struct Failure<C> {
    error: InvokeError,
    context: Option<C>,
}

impl<C> From<InvokeError> for Failure<C> {
    fn from(error: InvokeError) -> Self {
        Failure { error, context: None }
    }
}

/// An answer taken by the caller: its value and whether the worker must be replaced.
struct Taken<T> {
    value: T,
    retire: bool,
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

    /// Kills the worker and starts a replacement.
    fn discard(self) {
        drop(self);
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        // Also reached when a call was abandoned half-way: the worker's pipe state is unknown.
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
        self.runtime.spawn(async move { worker.process.kill().await });
    }

    /// Kills a worker and starts a replacement in the background.
    fn replace(self: &Arc<Self>, mut worker: Worker) {
        self.alive.fetch_sub(1, Ordering::Relaxed);
        self.restarts.fetch_add(1, Ordering::Relaxed);
        let inner = Arc::clone(self);
        self.runtime.spawn(async move {
            worker.process.kill().await;
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
        let process = Process::spawn(&self.command, id, self.config.worker_memory_bytes).await?;
        self.alive.fetch_add(1, Ordering::Relaxed);
        Ok(Worker { process, warm: Vec::new(), evict: Vec::new(), next_slot: 1 })
    }

    /// Takes an idle worker, preferring one that has `spec` warm. There is no liveness check
    /// here (a `wait4` per call): writing to a worker that died while idle fails at once (its
    /// pipe has no reader), and [`Inner::call`] then retries with another worker.
    async fn checkout(self: &Arc<Self>, spec: Option<&LoadSpec>) -> Result<Checkout, InvokeError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(InvokeError::NoWorker);
        }
        match tokio::time::timeout(self.config.queue_timeout, self.available.acquire()).await {
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
        Ok(Checkout { inner: Arc::clone(self), worker: Some(worker) })
    }

    /// Runs one request in a worker; every way that can fail is handled here. A worker found
    /// dead, or gone before it read the request, is replaced and the request goes to another
    /// worker (once). A worker that dies during the call, overruns the request's budget (the
    /// backstop for code the engine could not interrupt) or answers with the wrong message is
    /// killed and replaced, and so is one whose answer asks to be retired.
    async fn call<C, T>(
        self: &Arc<Self>,
        spec: Option<&LoadSpec>,
        mut prepare: impl FnMut(&mut Worker) -> io::Result<Request<C>>,
        mut take: impl FnMut(&mut Worker, FromWorker, C) -> Option<Taken<T>>,
    ) -> Result<T, Failure<C>> {
        for attempt in 0..2 {
            let mut checkout = self.checkout(spec).await?;
            let worker = checkout.worker();
            let request = match prepare(worker) {
                Ok(request) => request,
                Err(error) => {
                    checkout.release();
                    return Err(InvokeError::Internal(format!("the request cannot be sent: {error}")).into());
                }
            };
            let deadline = Instant::now() + request.call_time;
            let trip = worker.process.round_trip_serving(&request.frame, request.outbound.as_deref(), deadline);
            let answer = match tokio::time::timeout(request.budget, trip).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(TripError::Write(_))) if attempt == 0 => {
                    // The worker was gone before it saw the request; try another one.
                    self.crashes.fetch_add(1, Ordering::Relaxed);
                    checkout.discard();
                    continue;
                }
                Ok(Err(error)) => {
                    self.crashes.fetch_add(1, Ordering::Relaxed);
                    let error = worker.process.death_cause(error).await;
                    checkout.discard();
                    return Err(Failure { error, context: Some(request.context) });
                }
                Err(_) => {
                    self.timeouts.fetch_add(1, Ordering::Relaxed);
                    checkout.discard();
                    return Err(Failure { error: InvokeError::Timeout, context: Some(request.context) });
                }
            };
            return match take(worker, answer, request.context) {
                Some(Taken { value, retire: false }) => {
                    checkout.release();
                    Ok(value)
                }
                Some(Taken { value, retire: true }) => {
                    checkout.discard();
                    Ok(value)
                }
                None => {
                    checkout.discard();
                    Err(InvokeError::Internal("the worker answered with the wrong message".to_owned()).into())
                }
            };
        }
        Err(InvokeError::WorkerCrashed("no worker could take the call".to_owned()).into())
    }

    async fn compile(
        self: &Arc<Self>,
        source: Source,
        limits: Limits,
    ) -> Result<Result<Compiled, CompileError>, InvokeError> {
        // Compiling parses and then runs the top-level code once, each bounded by the timeout.
        let budget = limits.timeout * 2 + self.config.grace;
        let prepare = |_: &mut Worker| {
            let frame =
                protocol::encode(&ToWorker::Compile { source: Cow::Borrowed(&source), limits: limits.clone() })?;
            Ok(Request { frame, budget, outbound: None, call_time: limits.timeout, context: () })
        };
        let take = |_: &mut Worker, answer, ()| match answer {
            FromWorker::Compiled(value) => Some(Taken { value, retire: false }),
            _ => None,
        };
        self.call(None, prepare, take).await.map_err(|failure| failure.error)
    }

    async fn invoke(
        self: &Arc<Self>,
        spec: &Arc<LoadSpec>,
        request: &HttpRequest,
        limits: &Limits,
        outbound: Option<Arc<dyn Outbound>>,
    ) -> CallOutcome {
        let max_warm = self.config.max_warm_per_worker.max(1);
        let started = Instant::now();
        // When a worker was checked out (the last attempt's).
        let mut sent = started;
        let prepare = |worker: &mut Worker| {
            sent = Instant::now();
            let (slot, cold) = worker.pick_slot(spec, max_warm);
            let call = InvokeCall {
                slot,
                evict: Cow::Borrowed(&worker.evict),
                load: cold.then(|| Load { compiled: Cow::Borrowed(&*spec.compiled), env: Cow::Borrowed(&spec.env) }),
                fresh: spec.fresh_context,
                request: Cow::Borrowed(request),
                limits: limits.clone(),
            };
            let frame = protocol::encode(&ToWorker::Invoke(Box::new(call))).inspect_err(|_| {
                // The worker keeps an instance the pool no longer tracks: have it dropped.
                if !cold {
                    worker.evict.push(slot);
                }
            })?;
            worker.evict.clear();
            // A cold call may spend up to the timeout on top-level code before the call itself.
            let call_time = limits.timeout * if cold { 2 } else { 1 };
            let budget = call_time + self.config.grace;
            Ok(Request { frame, budget, outbound: outbound.clone(), call_time, context: (slot, cold) })
        };
        let take = |worker: &mut Worker, answer, (slot, _cold)| {
            let FromWorker::Invoked(answer) = answer else { return None };
            let counter = if answer.cold { &self.cold_starts } else { &self.warm_starts };
            counter.fetch_add(1, Ordering::Relaxed);
            if answer.retained {
                worker.warm.push(Warm { spec: Arc::clone(spec), slot });
            }
            worker.warm.retain(|e| !answer.evicted.contains(&e.slot));
            let outcome = CallOutcome {
                result: answer.result,
                cold_start: answer.cold,
                failed_logs: answer.failed_logs,
                queued: Duration::ZERO,
            };
            Some(Taken { value: outcome, retire: answer.retire })
        };
        let mut outcome = self.call(Some(spec), prepare, take).await.unwrap_or_else(|failure| CallOutcome {
            result: Err(failure.error),
            cold_start: failure.context.is_some_and(|(_, cold)| cold),
            failed_logs: Vec::new(),
            queued: Duration::ZERO,
        });
        outcome.queued = sent - started;
        outcome
    }
}

impl Worker {
    /// Picks the slot a call runs in: a warm instance of `spec`, or a new slot (a cold start)
    /// after queueing stale and least recently used instances for eviction.
    fn pick_slot(&mut self, spec: &LoadSpec, max_warm: usize) -> (u64, bool) {
        let warm = if spec.fresh_context { None } else { self.warm.iter().position(|e| e.serves(spec)) };
        if let Some(index) = warm {
            return (self.warm.remove(index).slot, false);
        }
        // A different version of the code or env under the same key is stale now.
        let stale: Vec<u64> = self.warm.iter().filter(|e| e.spec.key == spec.key).map(|e| e.slot).collect();
        self.warm.retain(|e| e.spec.key != spec.key);
        self.evict.extend(stale);
        if !spec.fresh_context {
            while self.warm.len() >= max_warm {
                let oldest = self.warm.remove(0);
                self.evict.push(oldest.slot);
            }
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        (slot, true)
    }
}
