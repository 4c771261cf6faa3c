//! One QuickJS runtime + context with a function loaded, and the per-call event loop.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rquickjs::promise::PromiseState;
use rquickjs::{
    Array, CatchResultExt as _, CaughtError, Coerced, Context, Ctx, Function, Module, Object, Persistent, Runtime,
    TypedArray, Value,
};

use super::bytecode::{self, LoadError};
use super::host;
use super::loader::{FunctionLoader, FunctionResolver, Modules};
use super::resolve::Kind;
use super::shared::{Channel, Shared};
use super::{Compiled, HttpRequest, HttpResponse, Invocation, InvokeError, Limits, LogLine, Shape};

/// The outcome kind meaning "answered later through a callback" (see `js/adapters.js`).
const PENDING: u8 = 4;

/// Marks the setup error raised when the module exports no recognisable handler.
pub(crate) const NO_HANDLER: &str = "no handler exported";

/// A loaded function: one QuickJS runtime and context, never shared with another function.
///
/// Module state and globals survive between calls (a warm instance). An instance is not `Send`;
/// keep it on the thread that created it.
pub struct Instance {
    // Field order matters: the persistent handles must be dropped before the context and the
    // runtime that own their values.
    entry: Entry,
    context: Context,
    runtime: Runtime,
    shared: Rc<Shared>,
    shape: Shape,
    pending_logs: Vec<LogLine>,
    /// Last heap measurement: computing it walks the whole heap, so it is sampled.
    memory_sample: Cell<Option<(Instant, usize)>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        release_modules(&self.shared);
    }
}

/// The loader (owned by the runtime) shares the module files with the host functions; the
/// prelude function they hold must go while the runtime is still alive.
fn release_modules(shared: &Shared) {
    if let Some(modules) = shared.modules.get() {
        modules.export_names.borrow_mut().take();
    }
}

/// Time allowed for the prelude's bookkeeping after a call.
const CLEANUP_BUDGET: Duration = Duration::from_millis(50);

/// How long a heap measurement stays valid.
const MEMORY_SAMPLE_TTL: Duration = Duration::from_millis(100);

/// The prelude functions the host calls.
struct Entry {
    invoke: Persistent<Function<'static>>,
    next_timer: Persistent<Function<'static>>,
    run_timers: Persistent<Function<'static>>,
    end_call: Persistent<Function<'static>>,
    pending_wait_until: Persistent<Function<'static>>,
    take_early: Persistent<Function<'static>>,
    report_unhandled: Persistent<Function<'static>>,
}

/// The prelude's `trackRejection`, shared with the runtime's promise rejection tracker (which
/// is installed before the prelude exists).
type RejectionHook = Rc<RefCell<Option<Persistent<Function<'static>>>>>;

type JsResult<T> = Result<T, InvokeError>;

