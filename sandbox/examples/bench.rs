//! Rough timings of the engine and the pool (not a benchmark suite; numbers vary by machine).
//!
//! ```sh
//! cargo build --release -p stratus-sandbox --bins --examples
//! target/release/examples/bench
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sandbox::engine::{self, HttpRequest, Instance, Limits};
use sandbox::pool::{FunctionKey, LoadSpec, PoolConfig, WorkerCommand, WorkerPool};

const SHAPES: [(&str, &str); 3] = [
    ("openfaas", "module.exports = async (event, context) => 'hello'"),
    ("lambda", "exports.handler = async (event, context) => ({ statusCode: 200, body: 'hello' })"),
    ("workers", "export default { async fetch(request, env, ctx) { return new Response('hello') } }"),
];

fn request() -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: "/".into(),
        headers: vec![
            ("host".into(), "fn.example.com".into()),
            ("user-agent".into(), "bench".into()),
            ("accept".into(), "*/*".into()),
        ],
        invocation_id: "inv".into(),
        function_name: "hello".into(),
        function_version: 1,
        org: "acme".into(),
        ..HttpRequest::default()
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p) as usize]
}

fn report(label: &str, samples: &mut [Duration]) {
    let p50 = percentile(samples, 0.5);
    let p99 = percentile(samples, 0.99);
    println!("{label:<42} p50 {:>8.1} µs   p99 {:>8.1} µs", p50.as_secs_f64() * 1e6, p99.as_secs_f64() * 1e6);
}

fn engine_timings(limits: &Limits) {
    for (name, source) in SHAPES {
        let compiled = engine::compile(source, limits).unwrap();
        let env = BTreeMap::new();
        let mut cold: Vec<Duration> = (0..200)
            .map(|_| {
                let started = Instant::now();
                let instance = Instance::new(&compiled, &env, limits).unwrap();
                let elapsed = started.elapsed();
                drop(instance);
                elapsed
            })
            .collect();
        report(&format!("engine {name}: Instance::new (cold)"), &mut cold);

        let mut instance = Instance::new(&compiled, &env, limits).unwrap();
        let request = request();
        for _ in 0..1000 {
            instance.invoke(&request, limits).unwrap();
        }
        let mut warm: Vec<Duration> = (0..20_000)
            .map(|_| {
                let started = Instant::now();
                instance.invoke(&request, limits).unwrap();
                started.elapsed()
            })
            .collect();
        report(&format!("engine {name}: warm invoke"), &mut warm);
    }
}

async fn pool_timings(limits: &Limits) {
    let worker = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("stratus-sandbox-worker");
    let command = WorkerCommand { program: worker, args: Vec::new() };
    let config = PoolConfig { workers: 2, ..PoolConfig::default() };
    let pool = WorkerPool::start(command, config).await.unwrap();

    for (name, source) in SHAPES {
        let spec = Arc::new(LoadSpec {
            key: FunctionKey { org: "acme".into(), name: name.into(), version: 1 },
            compiled: Arc::new(engine::compile(source, limits).unwrap()),
            env: BTreeMap::new(),
            fresh_context: false,
        });
        for _ in 0..2000 {
            pool.invoke(&spec, request(), limits.clone()).await.unwrap();
        }
        let mut samples = Vec::with_capacity(20_000);
        for _ in 0..20_000 {
            let started = Instant::now();
            let (invocation, _) = pool.invoke(&spec, request(), limits.clone()).await.unwrap();
            samples.push(started.elapsed());
            assert_eq!(invocation.response.body, b"hello");
        }
        report(&format!("pool {name}: warm round trip (1 caller)"), &mut samples);

        let fresh = Arc::new(LoadSpec { fresh_context: true, ..(*spec).clone() });
        let mut samples = Vec::with_capacity(2000);
        for _ in 0..2000 {
            let started = Instant::now();
            pool.invoke(&fresh, request(), limits.clone()).await.unwrap();
            samples.push(started.elapsed());
        }
        report(&format!("pool {name}: fresh_context round trip"), &mut samples);
    }

    let spec = Arc::new(LoadSpec {
        key: FunctionKey { org: "acme".into(), name: "openfaas".into(), version: 1 },
        compiled: Arc::new(engine::compile(SHAPES[0].1, limits).unwrap()),
        env: BTreeMap::new(),
        fresh_context: false,
    });
    for callers in [2, 8] {
        let started = Instant::now();
        let total = 40_000;
        let mut tasks = Vec::new();
        for _ in 0..callers {
            let pool = pool.clone();
            let spec = spec.clone();
            let limits = limits.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..total / callers {
                    pool.invoke(&spec, request(), limits.clone()).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let rate = total as f64 / started.elapsed().as_secs_f64();
        println!("pool throughput, 2 workers, {callers} callers           {rate:>10.0} calls/s");
    }
    println!("{:?}", pool.stats());
    pool.shutdown().await;
}

#[tokio::main]
async fn main() {
    let limits = Limits::default();
    engine_timings(&limits);
    pool_timings(&limits).await;
}
