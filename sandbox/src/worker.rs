//! The worker process: hosts engine instances and serves one call at a time for the supervisor
//! ([`crate::pool`]) over stdin/stdout.
//!
//! At start the worker moves the protocol pipes to private descriptors, points fd 0 at
//! `/dev/null` and fd 1 at stderr (so nothing else can write into the protocol stream), waits
//! for the supervisor's `Init` and applies OS limits to itself: `RLIMIT_AS` (address space),
//! `RLIMIT_CORE = 0` and `no_new_privs`. Function code itself has no way to reach files,
//! processes or the network; these limits are the backstop for QuickJS itself.
//!
//! `fetch()` never opens a socket here: the request goes to the supervisor as a `Fetch` frame in
//! the middle of an `Invoke`, and the worker blocks until the `Fetched` frame answers it
//! ([`crate::outbound`]).
//!
//! Descriptors: the worker only uses the two protocol pipes and stderr. Rust's standard library
//! and tokio open every descriptor with `O_CLOEXEC`, so a worker started by [`crate::pool`]
//! inherits nothing else.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::os::fd::AsFd as _;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rustix::process::{Resource, Rlimit, setrlimit};

use crate::engine::{Channel, Instance, InvokeError};
use crate::outbound::{OutboundError, OutboundRequest, OutboundResponse};
use crate::protocol::{self, FromWorker, InvokeCall, Invoked, ToWorker};

/// The protocol pipes and the frame buffer.
struct Pipes {
    input: BufReader<File>,
    output: BufWriter<File>,
    buf: Vec<u8>,
}

impl Pipes {
    /// The next message; `None` at a clean end of stream.
    fn read(&mut self) -> io::Result<Option<ToWorker<'static>>> {
        if !protocol::read_frame(&mut self.input, &mut self.buf)? {
            return Ok(None);
        }
        protocol::decode(&self.buf).map(Some)
    }

    fn write(&mut self, message: &FromWorker) -> io::Result<()> {
        protocol::write_frame(&mut self.output, &protocol::encode(message)?)
    }
}

/// `fetch()` during a call: a round trip to the supervisor over the pipes.
struct SupervisorChannel(Rc<RefCell<Pipes>>);

impl Channel for SupervisorChannel {
    fn fetch(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let mut pipes = self.0.borrow_mut();
        let gone = |e: io::Error| format!("fetch failed: the sandbox lost its supervisor ({e})");
        pipes.write(&FromWorker::Fetch(Box::new(request))).map_err(gone)?;
        match pipes.read() {
            Ok(Some(ToWorker::Fetched(answer))) => *answer,
            Ok(_) => Err("fetch failed: the supervisor answered with the wrong message".to_owned()),
            Err(e) => Err(gone(e)),
        }
    }
}

/// Runs the worker loop until stdin closes. Called by the `stratus worker` subcommand and the
/// crate's `stratus-sandbox-worker` binary.
pub fn run_worker() -> io::Result<()> {
    let input = File::from(io::stdin().as_fd().try_clone_to_owned()?);
    let output = File::from(io::stdout().as_fd().try_clone_to_owned()?);
    rustix::stdio::dup2_stdin(File::open("/dev/null")?)?;
    rustix::stdio::dup2_stdout(io::stderr())?;

    let pipes = Rc::new(RefCell::new(Pipes {
        input: BufReader::with_capacity(64 * 1024, input),
        output: BufWriter::with_capacity(64 * 1024, output),
        buf: Vec::new(),
    }));
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());

    let Some(first) = pipes.borrow_mut().read()? else {
        return Ok(());
    };
    let ToWorker::Init { memory_bytes, warm_budget_bytes } = first else {
        return Err(invalid("the first message must be Init"));
    };
    apply_limits(memory_bytes)?;
    pipes.borrow_mut().write(&FromWorker::Ready)?;

    let channel: Rc<dyn Channel> = Rc::new(SupervisorChannel(Rc::clone(&pipes)));
    let mut state =
        State { instances: HashMap::new(), garbage: Vec::new(), warm_budget_bytes, tick: 0, last_trim: Instant::now() };
    loop {
        // Not borrowed while a call runs: its fetch()es use the pipes.
        let Some(message) = pipes.borrow_mut().read()? else { break };
        let answer = match message {
            ToWorker::Init { .. } => return Err(invalid("Init sent twice")),
            ToWorker::Fetched(_) => return Err(invalid("Fetched outside a fetch")),
            ToWorker::Compile { source, limits } => {
                FromWorker::Compiled(crate::engine::compile_source(&source, &limits))
            }
            ToWorker::Invoke(call) => FromWorker::Invoked(state.invoke(*call, &channel)),
        };
        pipes.borrow_mut().write(&answer)?;
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
    fn invoke(&mut self, call: InvokeCall<'_>, channel: &Rc<dyn Channel>) -> Invoked {
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

        instance.set_channel(Some(Rc::clone(channel)));
        answer.result = instance.invoke(&call.request, &call.limits);
        instance.set_channel(None);
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