impl Instance {
    /// Creates a runtime, loads the prelude and the function's module, runs its top-level code
    /// (bounded by `limits`) and finds the handler.
    pub fn new(compiled: &Compiled, env: &BTreeMap<String, String>, limits: &Limits) -> Result<Self, InvokeError> {
        let started = Instant::now();
        let prelude = bytecode::prelude().map_err(InvokeError::Internal)?;
        let runtime =
            Runtime::new().map_err(|e| InvokeError::Internal(format!("creating a JS runtime failed: {e}")))?;
        runtime.set_memory_limit(limits.memory_bytes);
        runtime.set_max_stack_size(limits.stack_bytes);
        // Loading the prelude allocates about a megabyte; collecting cycles every 256 KiB on the
        // way (the default) only costs time. QuickJS re-tunes the threshold after the first run.
        runtime.set_gc_threshold((limits.memory_bytes / 2).clamp(256 * 1024, 4 * 1024 * 1024));
        let shared = Rc::new(Shared::new(limits));
        if bytecode::is_bundle(&compiled.bytecode) {
            let modules = Modules::new(bytecode::bundle(&compiled.bytecode).map_err(InvokeError::Internal)?);
            runtime.set_loader(FunctionResolver(Rc::clone(&modules)), FunctionLoader(Rc::clone(&modules)));
            let _ = shared.modules.set(modules);
        }
        let handler_state = Rc::clone(&shared);
        runtime.set_interrupt_handler(Some(Box::new(move || handler_state.should_interrupt())));
        let rejections: RejectionHook = Rc::new(RefCell::new(None));
        let hook = Rc::clone(&rejections);
        runtime.set_host_promise_rejection_tracker(Some(Box::new(move |ctx, promise, reason, handled| {
            let track = hook.borrow().clone();
            if let Some(Ok(track)) = track.map(|track| track.restore(&ctx)) {
                let _ = track.call::<_, ()>((promise, reason, handled));
            }
        })));
        let context = Context::full(&runtime).map_err(|_| InvokeError::MemoryExceeded)?;

        let deadline = started + limits.timeout;
        shared.arm(deadline);
        shared.loading.set(true);
        let loaded = context.with(|ctx| load(&ctx, &shared, &rejections, prelude, compiled, env, deadline));
        shared.loading.set(false);
        shared.disarm();
        if loaded.is_err() {
            release_modules(&shared);
        }
        let (entry, shape) = loaded?;
        let pending_logs = shared.logs.borrow_mut().reset(limits.max_log_bytes);
        Ok(Instance { entry, context, runtime, shared, shape, pending_logs, memory_sample: Cell::new(None) })
    }

    /// The handler shape found in the module's exports.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Bytes allocated by this instance's JS heap. Measuring walks the whole heap, so the value
    /// is sampled: it may be up to 100 ms old.
    pub fn memory_used(&self) -> usize {
        let now = Instant::now();
        match self.memory_sample.get() {
            Some((at, bytes)) if now.duration_since(at) < MEMORY_SAMPLE_TTL => bytes,
            _ => {
                let bytes = usize::try_from(self.runtime.memory_usage().malloc_size).unwrap_or(0);
                self.memory_sample.set(Some((now, bytes)));
                bytes
            }
        }
    }

    /// Console output of the last failed call (or of module initialisation if no call has run
    /// yet). A successful call returns its logs in [`Invocation::logs`].
    pub fn take_logs(&mut self) -> Vec<LogLine> {
        let mut logs = std::mem::take(&mut self.pending_logs);
        logs.extend(self.shared.logs.borrow_mut().take());
        logs
    }

    /// Routes the `fetch()`es of the calls that follow through `channel` (none: `fetch()`
    /// rejects, saying outbound access is disabled). Top-level code never has one.
    pub(crate) fn set_channel(&self, channel: Option<Rc<dyn Channel>>) {
        *self.shared.channel.borrow_mut() = channel;
    }

    /// Calls the handler with one request. The call, its promises and its timers must finish
    /// within `limits.timeout`; the instance stays usable afterwards (unless the error says the
    /// runtime ran out of memory, in which case it should be discarded).
    pub fn invoke(&mut self, request: &HttpRequest, limits: &Limits) -> Result<Invocation, InvokeError> {
        let started = Instant::now();
        self.runtime.set_memory_limit(limits.memory_bytes);
        self.runtime.set_max_stack_size(limits.stack_bytes);
        {
            let mut logs = self.shared.logs.borrow_mut();
            logs.reset(limits.max_log_bytes);
            for line in std::mem::take(&mut self.pending_logs) {
                logs.push(line.level, line.message);
            }
        }
        let deadline = started + limits.timeout;
        self.shared.arm(deadline);
        let outcome = self.context.with(|ctx| {
            let outcome = self.call(&ctx, request, limits, deadline);
            // Clearing the call's timers uses builtins the function could have replaced, so it
            // gets a small budget of its own. Promise jobs still queued run at the start of the
            // next call, under its deadline.
            self.shared.arm(Instant::now() + CLEANUP_BUDGET);
            if let Ok(end_call) = self.entry.end_call.clone().restore(&ctx) {
                let _ = end_call.call::<_, ()>(());
            }
            self.shared.disarm();
            outcome
        });
        self.shared.disarm();
        let response = outcome?;
        let logs = self.shared.logs.borrow_mut().reset(limits.max_log_bytes);
        Ok(Invocation { response, logs, memory_used: self.memory_used(), duration: started.elapsed() })
    }

