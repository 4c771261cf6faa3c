//! The supervisor ⇄ worker wire protocol: length-prefixed frames over stdin/stdout.
//!
//! A frame is a little-endian `u32` payload length, at most [`MAX_FRAME`], followed by one
//! message encoded with postcard (chosen over bincode 2: its wire format is specified and stable
//! since 1.0 and compact, and it is maintained, while bincode's development has ended, see
//! RUSTSEC-2025-0141). The encoding is private to one build: the supervisor and its workers
//! always run the same binary version. Bad input is an `io::Error`, never a panic.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use crate::engine::{CompileError, Compiled, HttpRequest, Invocation, InvokeError, Limits, LogLine, Source};
use crate::outbound::{OutboundError, OutboundRequest, OutboundResponse};

/// Frames larger than this are rejected as corrupt.
pub(crate) const MAX_FRAME: usize = 256 * 1024 * 1024;

/// A message to a worker. The supervisor encodes borrowed parts (no copies of bodies or
/// bytecode); decoding always gives owned ones (`ToWorker<'static>`).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ToWorker<'a> {
    /// First message: the limits the worker applies to itself.
    Init {
        memory_bytes: u64,
        warm_budget_bytes: u64,
    },
    Compile {
        source: Cow<'a, Source>,
        limits: Limits,
    },
    Invoke(Box<InvokeCall<'a>>),
    /// The answer to the worker's [`FromWorker::Fetch`] during a call.
    Fetched(Box<Result<OutboundResponse, OutboundError>>),
}

/// Run a call in instance `slot`, loading it first when `load` is given.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct InvokeCall<'a> {
    pub(crate) slot: u64,
    /// Slots the supervisor no longer tracks; the worker drops them first.
    pub(crate) evict: Cow<'a, [u64]>,
    pub(crate) load: Option<Load<'a>>,
    /// Use a new instance for this call only.
    pub(crate) fresh: bool,
    pub(crate) request: Cow<'a, HttpRequest>,
    pub(crate) limits: Limits,
}

/// What a worker needs to load a function into a slot.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Load<'a> {
    pub(crate) compiled: Cow<'a, Compiled>,
    pub(crate) env: Cow<'a, BTreeMap<String, String>>,
}

/// A message from a worker.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FromWorker {
    Ready,
    Compiled(Result<Compiled, CompileError>),
    Invoked(Invoked),
    /// Function code called `fetch()` during an `Invoke`: the worker waits for `Fetched`.
    Fetch(Box<OutboundRequest>),
}

#[derive(Debug, Serialize, Deserialize)]
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

/// Encodes one message as a whole frame (length prefix included).
pub(crate) fn encode(message: &impl Serialize) -> io::Result<Vec<u8>> {
    let mut frame = postcard::to_extend(message, vec![0; 4])
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("encoding a sandbox message failed: {e}")))?;
    let len = frame.len() - 4;
    let prefix = u32::try_from(len).ok().filter(|_| len <= MAX_FRAME).ok_or_else(|| too_large(len))?;
    frame[..4].copy_from_slice(&prefix.to_le_bytes());
    Ok(frame)
}

/// Decodes a frame's payload, which must hold exactly one message.
pub(crate) fn decode<T: DeserializeOwned>(payload: &[u8]) -> io::Result<T> {
    let (message, rest) = postcard::take_from_bytes(payload).map_err(|e| corrupt(&e))?;
    if !rest.is_empty() {
        return Err(corrupt(&format_args!("{} trailing bytes", rest.len())));
    }
    Ok(message)
}

/// Reads one frame's payload into `buf` (blocking). `Ok(false)` means a clean end of stream,
/// before the first byte of a frame.
pub(crate) fn read_frame(input: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut prefix = [0u8; 4];
    let first = loop {
        match input.read(&mut prefix) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            read => break read?,
        }
    };
    if first == 0 {
        return Ok(false);
    }
    input.read_exact(&mut prefix[first..]).map_err(truncated)?;
    let len = payload_len(prefix, buf)?;
    input.take(len as u64).read_to_end(buf)?;
    check_complete(buf, len)?;
    Ok(true)
}

/// Reads one frame's payload into `buf` (async); the end of the stream is an error here.
pub(crate) async fn read_frame_async(input: &mut (impl AsyncRead + Unpin), buf: &mut Vec<u8>) -> io::Result<()> {
    let mut prefix = [0u8; 4];
    input.read_exact(&mut prefix).await?;
    let len = payload_len(prefix, buf)?;
    input.take(len as u64).read_to_end(buf).await?;
    check_complete(buf, len)
}

/// Writes a finished frame and flushes (blocking).
pub(crate) fn write_frame(output: &mut impl Write, frame: &[u8]) -> io::Result<()> {
    output.write_all(frame)?;
    output.flush()
}

/// Checks a length prefix and readies `buf`. The buffer grows as bytes arrive, so a garbled
/// length costs no allocation up front.
fn payload_len(prefix: [u8; 4], buf: &mut Vec<u8>) -> io::Result<usize> {
    let len = u32::from_le_bytes(prefix) as usize;
    if len > MAX_FRAME {
        return Err(too_large(len));
    }
    buf.clear();
    buf.reserve(len.min(1024 * 1024));
    Ok(len)
}

fn check_complete(buf: &[u8], len: usize) -> io::Result<()> {
    if buf.len() < len {
        return Err(truncated(io::Error::other(format!("{} of {len} bytes", buf.len()))));
    }
    Ok(())
}

