//! The supervisor ⇄ worker wire protocol: length-prefixed binary frames over stdin/stdout.
//!
//! A frame is a little-endian `u32` payload length followed by the payload; the payload starts
//! with a message tag. Integers are little-endian, strings and byte strings are a `u32` length
//! followed by the bytes, lists are a `u32` count followed by the items. The format is private
//! to one build: the supervisor and its workers always run the same binary version.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::time::Duration;

use crate::engine::{
    CompileError, Compiled, HttpRequest, HttpResponse, Invocation, InvokeError, Limits, LogLine, Shape,
};

/// Frames larger than this are rejected as corrupt.
pub(crate) const MAX_FRAME: usize = 256 * 1024 * 1024;

const TAG_INIT: u8 = 1;
const TAG_COMPILE: u8 = 2;
const TAG_INVOKE: u8 = 3;
const TAG_READY: u8 = 1;
const TAG_COMPILED: u8 = 2;
const TAG_INVOKED: u8 = 3;

/// A message to a worker.
#[derive(Debug)]
pub(crate) enum ToWorker {
    /// First message: the limits the worker applies to itself.
    Init {
        memory_bytes: u64,
        warm_budget_bytes: u64,
    },
    Compile {
        source: String,
        limits: Limits,
    },
    Invoke(Box<InvokeCall>),
}

/// Run a call in instance `slot`, loading it first when `load` is given.
#[derive(Debug)]
pub(crate) struct InvokeCall {
    pub(crate) slot: u64,
    /// Slots the supervisor no longer tracks; the worker drops them first.
    pub(crate) evict: Vec<u64>,
    pub(crate) load: Option<(Compiled, BTreeMap<String, String>)>,
    /// Use a new instance for this call only.
    pub(crate) fresh: bool,
    pub(crate) request: HttpRequest,
    pub(crate) limits: Limits,
}

/// A message from a worker.
#[derive(Debug)]
pub(crate) enum FromWorker {
    Ready,
    Compiled(Result<Compiled, CompileError>),
    Invoked(Invoked),
}

#[derive(Debug)]
pub(crate) struct Invoked {
    pub(crate) result: Result<Invocation, InvokeError>,
    /// Console output of a failed call.
    pub(crate) failed_logs: Vec<LogLine>,
    /// The call created its instance.
    pub(crate) cold: bool,
    /// The instance is kept warm in its slot.
    pub(crate) retained: bool,
    /// The worker wants to be replaced (its state is suspect, e.g. after running out of memory).
    pub(crate) retire: bool,
    /// Slots the worker dropped on its own to stay within its memory budget.
    pub(crate) evicted: Vec<u64>,
}

