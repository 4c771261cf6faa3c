//! The in-process QuickJS engine: compiling tenant JavaScript to bytecode and running it.
//!
//! Use it inside worker processes (see [`crate::worker`]) or directly in tests; the server
//! process itself goes through [`crate::pool`] so that a runaway builtin or an abort in QuickJS
//! can only take down a worker.
//!
//! Function code gets the ECMAScript built-ins plus a small Web platform written in the prelude
//! (`engine/js/*.js`): console, timers, URL, URLSearchParams, TextEncoder/TextDecoder, atob/btoa,
//! crypto.getRandomValues/randomUUID, structuredClone, Headers/Request/Response, a small Node
//! `Buffer`, `process.env` and `require` of the Node built-ins in the README's table. There is no
//! filesystem, process or socket access. A function of several files (see [`compile_files`])
//! also `require`s and `import`s its own files and its `node_modules`, resolved as Node does.
//!
//! The types a call crosses the worker boundary with derive serde's traits for
//! `crate::protocol`; that encoding is private to one build, not a stable format.

mod bundle;
mod bytecode;
mod host;
mod instance;
mod loader;
mod resolve;
mod scan;
mod shared;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use rquickjs::{CatchResultExt as _, CaughtError, Context, Module, Runtime, WriteOptions};
use serde::{Deserialize, Serialize};

pub use bundle::{MAX_FILES, MAX_PATH_BYTES, check_path};
pub use instance::Instance;
pub(crate) use shared::Channel;

/// Resource limits for compiling, loading or calling a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Cap on the JS heap of the instance (QuickJS `set_memory_limit`).
    pub memory_bytes: usize,
    /// Cap on the native stack QuickJS may use (`set_max_stack_size`).
    pub stack_bytes: usize,
    /// Wall-clock budget of one call, including its promises and timers.
    pub timeout: Duration,
    /// Largest response body a call may return.
    pub max_response_bytes: usize,
    /// Largest amount of console output kept per call; the rest is dropped with a marker line.
    pub max_log_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 * 1024 * 1024,
            stack_bytes: 1024 * 1024,
            timeout: Duration::from_secs(10),
            max_response_bytes: 6 * 1024 * 1024,
            max_log_bytes: 64 * 1024,
        }
    }
}

/// The handler convention a function follows, detected when it is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Shape {
    /// OpenFaaS node templates: `module.exports = async (event, context) => …`.
    OpenFaas,
    /// AWS Lambda: `exports.handler = async (event, context) => …` with HTTP API v2 events.
    Lambda,
    /// Cloudflare Workers modules: `export default { fetch(request, env, ctx) { … } }`.
    Workers,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::OpenFaas => "openfaas",
            Shape::Lambda => "lambda",
            Shape::Workers => "workers",
        }
    }

    pub fn parse(text: &str) -> Option<Shape> {
        match text {
            "openfaas" => Some(Shape::OpenFaas),
            "lambda" => Some(Shape::Lambda),
            "workers" => Some(Shape::Workers),
            _ => None,
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compiled function: framed QuickJS module bytecode plus the detected shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compiled {
    #[serde(with = "serde_bytes")]
    pub bytecode: Vec<u8>,
    pub shape: Shape,
}

impl Compiled {
    /// Whether this engine build can load the bytecode. Bytecode from another build (after an
    /// upgrade) must be compiled again from source.
    pub fn is_current(&self) -> bool {
        bytecode::is_current(&self.bytecode)
    }
}

/// A function's code: one source file, or several files (path → text) with an optional entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    Single(String),
    Files { files: BTreeMap<String, String>, main: Option<String> },
}

impl From<String> for Source {
    fn from(code: String) -> Self {
        Source::Single(code)
    }
}

impl From<&str> for Source {
    fn from(code: &str) -> Self {
        Source::Single(code.to_owned())
    }
}

/// Why a function's source was rejected. Positions are 1-based and refer to the user's source;
/// `file` names the file (relative path) of a multi-file function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompileError {
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    #[serde(default)]
    pub file: Option<String>,
}

impl CompileError {
    fn plain(message: impl Into<String>) -> Self {
        CompileError { message: message.into(), line: None, column: None, file: None }
    }

    /// The error is in the file at `path` (absolute inside the function).
    fn in_file(mut self, path: &str) -> Self {
        self.file = Some(path.trim_start_matches('/').to_owned());
        self
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            return match (self.line, self.column) {
                (Some(line), Some(column)) => write!(f, "{} ({file}:{line}:{column})", self.message),
                (Some(line), None) => write!(f, "{} ({file}:{line})", self.message),
                _ => write!(f, "{} ({file})", self.message),
            };
        }
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{} (line {line}, column {column})", self.message),
            (Some(line), None) => write!(f, "{} (line {line})", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CompileError {}

/// One HTTP request to a function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    /// The path after the function's route, starting with "/".
    pub path: String,
    /// The raw query string, without the '?'.
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
    pub invocation_id: String,
    pub function_name: String,
    pub function_version: i64,
    pub org: String,
    /// A Lambda-shaped handler gets an API Gateway REST (payload format 1.0) event instead of an
    /// HTTP API (2.0) one.
    #[serde(default)]
    pub lambda_v1: bool,
}

/// The function's answer. Header names are lower case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
}

