//! Host functions the prelude builds its Web APIs on, plus the sloppy-mode CommonJS compiler.
//!
//! They are installed on `globalThis.__stratus_host`, which the prelude removes again before any
//! function code runs.

use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore as _;
use rquickjs::context::EvalOptions;
use rquickjs::function::Opt;
use rquickjs::{Ctx, Exception, Function, IntoJs as _, Object, TypedArray, Value};
use sha2::Digest as _;

use super::shared::Shared;
use crate::outbound::{DISABLED, OutboundRequest, Redirect};

/// The file name function code is compiled under; it shows up in stack traces.
pub(crate) const FUNCTION_FILE: &str = "function.js";

/// CommonJS sources are wrapped in this function expression (on the same line, so only columns
/// on line 1 shift) and compiled as a sloppy-mode script, like Node does.
pub(crate) const CJS_PREFIX: &str = "(function (exports, require, module, __filename, __dirname) {";

/// The largest buffer `crypto.getRandomValues` may fill (the Web Crypto quota).
const MAX_RANDOM_BYTES: usize = 65_536;

pub(crate) fn install<'js>(ctx: &Ctx<'js>, shared: &Rc<Shared>) -> rquickjs::Result<()> {
    let host = Object::new(ctx.clone())?;

    let state = Rc::clone(shared);
    host.set(
        "log",
        Function::new(ctx.clone(), move |level: String, message: String| state.logs.borrow_mut().push(level, message))?,
    )?;

    let state = Rc::clone(shared);
    host.set("now", Function::new(ctx.clone(), move || state.now_ms())?)?;

    host.set(
        "randomBytes",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, len: usize| {
            let mut bytes = vec![0u8; len.min(MAX_RANDOM_BYTES)];
            rand::rng().fill_bytes(&mut bytes);
            TypedArray::<u8>::new(ctx, bytes)
        })?,
    )?;

    host.set(
        "utf8Encode",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, text: String| TypedArray::<u8>::new(ctx, text.into_bytes()))?,
    )?;

    host.set(
        "utf8Decode",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, base64: String, fatal: Opt<bool>| -> rquickjs::Result<String> {
            let bytes = BASE64.decode(base64).map_err(|e| Exception::throw_internal(&ctx, &e.to_string()))?;
            if fatal.0.unwrap_or(false) {
                String::from_utf8(bytes)
                    .map_err(|_| Exception::throw_type(&ctx, "The encoded data was not valid UTF-8"))
            } else {
                Ok(match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(error) => String::from_utf8_lossy(&error.into_bytes()).into_owned(),
                })
            }
        })?,
    )?;

    let state = Rc::clone(shared);
    host.set(
        "fetch",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  method: String,
                  url: String,
                  headers: Vec<String>,
                  body: Option<String>,
                  redirect: String| { fetch(&ctx, &state, method, url, headers, body, &redirect) },
        )?,
    )?;

    host.set(
        "digest",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, algorithm: String, data: String| -> rquickjs::Result<String> {
            let data = decode(&ctx, &data)?;
            let digest = match algorithm.as_str() {
                "md5" => md5::Md5::digest(&data).to_vec(),
                "sha1" => sha1::Sha1::digest(&data).to_vec(),
                "sha256" => sha2::Sha256::digest(&data).to_vec(),
                "sha384" => sha2::Sha384::digest(&data).to_vec(),
                "sha512" => sha2::Sha512::digest(&data).to_vec(),
                other => return Err(Exception::throw_type(&ctx, &format!("Digest method not supported: {other}"))),
            };
            Ok(BASE64.encode(digest))
        })?,
    )?;

    host.set(
        "hmac",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, algorithm: String, key: String, data: String| {
            let (key, data) = (decode(&ctx, &key)?, decode(&ctx, &data)?);
            let mac = match algorithm.as_str() {
                "md5" => hmac_of::<md5::Md5>(&key, &data),
                "sha1" => hmac_of::<sha1::Sha1>(&key, &data),
                "sha256" => hmac_of::<sha2::Sha256>(&key, &data),
                "sha384" => hmac_of::<sha2::Sha384>(&key, &data),
                "sha512" => hmac_of::<sha2::Sha512>(&key, &data),
                other => return Err(Exception::throw_type(&ctx, &format!("Invalid digest: {other}"))),
            };
            Ok(BASE64.encode(mac))
        })?,
    )?;

    host.set(
        "compileCjs",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, source: String| compile_cjs(&ctx, &source, FUNCTION_FILE))?,
    )?;
    if let Some(modules) = shared.modules.get() {
        super::loader::install(ctx, &host, modules)?;
    }

    host.set("cjsShift", CJS_PREFIX.len())?;
    ctx.globals().set("__stratus_host", host)
}

