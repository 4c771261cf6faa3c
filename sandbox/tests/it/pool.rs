//! Pool integration tests with real worker processes (`stratus-sandbox-worker`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sandbox::engine::{self, HttpRequest, InvokeError, Limits};
use sandbox::pool::{FunctionKey, LoadSpec, PoolConfig, WorkerCommand, WorkerPool};

pub(crate) fn command() -> WorkerCommand {
    WorkerCommand { program: env!("CARGO_BIN_EXE_stratus-sandbox-worker").into(), args: Vec::new() }
}

pub(crate) fn config(workers: usize) -> PoolConfig {
    PoolConfig {
        workers,
        grace: Duration::from_millis(300),
        queue_timeout: Duration::from_secs(5),
        worker_memory_bytes: 512 * 1024 * 1024,
        max_warm_per_worker: 8,
    }
}

pub(crate) fn limits() -> Limits {
    Limits {
        memory_bytes: 32 * 1024 * 1024,
        stack_bytes: 512 * 1024,
        timeout: Duration::from_millis(400),
        max_response_bytes: 1024 * 1024,
        max_log_bytes: 16 * 1024,
    }
}

pub(crate) fn request() -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: "/".into(),
        invocation_id: "test".into(),
        function_name: "fn".into(),
        function_version: 1,
        org: "acme".into(),
        ..HttpRequest::default()
    }
}

pub(crate) fn spec(name: &str, source: &str) -> Arc<LoadSpec> {
    let compiled = engine::compile(source, &limits()).expect("test source compiles");
    Arc::new(LoadSpec {
        key: FunctionKey { org: "acme".into(), name: name.into(), version: 1 },
        compiled: Arc::new(compiled),
        env: BTreeMap::new(),
        fresh_context: false,
    })
}

const HELLO: &str = "module.exports = async () => 'hello'";

pub(crate) async fn assert_hello(pool: &WorkerPool) {
    let (invocation, _) = pool.invoke(&spec("hello", HELLO), request(), limits()).await.expect("hello answers");
    assert_eq!(invocation.response.body, b"hello");
}

#[tokio::test]
async fn hello_round_trip_is_cold_then_warm() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let hello = spec("hello", HELLO);
    let (first, cold) = pool.invoke(&hello, request(), limits()).await.unwrap();
    assert_eq!((first.response.status, first.response.body.as_slice(), cold), (200, &b"hello"[..], true));
    let (_, cold) = pool.invoke(&hello, request(), limits()).await.unwrap();
    assert!(!cold);
    let stats = pool.stats();
    assert_eq!((stats.cold_starts, stats.warm_starts, stats.alive), (1, 1, 1));
    pool.shutdown().await;
    assert_eq!(pool.invoke(&hello, request(), limits()).await.unwrap_err(), InvokeError::NoWorker);
}

#[tokio::test]
async fn compiles_in_a_worker() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let compiled = pool.compile("exports.handler = async () => ({ statusCode: 204 })", limits()).await;
    assert_eq!(compiled.unwrap().unwrap().shape, engine::Shape::Lambda);
    let error = pool.compile("module.exports = (", limits()).await.unwrap().unwrap_err();
    assert_eq!(error.line, Some(1));
    pool.shutdown().await;
}

#[tokio::test]
async fn infinite_loop_times_out() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let spin = spec("spin", "module.exports = async () => { while (true) {} }");
    assert_eq!(pool.invoke(&spin, request(), limits()).await.unwrap_err(), InvokeError::Timeout);
    assert_hello(&pool).await;
}

#[tokio::test]
async fn infinite_loop_inside_a_promise_times_out() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let spin = spec("spin", "module.exports = () => Promise.resolve().then(() => { for (;;) {} })");
    assert_eq!(pool.invoke(&spin, request(), limits()).await.unwrap_err(), InvokeError::Timeout);
    let timer = spec("timer", "module.exports = () => new Promise(() => setTimeout(() => { for (;;) {} }, 10))");
    assert_eq!(pool.invoke(&timer, request(), limits()).await.unwrap_err(), InvokeError::Timeout);
    assert_hello(&pool).await;
}

#[tokio::test]
async fn memory_bomb_exceeds_memory() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let bomb =
        spec("bomb", "module.exports = async () => { const a = []; for (;;) a.push(new Array(100000).fill(7)); }");
    assert_eq!(pool.invoke(&bomb, request(), limits()).await.unwrap_err(), InvokeError::MemoryExceeded);
    assert_hello(&pool).await;
}

#[tokio::test]
async fn address_space_limit_backs_up_the_heap_limit() {
    // The worker may map at most 160 MiB although the JS heap limit would allow far more.
    let pool =
        WorkerPool::start(command(), PoolConfig { worker_memory_bytes: 160 * 1024 * 1024, ..config(1) }).await.unwrap();
    let bomb =
        spec("bomb", "module.exports = async () => { const a = []; for (;;) a.push(new Array(100000).fill(7)); }");
    let generous = Limits { memory_bytes: 4 * 1024 * 1024 * 1024, timeout: Duration::from_secs(5), ..limits() };
    assert_eq!(pool.invoke(&bomb, request(), generous).await.unwrap_err(), InvokeError::MemoryExceeded);
    assert_hello(&pool).await;
    assert!(pool.stats().restarts >= 1, "a worker that ran out of memory is replaced");
}