    fn call<'js>(
        &self,
        ctx: &Ctx<'js>,
        request: &HttpRequest,
        limits: &Limits,
        deadline: Instant,
    ) -> JsResult<HttpResponse> {
        let shared = &self.shared;
        let record =
            request_record(ctx, shared, request, limits, deadline).catch(ctx).map_err(|e| classify(shared, e))?;
        let invoke = restore(ctx, shared, &self.entry.invoke)?;
        let returned: Value<'js> = invoke.call((record,)).catch(ctx).map_err(|e| classify(shared, e))?;
        let next_timer = restore(ctx, shared, &self.entry.next_timer)?;
        let run_timers = restore(ctx, shared, &self.entry.run_timers)?;
        let event_loop = EventLoop { ctx, shared, next_timer: &next_timer, run_timers: &run_timers, deadline };
        // A handler may also answer through a callback while its own promise is still pending
        // (or without returning one); the prelude hands such answers out through takeEarly().
        let take_early = restore(ctx, shared, &self.entry.take_early)?;
        let mut early: Option<Array<'js>> = None;
        let never = "the handler never answered (its promise never settled and no callback was called)";
        let outcome: Array<'js> = match returned.as_promise() {
            Some(promise) => {
                event_loop.run(
                    || {
                        if promise.state() != PromiseState::Pending {
                            return Ok(true);
                        }
                        early = take_early.call(())?;
                        Ok(early.is_some())
                    },
                    never,
                )?;
                match early.take() {
                    Some(outcome) => outcome,
                    None => match promise.result::<Array<'js>>() {
                        Some(result) => result.catch(ctx).map_err(|e| classify(shared, e))?,
                        None => return Err(InvokeError::Internal("the call settled without a result".to_owned())),
                    },
                }
            }
            None => {
                let outcome: Array<'js> = returned.get().catch(ctx).map_err(|e| classify(shared, e))?;
                if outcome.get::<u8>(0).unwrap_or(0) == PENDING {
                    event_loop.run(
                        || {
                            early = take_early.call(())?;
                            Ok(early.is_some())
                        },
                        never,
                    )?;
                    early.take().ok_or_else(|| InvokeError::Internal("the callback left no outcome".to_owned()))?
                } else {
                    event_loop.run(|| Ok(true), "")?;
                    outcome
                }
            }
        };
        let response = read_outcome(&outcome, limits).catch(ctx).map_err(|e| classify(shared, e))??;

        // ctx.waitUntil(): keep running until those promises settle, but never past the deadline
        // and without failing the call that already produced its response.
        let pending = restore(ctx, shared, &self.entry.pending_wait_until)?;
        let settled = || pending.call::<_, f64>(()).map(|n| n <= 0.0);
        if !settled().unwrap_or(true) {
            let _ = event_loop.run(settled, "");
        }
        // Let whatever the response left queued run while the deadline still applies.
        let _ = event_loop.run(|| Ok(true), "");
        if let Ok(report) = restore(ctx, shared, &self.entry.report_unhandled) {
            let _ = report.call::<_, ()>(());
        }
        Ok(response)
    }
}

fn restore<'js>(ctx: &Ctx<'js>, shared: &Shared, handle: &Persistent<Function<'static>>) -> JsResult<Function<'js>> {
    handle.clone().restore(ctx).catch(ctx).map_err(|e| classify(shared, e))
}