/// Builds one frame.
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new(tag: u8) -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&[0; 4]);
        buf.push(tag);
        Writer { buf }
    }

    /// Patches the length prefix and returns the frame.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let len = u32::try_from(self.buf.len() - 4).unwrap_or(u32::MAX);
        self.buf[..4].copy_from_slice(&len.to_le_bytes());
        self.buf
    }

    fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn len(&mut self, v: usize) {
        self.u32(u32::try_from(v).unwrap_or(u32::MAX));
    }

    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }

    fn bytes(&mut self, v: &[u8]) {
        self.len(v.len());
        self.buf.extend_from_slice(v);
    }

    fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    fn opt_str(&mut self, v: Option<&str>) {
        self.bool(v.is_some());
        if let Some(v) = v {
            self.str(v);
        }
    }

    fn opt_u32(&mut self, v: Option<u32>) {
        self.bool(v.is_some());
        if let Some(v) = v {
            self.u32(v);
        }
    }

    fn duration(&mut self, v: Duration) {
        self.u64(u64::try_from(v.as_nanos()).unwrap_or(u64::MAX));
    }

    fn pairs<'a>(&mut self, count: usize, pairs: impl Iterator<Item = (&'a String, &'a String)>) {
        self.len(count);
        for (name, value) in pairs {
            self.str(name);
            self.str(value);
        }
    }

    fn slots(&mut self, slots: &[u64]) {
        self.len(slots.len());
        for &slot in slots {
            self.u64(slot);
        }
    }

    fn limits(&mut self, v: &Limits) {
        self.u64(v.memory_bytes as u64);
        self.u64(v.stack_bytes as u64);
        self.duration(v.timeout);
        self.u64(v.max_response_bytes as u64);
        self.u64(v.max_log_bytes as u64);
    }

    fn compiled(&mut self, v: &Compiled) {
        self.bytes(&v.bytecode);
        self.str(v.shape.as_str());
    }

    fn logs(&mut self, logs: &[LogLine]) {
        self.len(logs.len());
        for line in logs {
            self.str(&line.level);
            self.str(&line.message);
        }
    }

    fn request(&mut self, v: &HttpRequest) {
        self.str(&v.method);
        self.str(&v.path);
        self.str(&v.query);
        self.pairs(v.headers.len(), v.headers.iter().map(|(n, v)| (n, v)));
        self.bytes(&v.body);
        self.str(&v.invocation_id);
        self.str(&v.function_name);
        self.u64(v.function_version as u64);
        self.str(&v.org);
    }

    fn invoke_error(&mut self, v: &InvokeError) {
        match v {
            InvokeError::Timeout => self.u8(0),
            InvokeError::MemoryExceeded => self.u8(1),
            InvokeError::StackOverflow => self.u8(2),
            InvokeError::Exception { message, stack } => {
                self.u8(3);
                self.str(message);
                self.opt_str(stack.as_deref());
            }
            InvokeError::ResponseTooLarge => self.u8(4),
            InvokeError::BadResponse(message) => {
                self.u8(5);
                self.str(message);
            }
            InvokeError::WorkerCrashed(message) => {
                self.u8(6);
                self.str(message);
            }
            InvokeError::NoWorker => self.u8(7),
            InvokeError::Internal(message) => {
                self.u8(8);
                self.str(message);
            }
        }
    }
}

/// Encodes `Init`.
pub(crate) fn init(memory_bytes: u64, warm_budget_bytes: u64) -> Vec<u8> {
    let mut w = Writer::new(TAG_INIT);
    w.u64(memory_bytes);
    w.u64(warm_budget_bytes);
    w.finish()
}

/// Encodes `Compile`.
pub(crate) fn compile(source: &str, limits: &Limits) -> Vec<u8> {
    let mut w = Writer::new(TAG_COMPILE);
    w.str(source);
    w.limits(limits);
    w.finish()
}

/// Encodes `Invoke` from borrowed parts (no copies of bodies or bytecode).
pub(crate) fn invoke(
    slot: u64,
    evict: &[u64],
    load: Option<(&Compiled, &BTreeMap<String, String>)>,
    fresh: bool,
    request: &HttpRequest,
    limits: &Limits,
) -> Vec<u8> {
    let mut w = Writer::new(TAG_INVOKE);
    w.u64(slot);
    w.slots(evict);
    w.bool(load.is_some());
    if let Some((compiled, env)) = load {
        w.compiled(compiled);
        w.pairs(env.len(), env.iter());
    }
    w.bool(fresh);
    w.request(request);
    w.limits(limits);
    w.finish()
}

pub(crate) fn ready() -> Vec<u8> {
    Writer::new(TAG_READY).finish()
}

pub(crate) fn compiled(result: &Result<Compiled, CompileError>) -> Vec<u8> {
    let mut w = Writer::new(TAG_COMPILED);
    match result {
        Ok(compiled) => {
            w.bool(true);
            w.compiled(compiled);
        }
        Err(error) => {
            w.bool(false);
            w.str(&error.message);
            w.opt_u32(error.line);
            w.opt_u32(error.column);
        }
    }
    w.finish()
}

pub(crate) fn invoked(v: &Invoked) -> Vec<u8> {
    let mut w = Writer::new(TAG_INVOKED);
    match &v.result {
        Ok(invocation) => {
            w.bool(true);
            w.u16(invocation.response.status);
            w.pairs(invocation.response.headers.len(), invocation.response.headers.iter().map(|(n, v)| (n, v)));
            w.bytes(&invocation.response.body);
            w.logs(&invocation.logs);
            w.u64(invocation.memory_used as u64);
            w.duration(invocation.duration);
        }
        Err(error) => {
            w.bool(false);
            w.invoke_error(error);
        }
    }
    w.logs(&v.failed_logs);
    w.bool(v.cold);
    w.bool(v.retained);
    w.bool(v.retire);
    w.slots(&v.evicted);
    w.finish()
}

