//! The worker process: hosts engine instances and serves one call at a time for the supervisor
//! ([`crate::pool`]) over stdin/stdout.
//!
//! At start the worker moves the protocol pipes to private descriptors, points fd 0 at
//! `/dev/null` and fd 1 at stderr (so nothing else can write into the protocol stream), waits
//! for the supervisor's `Init` and applies OS limits to itself: `RLIMIT_AS` (address space),
//! `RLIMIT_CORE = 0` and `no_new_privs`. Function code itself has no way to reach files,
//! processes or the network; these limits are the backstop for QuickJS itself.
//!
//! Descriptors: the worker only uses the two protocol pipes and stderr. Rust's standard library
//! and tokio open every descriptor with `O_CLOEXEC`, so a worker started by [`crate::pool`]
//! inherits nothing else.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::os::fd::AsFd as _;
use std::time::{Duration, Instant};

use rustix::process::{Resource, Rlimit, setrlimit};

use crate::engine::{Instance, InvokeError};
use crate::protocol::{self, FromWorker, InvokeCall, Invoked, ToWorker};

/// Runs the worker loop until stdin closes. Called by the `stratus worker` subcommand and the
/// crate's `stratus-sandbox-worker` binary.
pub fn run_worker() -> io::Result<()> {
    let input = File::from(io::stdin().as_fd().try_clone_to_owned()?);
    let output = File::from(io::stdout().as_fd().try_clone_to_owned()?);
    rustix::stdio::dup2_stdin(File::open("/dev/null")?)?;
    rustix::stdio::dup2_stdout(io::stderr())?;

    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut output = BufWriter::with_capacity(64 * 1024, output);
    let mut buf = Vec::new();

    if !protocol::read_frame(&mut input, &mut buf)? {
        return Ok(());
    }
    let ToWorker::Init { memory_bytes, warm_budget_bytes } = protocol::decode(&buf)? else {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "the first message must be Init"));
    };
    apply_limits(memory_bytes)?;
    protocol::write_frame(&mut output, &protocol::encode(&FromWorker::Ready)?)?;

    let mut state =
        State { instances: HashMap::new(), garbage: Vec::new(), warm_budget_bytes, tick: 0, last_trim: Instant::now() };
    while protocol::read_frame(&mut input, &mut buf)? {
        let answer = match protocol::decode(&buf)? {
            ToWorker::Init { .. } => return Err(io::Error::new(io::ErrorKind::InvalidData, "Init sent twice")),
            ToWorker::Compile { source, limits } => FromWorker::Compiled(crate::engine::compile(&source, &limits)),
            ToWorker::Invoke(call) => FromWorker::Invoked(state.invoke(*call)),
        };
        protocol::write_frame(&mut output, &protocol::encode(&answer)?)?;
        // Tearing down a runtime takes a while (a final GC over its heap): do it after answering.
        state.garbage.clear();
    }
    Ok(())
}

fn apply_limits(memory_bytes: u64) -> io::Result<()> {
    setrlimit(Resource::Core, Rlimit { current: Some(0), maximum: Some(0) })?;
    if memory_bytes > 0 {
        setrlimit(Resource::As, Rlimit { current: Some(memory_bytes), maximum: Some(memory_bytes) })?;
    }
    rustix::thread::set_no_new_privs(true)?;
    Ok(())
}

struct Slot {
    instance: Instance,
    last_used: u64,
}

struct State {
    instances: HashMap<u64, Slot>,
    /// Instances to drop once the current answer is sent.
    garbage: Vec<Instance>,
    warm_budget_bytes: u64,
    tick: u64,
    last_trim: Instant,
}

/// Measuring heaps walks them, so the warm set is checked against the budget at most this often.
const TRIM_INTERVAL: Duration = Duration::from_millis(250);

impl State {
    fn invoke(&mut self, call: InvokeCall<'_>) -> Invoked {
        for slot in call.evict.iter() {
            if let Some(evicted) = self.instances.remove(slot) {
                self.garbage.push(evicted.instance);
            }
        }
        self.tick += 1;
        let mut answer = Invoked {
            result: Err(InvokeError::NoWorker),
            failed_logs: Vec::new(),
            cold: false,
            retained: false,
            retire: false,
            evicted: Vec::new(),
        };

        let mut instance = match call.load {
            Some(load) => {
                answer.cold = true;
                match Instance::new(&load.compiled, &load.env, &call.limits) {
                    Ok(instance) => instance,
                    Err(error) => {
                        answer.retire = error == InvokeError::MemoryExceeded;
                        answer.result = Err(error);
                        return answer;
                    }
                }
            }
            None => match self.instances.remove(&call.slot) {
                Some(slot) => slot.instance,
                None => {
                    answer.result =
                        Err(InvokeError::Internal(format!("slot {} is not loaded in this worker", call.slot)));
                    return answer;
                }
            },
        };

        answer.result = instance.invoke(&call.request, &call.limits);
        if answer.result.is_err() {
            answer.failed_logs = instance.take_logs();
        }
        match &answer.result {
            Err(InvokeError::MemoryExceeded) => {
                // Tearing down a QuickJS runtime that just hit its memory limit has tripped
                // assertions (an abort) in the past. Leak it instead and let the supervisor
                // replace this worker right after the answer is sent.
                std::mem::forget(instance);
                answer.retire = true;
            }
            Err(InvokeError::Timeout | InvokeError::StackOverflow | InvokeError::Internal(_)) => {
                self.garbage.push(instance);
            }
            _ if call.fresh => self.garbage.push(instance),
            _ => {
                self.instances.insert(call.slot, Slot { instance, last_used: self.tick });
                answer.retained = true;
                answer.evicted = self.trim(call.slot);
            }
        }
        answer
    }

    /// Drops least recently used instances (never `keep`) while their heaps exceed the budget.
    fn trim(&mut self, keep: u64) -> Vec<u64> {
        let mut evicted = Vec::new();
        if self.warm_budget_bytes == 0 || self.last_trim.elapsed() < TRIM_INTERVAL {
            return evicted;
        }
        self.last_trim = Instant::now();
        let mut total: u64 = self.instances.values().map(|s| s.instance.memory_used() as u64).sum();
        while total > self.warm_budget_bytes {
            let oldest = self.instances.iter().filter(|(slot, _)| **slot != keep).min_by_key(|(_, s)| s.last_used);
            let Some((&slot, _)) = oldest else { break };
            if let Some(removed) = self.instances.remove(&slot) {
                total = total.saturating_sub(removed.instance.memory_used() as u64);
                self.garbage.push(removed.instance);
            }
            evicted.push(slot);
        }
        evicted
    }
}