/// One line of console output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// `log`, `info`, `warn`, `error` or `debug`.
    pub level: String,
    pub message: String,
}

/// A successful call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    pub response: HttpResponse,
    pub logs: Vec<LogLine>,
    /// Bytes allocated by the instance's JS heap after the call.
    pub memory_used: usize,
    pub duration: Duration,
}

/// Why a call produced no response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvokeError {
    /// The call ran past its timeout (the interrupt fired, or the supervisor killed the worker).
    Timeout,
    /// The JS heap limit or the worker's address-space limit was hit.
    MemoryExceeded,
    /// The call recursed past the stack limit.
    StackOverflow,
    /// The handler (or the module's top-level code) threw.
    Exception { message: String, stack: Option<String> },
    /// The response body exceeded `max_response_bytes`.
    ResponseTooLarge,
    /// The handler's result could not be turned into an HTTP response.
    BadResponse(String),
    /// The worker process died during the call.
    WorkerCrashed(String),
    /// No worker became free within the pool's queue timeout (or the pool is shut down).
    NoWorker,
    /// A bug or an environment problem on our side.
    Internal(String),
}

impl fmt::Display for InvokeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvokeError::Timeout => f.write_str("the function timed out"),
            InvokeError::MemoryExceeded => f.write_str("the function ran out of memory"),
            InvokeError::StackOverflow => f.write_str("the function overflowed its stack (too much recursion)"),
            InvokeError::Exception { message, .. } => write!(f, "the function threw: {message}"),
            InvokeError::ResponseTooLarge => f.write_str("the function's response is too large"),
            InvokeError::BadResponse(message) => write!(f, "the function returned an invalid response: {message}"),
            InvokeError::WorkerCrashed(message) => write!(f, "the function's worker crashed: {message}"),
            InvokeError::NoWorker => f.write_str("no worker is available"),
            InvokeError::Internal(message) => write!(f, "internal sandbox error: {message}"),
        }
    }
}

impl std::error::Error for InvokeError {}

/// Compiles a function's source to bytecode and detects its handler shape.
///
/// ES modules (sources with `export` declarations) are compiled as modules. Anything else is
/// treated as CommonJS and runs in sloppy mode like in Node: QuickJS modules are always strict,
/// so CommonJS source is stored inside the module bytecode and compiled as a script when an
/// instance loads it. The module's top-level code is then run once (without environment) to
/// check which handler it exports; if that throws, the shape guessed from the source is kept.
pub fn compile(source: &str, limits: &Limits) -> Result<Compiled, CompileError> {
    let found = scan::scan(source);
    if let Some((line, column)) = found.import {
        return Err(CompileError {
            message: "import declarations need the imported files: send the function as several files (or a zip), \
                      or bundle its dependencies into one file"
                .to_owned(),
            line: Some(line),
            column: Some(column),
            file: None,
        });
    }
    let payload = write_module(source, found.esm, limits)?;
    let compiled = Compiled { bytecode: bytecode::wrap(&payload), shape: found.shape.unwrap_or(Shape::OpenFaas) };
    detect_shape(compiled, found.shape, limits)
}

/// Compiles a function of several files: `files` maps relative paths (`index.js`,
/// `lib/util.mjs`, `node_modules/lodash/lodash.js`) to their text, `main` names the entry file
/// (else `package.json`'s `exports` / `main`, else `index.js`). Errors name the file.
pub fn compile_files(
    files: &BTreeMap<String, String>,
    main: Option<&str>,
    limits: &Limits,
) -> Result<Compiled, CompileError> {
    let (bundle, entry_source) = bundle::build(files, main, limits)?;
    let hint = scan::scan(entry_source).shape;
    let bytecode = bytecode::wrap_bundle(&bundle).map_err(CompileError::plain)?;
    detect_shape(Compiled { bytecode, shape: hint.unwrap_or(Shape::OpenFaas) }, hint, limits)
}

/// The entry file (relative path) a function of several files without a named `main` gets:
/// `package.json`'s `exports` / `main`, else `index.js` and its kin.
pub fn entry_file(files: &BTreeMap<String, String>) -> Result<String, String> {
    let absolute: BTreeMap<String, &str> =
        files.iter().map(|(path, text)| (format!("/{path}"), text.as_str())).collect();
    let tree = resolve::Tree::new(absolute.keys().map(String::as_str), |path| absolute.get(path).copied());
    tree.entry(None).map(|path| path.trim_start_matches('/').to_owned())
}