/// Reads one frame's payload.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("corrupt sandbox message: {what}"))
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(corrupt("truncated"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> io::Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn usize(&mut self) -> io::Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| corrupt("size out of range"))
    }

    fn len(&mut self) -> io::Result<usize> {
        let len = self.u32()? as usize;
        if len > self.buf.len() {
            return Err(corrupt("length past the end"));
        }
        Ok(len)
    }

    fn bool(&mut self) -> io::Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("bad bool")),
        }
    }

    fn bytes(&mut self) -> io::Result<Vec<u8>> {
        let len = self.len()?;
        Ok(self.take(len)?.to_vec())
    }

    fn string(&mut self) -> io::Result<String> {
        String::from_utf8(self.bytes()?).map_err(|_| corrupt("invalid UTF-8"))
    }

    fn opt_string(&mut self) -> io::Result<Option<String>> {
        if self.bool()? { self.string().map(Some) } else { Ok(None) }
    }

    fn opt_u32(&mut self) -> io::Result<Option<u32>> {
        if self.bool()? { self.u32().map(Some) } else { Ok(None) }
    }

    fn duration(&mut self) -> io::Result<Duration> {
        Ok(Duration::from_nanos(self.u64()?))
    }

    fn pairs(&mut self) -> io::Result<Vec<(String, String)>> {
        let count = self.len()?;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push((self.string()?, self.string()?));
        }
        Ok(out)
    }

    fn slots(&mut self) -> io::Result<Vec<u64>> {
        let count = self.len()?;
        (0..count).map(|_| self.u64()).collect()
    }

    fn limits(&mut self) -> io::Result<Limits> {
        Ok(Limits {
            memory_bytes: self.usize()?,
            stack_bytes: self.usize()?,
            timeout: self.duration()?,
            max_response_bytes: self.usize()?,
            max_log_bytes: self.usize()?,
        })
    }

    fn compiled(&mut self) -> io::Result<Compiled> {
        let bytecode = self.bytes()?;
        let shape = Shape::parse(&self.string()?).ok_or_else(|| corrupt("unknown shape"))?;
        Ok(Compiled { bytecode, shape })
    }

    fn logs(&mut self) -> io::Result<Vec<LogLine>> {
        let count = self.len()?;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(LogLine { level: self.string()?, message: self.string()? });
        }
        Ok(out)
    }

    fn request(&mut self) -> io::Result<HttpRequest> {
        Ok(HttpRequest {
            method: self.string()?,
            path: self.string()?,
            query: self.string()?,
            headers: self.pairs()?,
            body: self.bytes()?,
            invocation_id: self.string()?,
            function_name: self.string()?,
            function_version: self.u64()? as i64,
            org: self.string()?,
        })
    }

    fn invoke_error(&mut self) -> io::Result<InvokeError> {
        Ok(match self.u8()? {
            0 => InvokeError::Timeout,
            1 => InvokeError::MemoryExceeded,
            2 => InvokeError::StackOverflow,
            3 => InvokeError::Exception { message: self.string()?, stack: self.opt_string()? },
            4 => InvokeError::ResponseTooLarge,
            5 => InvokeError::BadResponse(self.string()?),
            6 => InvokeError::WorkerCrashed(self.string()?),
            7 => InvokeError::NoWorker,
            8 => InvokeError::Internal(self.string()?),
            _ => return Err(corrupt("unknown error kind")),
        })
    }

    fn end(&self) -> io::Result<()> {
        if self.buf.is_empty() { Ok(()) } else { Err(corrupt("trailing bytes")) }
    }
}

pub(crate) fn decode_to_worker(payload: &[u8]) -> io::Result<ToWorker> {
    let mut r = Reader::new(payload);
    let message = match r.u8()? {
        TAG_INIT => ToWorker::Init { memory_bytes: r.u64()?, warm_budget_bytes: r.u64()? },
        TAG_COMPILE => ToWorker::Compile { source: r.string()?, limits: r.limits()? },
        TAG_INVOKE => {
            let slot = r.u64()?;
            let evict = r.slots()?;
            let load = if r.bool()? {
                let compiled = r.compiled()?;
                Some((compiled, r.pairs()?.into_iter().collect()))
            } else {
                None
            };
            ToWorker::Invoke(Box::new(InvokeCall {
                slot,
                evict,
                load,
                fresh: r.bool()?,
                request: r.request()?,
                limits: r.limits()?,
            }))
        }
        _ => return Err(corrupt("unknown message")),
    };
    r.end()?;
    Ok(message)
}

