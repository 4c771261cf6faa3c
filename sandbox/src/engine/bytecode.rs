//! Framing and loading of QuickJS module bytecode.
//!
//! Everything this crate compiles is wrapped in a small header (magic, engine build tag, payload
//! length and checksum) so that [`load`] only ever hands QuickJS bytes that came out of our own
//! `Module::write` in a build with the same engine, never truncated or corrupted blobs and never
//! bytecode from a different QuickJS version.

use std::sync::OnceLock;

use rquickjs::{Context, Ctx, Module, Runtime, WriteOptions};

use super::bundle::Bundle;

const MAGIC: [u8; 4] = *b"SBX\x01";
/// A multi-file function: the payload is a postcard-encoded [`Bundle`].
const MAGIC_BUNDLE: [u8; 4] = *b"SBX\x02";
const HEADER_LEN: usize = 4 + 8 + 8 + 8;

/// The prelude sources, concatenated into one module.
const PRELUDE_SOURCE: &str = concat!(
    include_str!("js/core.js"),
    "\n",
    include_str!("js/buffer.js"),
    "\n",
    include_str!("js/url.js"),
    "\n",
    include_str!("js/fetch_api.js"),
    "\n",
    include_str!("js/node.js"),
    "\n",
    include_str!("js/modules.js"),
    "\n",
    include_str!("js/adapters.js"),
);

/// Identifies the engine build: bytecode is only valid for the QuickJS it was written by. The tag
/// is the checksum of a probe module's bytecode, so any change in QuickJS's bytecode format (an
/// rquickjs upgrade) changes it, whatever the crate versions say.
fn build_tag() -> u64 {
    static TAG: OnceLock<u64> = OnceLock::new();
    *TAG.get_or_init(|| {
        let probe = || -> rquickjs::Result<Vec<u8>> {
            let runtime = Runtime::new()?;
            let context = Context::full(&runtime)?;
            context.with(|ctx| {
                let module = Module::declare(ctx, "probe", "export const probe = [1, 'two', { three: 3n }];")?;
                module.write(WriteOptions::default())
            })
        };
        let fallback = concat!("stratus-sandbox ", env!("CARGO_PKG_VERSION"), " rquickjs 0.14").as_bytes().to_vec();
        checksum(&probe().unwrap_or(fallback))
    })
}

/// A fast 64-bit checksum (FNV-1a over 8-byte words) to catch truncated or corrupted bytecode.
fn checksum(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash ^ u64::from_le_bytes(word)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    for &byte in chunks.remainder() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Wraps bytecode written by `Module::write` in our header.
pub(crate) fn wrap(payload: &[u8]) -> Vec<u8> {
    frame(MAGIC, payload)
}

/// Wraps a multi-file function in our header.
pub(crate) fn wrap_bundle(bundle: &Bundle) -> Result<Vec<u8>, String> {
    let payload = postcard::to_allocvec(bundle).map_err(|e| format!("encoding the bundle failed: {e}"))?;
    Ok(frame(MAGIC_BUNDLE, &payload))
}

fn frame(magic: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&magic);
    out.extend_from_slice(&build_tag().to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Checks the header of a single-file function and returns the QuickJS payload.
fn unwrap(bytes: &[u8]) -> Result<&[u8], String> {
    unwrap_as(MAGIC, bytes)
}

/// Whether the bytes are a multi-file function (the header is not checked).
pub(crate) fn is_bundle(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC_BUNDLE)
}

/// Checks the header of a multi-file function and decodes it.
pub(crate) fn bundle(bytes: &[u8]) -> Result<Bundle, String> {
    let payload = unwrap_as(MAGIC_BUNDLE, bytes)?;
    postcard::from_bytes(payload).map_err(|e| format!("the bundle is corrupted: {e}"))
}

fn unwrap_as(magic: [u8; 4], bytes: &[u8]) -> Result<&[u8], String> {
    let field = |at: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    };
    if bytes.len() < HEADER_LEN || bytes[..4] != magic {
        return Err("not Stratus function bytecode".to_owned());
    }
    if field(4) != build_tag() {
        return Err("the bytecode was compiled by a different engine build; compile the function again".to_owned());
    }
    let payload = &bytes[HEADER_LEN..];
    if field(12) != payload.len() as u64 || field(20) != checksum(payload) {
        return Err("the bytecode is truncated or corrupted".to_owned());
    }
    Ok(payload)
}