/// Loads the prelude and the function module; returns the prelude entry points and the shape.
fn load<'js>(
    ctx: &Ctx<'js>,
    shared: &Rc<Shared>,
    rejections: &RejectionHook,
    prelude: &[u8],
    compiled: &Compiled,
    env: &BTreeMap<String, String>,
    deadline: Instant,
) -> JsResult<(Entry, Shape)> {
    let js = |error: rquickjs::Error| classify(shared, CaughtError::from_error(ctx, error));
    host::install(ctx, shared).map_err(js)?;

    let prelude = bytecode::load(ctx, prelude).map_err(|e| load_error(ctx, shared, e))?;
    let (prelude, evaluated) = prelude.eval().map_err(js)?;
    while ctx.execute_pending_job() {}
    if evaluated.state() == PromiseState::Rejected {
        let error = evaluated.result::<Value<'js>>().map(|r| r.catch(ctx).map_err(|e| classify(shared, e)));
        return Err(match error {
            Some(Err(error)) => InvokeError::Internal(format!("the prelude failed to load: {error}")),
            _ => InvokeError::Internal("the prelude failed to load".to_owned()),
        });
    }
    let namespace = prelude.namespace().map_err(js)?;
    let function = |name: &str| -> JsResult<Function<'js>> { namespace.get(name).map_err(js) };
    let entry = Entry {
        invoke: Persistent::save(ctx, function("invoke")?),
        next_timer: Persistent::save(ctx, function("nextTimer")?),
        run_timers: Persistent::save(ctx, function("runTimers")?),
        end_call: Persistent::save(ctx, function("endCall")?),
        pending_wait_until: Persistent::save(ctx, function("pendingWaitUntil")?),
        take_early: Persistent::save(ctx, function("takeEarly")?),
        report_unhandled: Persistent::save(ctx, function("reportUnhandled")?),
    };
    *rejections.borrow_mut() = Some(Persistent::save(ctx, function("trackRejection")?));
    if let Some(modules) = shared.modules.get() {
        *modules.export_names.borrow_mut() = Some(Persistent::save(ctx, function("cjsExportNames")?));
    }

    let env_pairs = Array::new(ctx.clone()).map_err(js)?;
    for (i, (name, value)) in env.iter().enumerate() {
        env_pairs.set(2 * i, name.as_str()).map_err(js)?;
        env_pairs.set(2 * i + 1, value.as_str()).map_err(js)?;
    }
    function("configure")?.call::<_, ()>((env_pairs,)).catch(ctx).map_err(|e| classify(shared, e))?;

    let next_timer = function("nextTimer")?;
    let run_timers = function("runTimers")?;
    let event_loop = EventLoop { ctx, shared, next_timer: &next_timer, run_timers: &run_timers, deadline };
    let namespace = match shared.modules.get() {
        None => {
            let module = bytecode::load(ctx, &compiled.bytecode).map_err(|e| load_error(ctx, shared, e))?;
            evaluate(ctx, shared, module, &event_loop)?
        }
        Some(modules) if modules.entry_kind() == Some(Kind::Esm) => {
            // Imported through the loader, which resolves and links the files it imports.
            let imported = Module::import(ctx, modules.entry()).catch(ctx).map_err(|e| classify(shared, e))?;
            event_loop
                .run(|| Ok(imported.state() != PromiseState::Pending), "the module's top-level await never settled")?;
            match imported.result::<Object<'js>>() {
                Some(namespace) => namespace.catch(ctx).map_err(|e| classify(shared, e))?,
                None => return Err(InvokeError::Internal("the import settled without a result".to_owned())),
            }
        }
        Some(modules) => {
            // A CommonJS entry: the prelude's setup() requires it.
            let marker = Object::new(ctx.clone()).map_err(js)?;
            marker.set("__stratus_cjs_entry", modules.entry()).map_err(js)?;
            marker
        }
    };
    let shape: String =
        function("setup")?.call((namespace, compiled.shape.as_str())).catch(ctx).map_err(|e| classify(shared, e))?;
    let shape = Shape::parse(&shape).ok_or_else(|| InvokeError::Internal(format!("unknown shape {shape}")))?;
    // CommonJS top-level code may have queued promise jobs; let them run now.
    event_loop.run(|| Ok(true), "")?;
    function("reportUnhandled")?.call::<_, ()>(()).catch(ctx).map_err(|e| classify(shared, e))?;
    function("endCall")?.call::<_, ()>(()).catch(ctx).map_err(|e| classify(shared, e))?;
    Ok((entry, shape))
}

