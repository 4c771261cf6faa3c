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
use rquickjs::{Ctx, Exception, Function, Object, TypedArray};

use super::shared::Shared;

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

    host.set("compileCjs", Function::new(ctx.clone(), |ctx: Ctx<'js>, source: String| compile_cjs(&ctx, &source))?)?;

    host.set("cjsShift", CJS_PREFIX.len())?;
    ctx.globals().set("__stratus_host", host)
}

/// Compiles CommonJS source into a sloppy-mode factory function
/// `(exports, require, module, __filename, __dirname)`, without running it.
pub(crate) fn compile_cjs<'js>(ctx: &Ctx<'js>, source: &str) -> rquickjs::Result<Function<'js>> {
    let mut options = EvalOptions::default();
    options.global = true;
    options.strict = false;
    options.filename = Some(FUNCTION_FILE.to_owned());
    // A `#!` line is only valid at the very start of a script; keep the line, drop its meaning.
    let source = match source.strip_prefix("#!") {
        Some(rest) => format!("{CJS_PREFIX}//{rest}\n}})"),
        None => format!("{CJS_PREFIX}{source}\n}})"),
    };
    ctx.eval_with_options(source, options)
}