pub(crate) fn decode_from_worker(payload: &[u8]) -> io::Result<FromWorker> {
    let mut r = Reader::new(payload);
    let message = match r.u8()? {
        TAG_READY => FromWorker::Ready,
        TAG_COMPILED => {
            if r.bool()? {
                FromWorker::Compiled(Ok(r.compiled()?))
            } else {
                FromWorker::Compiled(Err(CompileError {
                    message: r.string()?,
                    line: r.opt_u32()?,
                    column: r.opt_u32()?,
                }))
            }
        }
        TAG_INVOKED => {
            let result = if r.bool()? {
                let response = HttpResponse { status: r.u16()?, headers: r.pairs()?, body: r.bytes()? };
                Ok(Invocation { response, logs: r.logs()?, memory_used: r.usize()?, duration: r.duration()? })
            } else {
                Err(r.invoke_error()?)
            };
            FromWorker::Invoked(Invoked {
                result,
                failed_logs: r.logs()?,
                cold: r.bool()?,
                retained: r.bool()?,
                retire: r.bool()?,
                evicted: r.slots()?,
            })
        }
        _ => return Err(corrupt("unknown message")),
    };
    r.end()?;
    Ok(message)
}

/// Reads one frame's payload into `buf` (blocking). `Ok(false)` means a clean end of stream.
pub(crate) fn read_frame(input: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(corrupt("frame too large"));
    }
    buf.clear();
    buf.resize(len, 0);
    input.read_exact(buf)?;
    Ok(true)
}

/// Writes a finished frame and flushes (blocking).
pub(crate) fn write_frame(output: &mut impl Write, frame: &[u8]) -> io::Result<()> {
    output.write_all(frame)?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(frame: &[u8]) -> &[u8] {
        assert_eq!(u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize, frame.len() - 4);
        &frame[4..]
    }

    #[test]
    fn invoke_round_trips() {
        let compiled = Compiled { bytecode: vec![1, 2, 3], shape: Shape::Lambda };
        let env = BTreeMap::from([("A".to_owned(), "1".to_owned())]);
        let request = HttpRequest {
            method: "POST".into(),
            path: "/x".into(),
            query: "a=1".into(),
            headers: vec![("content-type".into(), "text/plain".into())],
            body: b"hello".to_vec(),
            invocation_id: "id".into(),
            function_name: "fn".into(),
            function_version: -7,
            org: "org".into(),
        };
        let limits = Limits::default();
        let frame = invoke(9, &[1, 2], Some((&compiled, &env)), true, &request, &limits);
        let ToWorker::Invoke(call) = decode_to_worker(payload(&frame)).unwrap() else { panic!("wrong message") };
        assert_eq!((call.slot, call.evict, call.fresh), (9, vec![1, 2], true));
        assert_eq!(call.load, Some((compiled, env)));
        assert_eq!((call.request, call.limits), (request, limits));
    }

    #[test]
    fn answers_round_trip() {
        let answer = Invoked {
            result: Err(InvokeError::Exception { message: "boom".into(), stack: Some("at x".into()) }),
            failed_logs: vec![LogLine { level: "log".into(), message: "hi".into() }],
            cold: true,
            retained: false,
            retire: true,
            evicted: vec![4],
        };
        let frame = invoked(&answer);
        let FromWorker::Invoked(back) = decode_from_worker(payload(&frame)).unwrap() else { panic!("wrong message") };
        assert_eq!(back.result, answer.result);
        assert_eq!(back.failed_logs, answer.failed_logs);
        assert_eq!((back.cold, back.retained, back.retire, back.evicted), (true, false, true, vec![4]));

        let error = CompileError { message: "bad".into(), line: Some(3), column: None };
        let frame = compiled(&Err(error.clone()));
        let FromWorker::Compiled(Err(back)) = decode_from_worker(payload(&frame)).unwrap() else { panic!("wrong") };
        assert_eq!(back, error);
    }

    #[test]
    fn rejects_truncated_payloads() {
        let frame = compile("source", &Limits::default());
        assert!(decode_to_worker(&payload(&frame)[..10]).is_err());
    }
}