fn corrupt(error: &dyn std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("corrupt sandbox message: {error}"))
}

fn too_large(len: usize) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("sandbox frame of {len} bytes exceeds {MAX_FRAME} bytes"))
}

fn truncated(error: io::Error) -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, format!("truncated sandbox frame: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Shape;

    fn payload(frame: &[u8]) -> &[u8] {
        assert_eq!(u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize, frame.len() - 4);
        &frame[4..]
    }

    fn invoke_frame() -> (Vec<u8>, Compiled, BTreeMap<String, String>, HttpRequest) {
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
            lambda_v1: true,
        };
        let call = InvokeCall {
            slot: 9,
            evict: Cow::Borrowed(&[1, 2]),
            load: Some(Load { compiled: Cow::Borrowed(&compiled), env: Cow::Borrowed(&env) }),
            fresh: true,
            request: Cow::Borrowed(&request),
            limits: Limits::default(),
        };
        let frame = encode(&ToWorker::Invoke(Box::new(call))).unwrap();
        (frame, compiled, env, request)
    }

    #[test]
    fn invoke_round_trips() {
        let (frame, compiled, env, request) = invoke_frame();
        let ToWorker::Invoke(call) = decode::<ToWorker<'static>>(payload(&frame)).unwrap() else {
            panic!("wrong message")
        };
        assert_eq!((call.slot, &*call.evict, call.fresh), (9, &[1, 2][..], true));
        let load = call.load.unwrap();
        assert_eq!((&*load.compiled, &*load.env), (&compiled, &env));
        assert_eq!((&*call.request, call.limits), (&request, Limits::default()));
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
        let frame = encode(&FromWorker::Invoked(answer)).unwrap();
        let FromWorker::Invoked(back) = decode(payload(&frame)).unwrap() else { panic!("wrong message") };
        assert_eq!(back.result, Err(InvokeError::Exception { message: "boom".into(), stack: Some("at x".into()) }));
        assert_eq!(back.failed_logs, vec![LogLine { level: "log".into(), message: "hi".into() }]);
        assert_eq!((back.cold, back.retained, back.retire, back.evicted), (true, false, true, vec![4]));

        let error = CompileError { message: "bad".into(), line: Some(3), column: None, file: Some("lib/a.js".into()) };
        let frame = encode(&FromWorker::Compiled(Err(error.clone()))).unwrap();
        let FromWorker::Compiled(Err(back)) = decode(payload(&frame)).unwrap() else { panic!("wrong") };
        assert_eq!(back, error);
    }

    #[test]
    fn rejects_truncated_garbled_and_padded_payloads() {
        let (frame, ..) = invoke_frame();
        let payload = payload(&frame);
        for end in 0..payload.len() {
            assert!(decode::<ToWorker<'static>>(&payload[..end]).is_err(), "prefix of {end} bytes");
        }
        let mut padded = payload.to_vec();
        padded.push(0);
        assert!(decode::<ToWorker<'static>>(&padded).unwrap_err().to_string().contains("trailing"));
        assert!(decode::<FromWorker>(&[200, 1, 2, 3]).is_err(), "unknown message");
        // Noise must give errors, never panics or huge allocations.
        let mut noise = 0x9e37_79b9_u32;
        for len in 0..2000 {
            let bytes: Vec<u8> = (0..len % 64)
                .map(|_| {
                    noise ^= noise << 13;
                    noise ^= noise >> 17;
                    noise ^= noise << 5;
                    noise as u8
                })
                .collect();
            let _ = decode::<ToWorker<'static>>(&bytes);
            let _ = decode::<FromWorker>(&bytes);
        }
    }

    #[test]
    fn frames_are_read_whole_or_rejected() {
        let (frame, ..) = invoke_frame();
        let mut buf = Vec::new();
        let mut stream = [frame.as_slice(), frame.as_slice()].concat();
        let mut input = stream.as_slice();
        assert!(read_frame(&mut input, &mut buf).unwrap());
        assert_eq!(buf, payload(&frame));
        assert!(read_frame(&mut input, &mut buf).unwrap());
        assert!(!read_frame(&mut input, &mut buf).unwrap(), "clean end of stream");

        for cut in [2, 4, frame.len() - 1] {
            let error = read_frame(&mut &frame[..cut], &mut buf).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}: {error}");
            assert!(error.to_string().contains("truncated"), "{error}");
        }

        stream[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        let error = read_frame(&mut stream.as_slice(), &mut buf).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("exceeds"), "{error}");
    }

    #[tokio::test]
    async fn async_reads_reject_bad_frames() {
        let frame = encode(&FromWorker::Ready).unwrap();
        let mut buf = Vec::new();
        read_frame_async(&mut frame.as_slice(), &mut buf).await.unwrap();
        assert!(matches!(decode(&buf).unwrap(), FromWorker::Ready));
        assert!(read_frame_async(&mut &frame[..2], &mut buf).await.is_err());
        let oversized = [u32::MAX.to_le_bytes().as_slice(), &[0; 16]].concat();
        let error = read_frame_async(&mut oversized.as_slice(), &mut buf).await.unwrap_err();
        assert!(error.to_string().contains("exceeds"), "{error}");
        let short = [8u32.to_le_bytes().as_slice(), &[0; 3]].concat();
        let error = read_frame_async(&mut short.as_slice(), &mut buf).await.unwrap_err();
        assert!(error.to_string().contains("truncated"), "{error}");
    }
}