/// Evaluates the function's module (and what it imports); returns its namespace.
fn evaluate<'js>(
    ctx: &Ctx<'js>,
    shared: &Shared,
    module: Module<'js>,
    event_loop: &EventLoop<'_, 'js>,
) -> JsResult<Object<'js>> {
    let (module, evaluated) = module.eval().catch(ctx).map_err(|e| classify(shared, e))?;
    event_loop.run(|| Ok(evaluated.state() != PromiseState::Pending), "the module's top-level await never settled")?;
    if let Some(result) = evaluated.result::<Value<'js>>() {
        result.catch(ctx).map_err(|e| classify(shared, e))?;
    }
    module.namespace().catch(ctx).map_err(|e| classify(shared, e))
}

fn load_error(ctx: &Ctx<'_>, shared: &Shared, error: LoadError) -> InvokeError {
    match error {
        LoadError::Invalid(message) => InvokeError::Internal(message),
        LoadError::Js(error) => classify(shared, CaughtError::from_error(ctx, error)),
    }
}

/// Runs promise jobs and timers until `done` says so, the deadline passes or nothing is left.
struct EventLoop<'a, 'js> {
    ctx: &'a Ctx<'js>,
    shared: &'a Shared,
    next_timer: &'a Function<'js>,
    run_timers: &'a Function<'js>,
    deadline: Instant,
}

impl<'js> EventLoop<'_, 'js> {
    fn run(&self, mut done: impl FnMut() -> rquickjs::Result<bool>, stuck: &str) -> JsResult<()> {
        let js = |error: rquickjs::Error| classify(self.shared, CaughtError::from_error(self.ctx, error));
        loop {
            while self.ctx.execute_pending_job() {
                if self.shared.interrupted() {
                    return Err(InvokeError::Timeout);
                }
            }
            if self.shared.interrupted() {
                return Err(InvokeError::Timeout);
            }
            if done().map_err(js)? {
                return Ok(());
            }
            let wait: f64 = self.next_timer.call(()).map_err(js)?;
            if wait < 0.0 {
                return if stuck.is_empty() {
                    Ok(())
                } else {
                    Err(InvokeError::BadResponse(format!("{stuck}: no timers or promise jobs are left to run")))
                };
            }
            let now = Instant::now();
            if now >= self.deadline {
                return Err(InvokeError::Timeout);
            }
            if wait > 0.0 {
                let wait = Duration::from_secs_f64(wait / 1000.0);
                std::thread::sleep(wait.min(self.deadline - now));
                if Instant::now() >= self.deadline {
                    return Err(InvokeError::Timeout);
                }
            }
            self.run_timers.call::<_, ()>(()).map_err(js)?;
        }
    }
}

/// Builds the call array the prelude's `invoke` takes (see `js/adapters.js`).
fn request_record<'js>(
    ctx: &Ctx<'js>,
    shared: &Shared,
    request: &HttpRequest,
    limits: &Limits,
    deadline: Instant,
) -> rquickjs::Result<Array<'js>> {
    let headers = Array::new(ctx.clone())?;
    for (i, (name, value)) in request.headers.iter().enumerate() {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            headers.set(2 * i, name.to_ascii_lowercase())?;
        } else {
            headers.set(2 * i, name.as_str())?;
        }
        headers.set(2 * i + 1, value.as_str())?;
    }
    let body = if request.body.is_empty() {
        Value::new_null(ctx.clone())
    } else {
        TypedArray::<u8>::new(ctx.clone(), request.body.clone())?.into_value()
    };
    let record = Array::new(ctx.clone())?;
    record.set(0, request.method.as_str())?;
    record.set(1, if request.path.is_empty() { "/" } else { request.path.as_str() })?;
    record.set(2, request.query.as_str())?;
    record.set(3, headers)?;
    record.set(4, body)?;
    record.set(5, request.invocation_id.as_str())?;
    record.set(6, request.function_name.as_str())?;
    record.set(7, request.function_version as f64)?;
    record.set(8, request.org.as_str())?;
    record.set(9, shared.ms_at(deadline))?;
    record.set(10, (limits.memory_bytes / (1024 * 1024)) as f64)?;
    record.set(11, limits.max_response_bytes as f64)?;
    if request.lambda_v1 {
        record.set(12, true)?;
    }
    Ok(record)
}

