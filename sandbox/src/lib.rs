//! Stratus function sandbox: runs tenant JavaScript functions in QuickJS (rquickjs 0.14).
//!
//! * [`engine`] compiles and runs functions in-process: [`compile`] turns source into framed
//!   module bytecode and detects the handler [`Shape`]; an [`Instance`] is one QuickJS runtime
//!   with one function loaded, reused for warm calls.
//! * [`worker`] is the main loop of a worker process hosting engine instances; it serves one
//!   call at a time over stdin/stdout.
//! * [`pool`] is the async supervisor the server uses. Untrusted code is compiled and run only
//!   in worker processes: a non-interruptible QuickJS builtin or an abort inside QuickJS can only
//!   cost a worker, which the pool kills (after `timeout + grace`) and replaces.
//!
//! # Limits, in layers
//!
//! 1. Per call, in the engine: `Runtime::set_memory_limit`, `set_max_stack_size` and an
//!    interrupt handler that reads the call's deadline. Promise jobs and timers run inside the
//!    same deadline. Response bodies and console output are capped.
//! 2. Per worker process: `RLIMIT_AS` (the pool's `worker_memory_bytes`), `RLIMIT_CORE = 0`,
//!    `no_new_privs`, a cleared environment, and the supervisor's wall-clock kill.
//! 3. Capabilities: no `std`/`os` modules, no filesystem, no sockets; `require` gives the Node
//!    built-ins the README's table lists (hashing in Rust) and, in a multi-file function, the
//!    function's own files and `node_modules` (`import` too), resolved over the files it was
//!    compiled with and never over a disk;
//!    `fetch()` is carried to the supervisor, which makes the request under the call's
//!    [`Outbound`] (the org's egress policy) or refuses it ([`outbound`]).
//! 4. Isolation: one runtime per instance; instances are only reused for the same function key,
//!    code and environment; `fresh_context` gives every call a new instance.
//!
//! A cold call may use the timeout twice: once for the module's top-level code, once for the
//! call itself; the supervisor's kill budget for a cold call is `2 × timeout + grace`. The heap
//! limit covers the runtime and the prelude too (about 0.5 MiB for a hello-world instance).
//!
//! Compiled bytecode carries a tag of the QuickJS build that wrote it; after an engine upgrade,
//! [`Compiled::is_current`] is false and the function must be compiled again from source
//! (loading it fails with [`InvokeError::Internal`]).
//!
//! # Handler shapes and deviations
//!
//! * **OpenFaaS** (`module.exports = async (event, context, cb) => …`): `event.body` is parsed
//!   by content type (JSON, `text/*`, urlencoded; no content type means text) and `RAW_BODY=true`
//!   gives a `Buffer`. Deviations: other media types give the raw bytes (a `Buffer`) instead of
//!   Express's unparsed `{}`; urlencoded bodies and queries are parsed flat (repeated keys
//!   become arrays, no `a[b]` nesting); a thrown or rejected error answers **500** with
//!   `String(error)` (the template keeps the current status, 200 by default) and is logged.
//! * **AWS Lambda** (`exports.handler` / `export const handler`): an HTTP API payload 2.0 event
//!   and the `{ statusCode, headers, body, isBase64Encoded, cookies }` result; a result without
//!   `statusCode` is a 200 `application/json`. With [`HttpRequest::lambda_v1`] (the function's
//!   `payload_format_version: "1.0"`, as API Gateway's REST APIs send): a 1.0 event (`httpMethod`,
//!   `path`, `headers` + `multiValueHeaders`, `queryStringParameters` + `multiValue…`,
//!   `pathParameters.proxy`, `requestContext.identity`), and a result without a numeric
//!   `statusCode` is an invalid response (API Gateway's 502); `cookies` is ignored there. Callback style works. `requestContext.accountId`
//!   is `anonymous`, `apiId` is the org, `sourceIp` comes from `x-forwarded-for`. Thrown errors
//!   are [`InvokeError::Exception`].
//! * **Cloudflare Workers** (`export default { fetch(request, env, ctx) }`, also a class with a
//!   `fetch` method): `Request`/`Response`/`Headers` with in-memory bodies; `.body` is a single
//!   chunk stream; no `FormData`, `Blob` or `request.cf`. `ctx.waitUntil` promises run after the
//!   response until they settle or the deadline passes.
//! * **`fetch()`** (every shape, during a call; top-level code has none, as in Workers): the
//!   WHATWG function over the same classes, with `redirect` modes; bodies are buffered, one
//!   request at a time per call (the worker waits for each). Refusals and failures reject with
//!   a `TypeError` whose message comes from the supervisor's [`Outbound`].
//!
//! Unhandled promise rejections and errors thrown by timers are logged as `error` lines.

pub mod engine;
pub mod outbound;
pub mod pool;
mod protocol;
pub mod worker;

pub use engine::{
    CompileError, Compiled, HttpRequest, HttpResponse, Instance, Invocation, InvokeError, Limits, LogLine, MAX_FILES,
    MAX_PATH_BYTES, Shape, Source, check_path, compile, compile_files, compile_source, entry_file,
};
pub use outbound::{Outbound, OutboundError, OutboundFuture, OutboundRequest, OutboundResponse, Redirect};
pub use pool::{CallOutcome, FunctionKey, LoadSpec, PoolConfig, PoolStats, WorkerCommand, WorkerPool};