#[tokio::test]
async fn deep_recursion_overflows_the_stack() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let deep = spec("deep", "const f = (n) => f(n + 1) + 1; module.exports = async () => String(f(0))");
    assert_eq!(pool.invoke(&deep, request(), limits()).await.unwrap_err(), InvokeError::StackOverflow);
    assert_hello(&pool).await;
}

#[tokio::test]
async fn non_interruptible_builtin_is_stopped_by_the_supervisor() {
    let pool = WorkerPool::start(command(), config(2)).await.unwrap();
    let source = "module.exports = async () => JSON.stringify(new Array(1e7).fill({ a: 1 })).length";
    let stringify = spec("stringify", source);
    let big = Limits { memory_bytes: 1024 * 1024 * 1024, timeout: Duration::from_millis(200), ..limits() };
    let started = Instant::now();
    let error = pool.invoke(&stringify, request(), big.clone()).await.unwrap_err();
    eprintln!("JSON.stringify bomb answered with {error:?} after {:?}", started.elapsed());
    assert!(
        matches!(error, InvokeError::Timeout | InvokeError::MemoryExceeded),
        "expected a timeout or out-of-memory error, got {error:?}"
    );
    // Either way the worker is replaced (killed by the supervisor, or retired after running out of
    // memory) and the other worker keeps answering meanwhile.
    assert_hello(&pool).await;
    assert_hello(&pool).await;
    assert!(pool.stats().restarts >= 1);
}

#[tokio::test]
async fn huge_response_is_too_large() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let huge = spec("huge", "module.exports = async () => 'x'.repeat(2 * 1024 * 1024)");
    assert_eq!(pool.invoke(&huge, request(), limits()).await.unwrap_err(), InvokeError::ResponseTooLarge);
    let bytes = spec("bytes", "export default { fetch: () => new Response(new Uint8Array(3 * 1024 * 1024)) }");
    assert_eq!(pool.invoke(&bytes, request(), limits()).await.unwrap_err(), InvokeError::ResponseTooLarge);
    assert_hello(&pool).await;
}

#[tokio::test]
async fn externally_killed_worker_is_replaced() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let pid = spec("pid", "module.exports = async () => 'ok'");
    pool.invoke(&pid, request(), limits()).await.unwrap();
    let pids = pool.idle_worker_pids();
    assert_eq!(pids.len(), 1);
    let killed = std::process::Command::new("kill").args(["-9", &pids[0].to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match pool.invoke(&pid, request(), limits()).await {
            Ok((invocation, cold)) => {
                assert_eq!(invocation.response.body, b"ok");
                assert!(cold, "a replacement worker starts without warm instances");
                break;
            }
            Err(error) => {
                assert!(matches!(error, InvokeError::WorkerCrashed(_)), "unexpected {error:?}");
                assert!(Instant::now() < deadline, "the worker was not replaced");
            }
        }
    }
    assert!(pool.stats().restarts >= 1);
}

#[tokio::test]
async fn warm_instances_keep_globals_but_fresh_contexts_do_not() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let source = "let count = 0; module.exports = async () => String(++count)";
    let counter = spec("counter", source);
    let mut bodies = Vec::new();
    for _ in 0..3 {
        bodies.push(pool.invoke(&counter, request(), limits()).await.unwrap().0.response.body);
    }
    assert_eq!(bodies, [b"1", b"2", b"3"]);
    let mut fresh = (*counter).clone();
    fresh.fresh_context = true;
    fresh.key.name = "fresh".into();
    let counter = Arc::new(fresh);
    for _ in 0..2 {
        let (invocation, cold) = pool.invoke(&counter, request(), limits()).await.unwrap();
        assert_eq!((invocation.response.body.as_slice(), cold), (&b"1"[..], true));
    }
}

#[tokio::test]
async fn queue_times_out_without_a_free_worker() {
    let pool = WorkerPool::start(command(), PoolConfig { queue_timeout: Duration::from_millis(50), ..config(1) })
        .await
        .unwrap();
    let slow = spec("slow", "module.exports = () => new Promise((r) => setTimeout(() => r('done'), 300))");
    let busy = {
        let pool = pool.clone();
        let slow = slow.clone();
        tokio::spawn(async move { pool.invoke(&slow, request(), limits()).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(pool.invoke(&slow, request(), limits()).await.unwrap_err(), InvokeError::NoWorker);
    assert_eq!(busy.await.unwrap().unwrap().0.response.body, b"done");
}

#[tokio::test]
async fn failed_calls_return_their_logs() {
    let pool = WorkerPool::start(command(), config(1)).await.unwrap();
    let noisy =
        spec("noisy", "exports.handler = async () => { console.log('about to fail'); throw new TypeError('nope') }");
    let outcome = pool.invoke_detailed(&noisy, request(), limits(), None).await;
    let Err(InvokeError::Exception { message, .. }) = outcome.result else { panic!("expected an exception") };
    assert_eq!(message, "TypeError: nope");
    assert_eq!(outcome.failed_logs[0].message, "about to fail");
}