/// Compiles either kind of [`Source`].
pub fn compile_source(source: &Source, limits: &Limits) -> Result<Compiled, CompileError> {
    match source {
        Source::Single(code) => compile(code, limits),
        Source::Files { files, main } => compile_files(files, main.as_deref(), limits),
    }
}

/// Runs the module's top-level code once to find the handler it really exports.
fn detect_shape(mut compiled: Compiled, guessed: Option<Shape>, limits: &Limits) -> Result<Compiled, CompileError> {
    match Instance::new(&compiled, &BTreeMap::new(), limits) {
        Ok(instance) => compiled.shape = instance.shape(),
        Err(InvokeError::Exception { message, .. })
            if message.contains(instance::NO_HANDLER) || message.contains(UNAVAILABLE) =>
        {
            return Err(CompileError::plain(message.trim_start_matches("Error: ")));
        }
        Err(InvokeError::Timeout) => return Err(CompileError::plain("the function's top-level code timed out")),
        Err(InvokeError::MemoryExceeded) => {
            return Err(CompileError::plain("the function's top-level code ran out of memory"));
        }
        Err(InvokeError::StackOverflow) => {
            return Err(CompileError::plain("the function's top-level code overflowed the stack"));
        }
        Err(InvokeError::Internal(message)) => return Err(CompileError::plain(message)),
        Err(error) if guessed.is_none() => {
            return Err(CompileError::plain(format!(
                "no handler found, and running the function's top-level code failed: {error}"
            )));
        }
        // The top-level code failed, most likely because it needs the environment; keep the
        // shape guessed from the source.
        Err(_) => {}
    }
    Ok(compiled)
}

/// Part of the prelude's errors for `require()` and other missing Node/Web APIs: top-level code
/// failing with it would fail every time, so compiling reports it.
const UNAVAILABLE: &str = "is not available in Stratus functions";

/// Parses the source and returns QuickJS module bytecode (without our framing).
fn write_module(source: &str, esm: bool, limits: &Limits) -> Result<Vec<u8>, CompileError> {
    let internal = |e: rquickjs::Error| CompileError::plain(format!("internal compiler error: {e}"));
    let runtime = Runtime::new().map_err(internal)?;
    runtime.set_memory_limit(limits.memory_bytes);
    runtime.set_max_stack_size(limits.stack_bytes);
    let context = Context::full(&runtime).map_err(internal)?;
    context.with(|ctx| {
        let module = if esm {
            Module::declare(ctx.clone(), host::FUNCTION_FILE, source)
                .catch(&ctx)
                .map_err(|e| syntax_error(e, host::FUNCTION_FILE, 0))?
        } else {
            host::compile_cjs(&ctx, source, host::FUNCTION_FILE)
                .catch(&ctx)
                .map_err(|e| clamp_to_source(syntax_error(e, host::FUNCTION_FILE, host::CJS_PREFIX.len()), source))?;
            let wrapper = format!("export const __stratus_cjs_source = {};\n", js_string(source));
            Module::declare(ctx.clone(), host::FUNCTION_FILE, wrapper).map_err(internal)?
        };
        module.write(WriteOptions::default()).map_err(internal)
    })
}

/// Builds a compile error from a syntax error in `file`; `shift` is the width of a wrapper on
/// line 1.
fn syntax_error(error: CaughtError<'_>, file: &str, shift: usize) -> CompileError {
    let (message, stack) = match &error {
        CaughtError::Exception(exception) => {
            let name = exception.get::<_, String>("name").unwrap_or_else(|_| "SyntaxError".to_owned());
            (format!("{name}: {}", exception.message().unwrap_or_default()), exception.stack().unwrap_or_default())
        }
        other => (other.to_string(), String::new()),
    };
    let position = stack.split(&format!("{file}:")).nth(1).and_then(|rest| {
        let mut numbers = rest.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty());
        let line: u32 = numbers.next()?.parse().ok()?;
        let column: u32 = numbers.next().and_then(|c| c.parse().ok()).unwrap_or(1);
        Some((line, column))
    });
    match position {
        Some((line, column)) => {
            let shift = if line == 1 { u32::try_from(shift).unwrap_or(0) } else { 0 };
            CompileError { message, line: Some(line), column: Some(column.saturating_sub(shift).max(1)), file: None }
        }
        None => CompileError::plain(message),
    }
}

/// Errors the parser reports on the CommonJS wrapper's closing line (an unexpected end of input)
/// point at the end of the user's source instead.
fn clamp_to_source(mut error: CompileError, source: &str) -> CompileError {
    let lines = u32::try_from(source.split('\n').count()).unwrap_or(u32::MAX);
    if error.line.is_some_and(|line| line > lines) {
        let last = source.rsplit('\n').next().unwrap_or("");
        error.line = Some(lines);
        error.column = Some(u32::try_from(last.encode_utf16().count() + 1).unwrap_or(u32::MAX));
    }
    error
}

/// A JavaScript string literal for `text`.
fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