/// Whether `bytes` carry a valid header for this engine build.
pub(crate) fn is_current(bytes: &[u8]) -> bool {
    unwrap(bytes).is_ok() || unwrap_as(MAGIC_BUNDLE, bytes).is_ok()
}

/// Declares a module from bytecode produced by [`wrap`].
pub(crate) fn load<'js>(ctx: &Ctx<'js>, bytes: &[u8]) -> Result<Module<'js>, LoadError> {
    let payload = unwrap(bytes).map_err(LoadError::Invalid)?;
    // SAFETY: QuickJS trusts bytecode completely, so it must never see bytes an attacker could
    // shape. `unwrap` only accepts payloads carrying our header: the exact length and checksum
    // `wrap` recorded and the tag of this engine build. `wrap` is only ever applied to the output
    // of `Module::write` (in `compile` and `prelude`), so the payload is bytecode our own compile
    // step produced with this same QuickJS version from source text, which is what
    // `Module::load` requires.
    #[expect(unsafe_code, reason = "loading bytecode written by our own compile step")]
    let module = unsafe { Module::load(ctx.clone(), payload) };
    module.map_err(LoadError::Js)
}

/// Declares one ES module file of a bundle that [`bundle`] decoded.
pub(crate) fn load_bundled<'js>(ctx: &Ctx<'js>, bytecode: &[u8]) -> rquickjs::Result<Module<'js>> {
    // SAFETY: as in `load`: the bundle passed `unwrap_as` (our header, length, checksum and
    // engine tag), and `bundle::build` only ever puts the output of `Module::write` of this
    // QuickJS build, compiled from source text, into a bundle's `File::Esm`.
    #[expect(unsafe_code, reason = "loading bytecode written by our own compile step")]
    unsafe {
        Module::load(ctx.clone(), bytecode)
    }
}

#[derive(Debug)]
pub(crate) enum LoadError {
    Invalid(String),
    Js(rquickjs::Error),
}

/// The prelude module's bytecode, compiled once per process.
pub(crate) fn prelude() -> Result<&'static [u8], String> {
    static PRELUDE: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    PRELUDE.get_or_init(compile_prelude).as_deref().map_err(Clone::clone)
}

fn compile_prelude() -> Result<Vec<u8>, String> {
    let runtime = Runtime::new().map_err(|e| e.to_string())?;
    let context = Context::full(&runtime).map_err(|e| e.to_string())?;
    context.with(|ctx| {
        let module = Module::declare(ctx.clone(), "stratus:prelude", PRELUDE_SOURCE).map_err(|e| {
            let detail = ctx.catch();
            format!("{e}: {detail:?}")
        })?;
        // Prelude frames are filtered from stack traces and its functions' source text is of no
        // use to anyone, so both are stripped: that halves the bytecode and its load time.
        let options = WriteOptions { strip_source: true, strip_debug: true, ..WriteOptions::default() };
        let payload = module.write(options).map_err(|e| e.to_string())?;
        Ok(wrap(&payload))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_foreign_truncated_and_corrupted_bytes() {
        let wrapped = wrap(b"0123456789abcdef-payload");
        assert_eq!(unwrap(&wrapped).unwrap(), b"0123456789abcdef-payload");
        assert!(unwrap(b"\0asm").is_err());
        assert!(unwrap(&wrapped[..wrapped.len() - 1]).is_err());
        let mut corrupted = wrapped.clone();
        *corrupted.last_mut().unwrap() ^= 1;
        assert!(unwrap(&corrupted).is_err());
        let mut other_build = wrapped;
        other_build[5] ^= 1;
        assert!(unwrap(&other_build).unwrap_err().contains("different engine build"));
    }

    #[test]
    fn prelude_compiles() {
        prelude().unwrap();
    }
}
