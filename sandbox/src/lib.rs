//! Stratus function sandbox: runs tenant JavaScript in QuickJS.
//!
//! * [`engine`] compiles and runs functions in-process (one QuickJS runtime per instance).
//! * [`worker`] is the main loop of a worker process that hosts engine instances.
//! * [`pool`] is the async supervisor the server uses: it keeps worker processes, routes calls
//!   to workers that have the function warm, and kills and replaces workers that overrun or die.

pub mod engine;
pub mod pool;
mod protocol;
pub mod worker;

pub use engine::{
    CompileError, Compiled, HttpRequest, HttpResponse, Instance, Invocation, InvokeError, Limits, LogLine, Shape,
    compile,
};
pub use pool::{CallOutcome, FunctionKey, LoadSpec, PoolConfig, PoolStats, WorkerCommand, WorkerPool};