fn decode(ctx: &Ctx<'_>, base64: &str) -> rquickjs::Result<Vec<u8>> {
    BASE64.decode(base64).map_err(|e| Exception::throw_internal(ctx, &format!("bad base64 from the prelude: {e}")))
}

/// HMAC of `data` under `key` with the hash `D` (any key length: HMAC hashes long keys).
fn hmac_of<D>(key: &[u8], data: &[u8]) -> Vec<u8>
where
    D: sha2::digest::core_api::CoreProxy,
    D::Core: sha2::digest::HashMarker
        + sha2::digest::core_api::UpdateCore
        + sha2::digest::core_api::FixedOutputCore
        + sha2::digest::core_api::BufferKindUser<BufferKind = sha2::digest::block_buffer::Eager>
        + Default
        + Clone,
    <D::Core as sha2::digest::core_api::BlockSizeUser>::BlockSize:
        sha2::digest::typenum::IsLess<sha2::digest::typenum::U256>,
    sha2::digest::typenum::Le<
        <D::Core as sha2::digest::core_api::BlockSizeUser>::BlockSize,
        sha2::digest::typenum::U256,
    >: sha2::digest::typenum::NonZero,
{
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<D>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// `host.fetch(method, url, [name, value, …], base64Body?, redirect)`: the request goes through the
/// call's channel; the answer is `[status, statusText, url, [name, value, …], body, redirected]`,
/// or the `TypeError` message as a string (the prelude throws it inside the promise).
fn fetch<'js>(
    ctx: &Ctx<'js>,
    shared: &Shared,
    method: String,
    url: String,
    flat: Vec<String>,
    body: Option<String>,
    redirect: &str,
) -> rquickjs::Result<Value<'js>> {
    let channel = shared.channel.borrow().clone();
    let Some(channel) = channel else {
        if shared.loading.get() {
            return "fetch() cannot run in top-level code: call it inside the handler".into_js(ctx);
        }
        return DISABLED.into_js(ctx);
    };
    let Some(redirect) = Redirect::parse(redirect) else {
        return format!("fetch: invalid redirect mode '{redirect}'").into_js(ctx);
    };
    let headers = flat.chunks_exact(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect();
    let body = match body.map(|b| BASE64.decode(b)).transpose() {
        Ok(body) => body,
        Err(e) => return Err(Exception::throw_internal(ctx, &format!("fetch: bad body encoding: {e}"))),
    };
    match channel.fetch(OutboundRequest { method, url, headers, body, redirect }) {
        Err(message) => message.into_js(ctx),
        Ok(answer) => {
            let flat: Vec<String> = answer.headers.into_iter().flat_map(|(name, value)| [name, value]).collect();
            let array = rquickjs::Array::new(ctx.clone())?;
            array.set(0, answer.status)?;
            array.set(1, answer.status_text)?;
            array.set(2, answer.url)?;
            array.set(3, flat)?;
            array.set(4, TypedArray::<u8>::new(ctx.clone(), answer.body)?)?;
            array.set(5, answer.redirected)?;
            Ok(array.into_value())
        }
    }
}

/// Compiles CommonJS source into a sloppy-mode factory function
/// `(exports, require, module, __filename, __dirname)`, without running it.
pub(crate) fn compile_cjs<'js>(ctx: &Ctx<'js>, source: &str, file: &str) -> rquickjs::Result<Function<'js>> {
    let mut options = EvalOptions::default();
    options.global = true;
    options.strict = false;
    options.filename = Some(file.to_owned());
    // A `#!` line is only valid at the very start of a script; keep the line, drop its meaning.
    let source = match source.strip_prefix("#!") {
        Some(rest) => format!("{CJS_PREFIX}//{rest}\n}})"),
        None => format!("{CJS_PREFIX}{source}\n}})"),
    };
    ctx.eval_with_options(source, options)
}