/// Turns the array `invoke` produced into a response or an error.
fn read_outcome(outcome: &Array<'_>, limits: &Limits) -> rquickjs::Result<JsResult<HttpResponse>> {
    let kind: u8 = outcome.get(0)?;
    Ok(match kind {
        0 => {
            let status: f64 = outcome.get(1)?;
            let flat: Vec<String> = outcome.get(2)?;
            let body = match outcome.get::<Option<String>>(3)? {
                Some(text) => Ok(text.into_bytes()),
                None => BASE64
                    .decode(outcome.get::<String>(4)?)
                    .map_err(|e| InvokeError::Internal(format!("decoding the response body failed: {e}"))),
            };
            match body {
                Ok(body) if body.len() > limits.max_response_bytes => Err(InvokeError::ResponseTooLarge),
                Ok(body) => response(status, flat, body),
                Err(error) => Err(error),
            }
        }
        1 => Err(InvokeError::ResponseTooLarge),
        2 => Err(InvokeError::BadResponse(outcome.get(1)?)),
        _ => Err(describe(outcome.get(1)?, outcome.get(2)?, outcome.get(3)?)),
    })
}

fn response(status: f64, flat: Vec<String>, body: Vec<u8>) -> JsResult<HttpResponse> {
    let status = status as u16;
    let mut headers = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(name), Some(value)) = (items.next(), items.next()) {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(InvokeError::BadResponse(format!("invalid header name: {name:?}")));
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(InvokeError::BadResponse(format!("invalid value for header {name}")));
        }
        headers.push((name.to_ascii_lowercase(), value));
    }
    Ok(HttpResponse { status, headers, body })
}

/// Maps a JS error (name, message, stack) to an [`InvokeError`].
fn describe(name: String, message: String, stack: String) -> InvokeError {
    if message.contains("out of memory") && (name.is_empty() || name == "InternalError") {
        return InvokeError::MemoryExceeded;
    }
    if message == "Maximum call stack size exceeded" || (name == "InternalError" && message == "stack overflow") {
        return InvokeError::StackOverflow;
    }
    let message = if name.is_empty() { message } else { format!("{name}: {message}") };
    let stack = stack.trim_end().to_owned();
    InvokeError::Exception { message, stack: (!stack.is_empty()).then_some(stack) }
}

/// Classifies an error caught from QuickJS; a fired interrupt always wins.
pub(crate) fn classify(shared: &Shared, error: CaughtError<'_>) -> InvokeError {
    if shared.interrupted() {
        return InvokeError::Timeout;
    }
    match error {
        CaughtError::Error(rquickjs::Error::Allocation) => InvokeError::MemoryExceeded,
        CaughtError::Error(error) => InvokeError::Internal(error.to_string()),
        CaughtError::Exception(exception) => {
            let name = exception.get::<_, Coerced<String>>("name").map(|n| n.0).unwrap_or_default();
            describe(name, exception.message().unwrap_or_default(), exception.stack().unwrap_or_default())
        }
        CaughtError::Value(value) => {
            let message = value.get::<Coerced<String>>().map(|s| s.0).unwrap_or_else(|_| format!("{value:?}"));
            InvokeError::Exception { message, stack: None }
        }
    }
}
