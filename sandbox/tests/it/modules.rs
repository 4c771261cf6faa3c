//! Functions of several files: Node's resolution (relative paths, node_modules, package.json
//! `main` and `exports`), CommonJS semantics (cache, cycles, JSON), ES modules and CommonJS
//! importing each other, built-ins from both, and errors that name the file.

use std::collections::BTreeMap;

use sandbox::engine::{self, Instance, InvokeError, Shape};
use serde_json::{Value, json};

use crate::engine::{get, json_body, limits};

fn files(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter().map(|(path, text)| (path.to_string(), text.to_string())).collect()
}

fn call(list: &[(&str, &str)], main: Option<&str>) -> Result<Value, InvokeError> {
    let compiled = engine::compile_files(&files(list), main, &limits()).unwrap_or_else(|e| panic!("compile: {e}"));
    let mut instance = Instance::new(&compiled, &BTreeMap::new(), &limits())?;
    Ok(json_body(&instance.invoke(&get("/", ""), &limits())?))
}

#[test]
fn commonjs_files_require_each_other_json_and_node_modules() {
    let value = call(
        &[
            (
                "index.js",
                "const a = require('./lib/a');
                 const data = require('./data.json');
                 const pad = require('left-pad');
                 const { inner } = require('@acme/tools/inner');
                 const again = require('./lib/a.js');
                 module.exports = async () => ({ a: a.name, same: a === again, data, pad: pad('x', 3), inner,
                   resolved: require.resolve('left-pad'), dir: __dirname, file: __filename, main: require.main === module });",
            ),
            ("lib/a.js", "exports.name = 'a:' + require('../data.json').n;"),
            ("data.json", r#"{"n": 1}"#),
            ("node_modules/left-pad/package.json", r#"{"main": "./src/pad"}"#),
            ("node_modules/left-pad/src/pad.js", "module.exports = (s, n) => s.padStart(n, '.');"),
            ("node_modules/@acme/tools/inner/index.js", "exports.inner = require('left-pad')('i', 2);"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(
        value,
        json!({"a": "a:1", "same": true, "data": {"n": 1}, "pad": "..x", "inner": ".i",
               "resolved": "/node_modules/left-pad/src/pad.js", "dir": "/", "file": "/index.js", "main": true})
    );
}

#[test]
fn cycles_give_partial_exports_as_node_does() {
    let value = call(
        &[
            ("index.js", "const a = require('./a'); module.exports = () => ({ a: a.done, seen: a.seenB });"),
            ("a.js", "exports.done = false; const b = require('./b'); exports.seenB = b.sawA; exports.done = true;"),
            ("b.js", "const a = require('./a'); exports.sawA = a.done;"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(value, json!({"a": true, "seen": false}));
}

#[test]
fn es_modules_and_commonjs_import_each_other() {
    let value = call(
        &[
            (
                "package.json",
                r#"{"name": "fn", "type": "module", "main": "src/main.js", "dependencies": {"dual": "1"}}"#,
            ),
            (
                "src/main.js",
                "import { greet } from './greet.js';
                 import legacy, { twice } from './legacy.cjs';
                 import dual from 'dual';
                 import { createHash } from 'node:crypto';
                 import config from './config.json' with { type: 'json' };
                 const lazy = await import('./lazy.js');
                 export default { async fetch() {
                   return Response.json({ greet: greet('x'), legacy: legacy.twice(2), twice: twice(3), dual,
                     hash: createHash('sha1').update('a').digest('hex').slice(0, 8), config, lazy: lazy.value,
                     fromCjs: legacy.fromEsm });
                 } };",
            ),
            ("src/greet.js", "export function greet(name) { return `hi ${name}`; }"),
            ("src/lazy.js", "export const value = 'lazy';"),
            ("src/config.json", r#"{"region": "eu"}"#),
            ("src/legacy.cjs", "exports.twice = (n) => n * 2; exports.fromEsm = require('./greet.js').greet('cjs');"),
            ("node_modules/dual/package.json", r#"{"exports": {".": {"import": "./esm.mjs", "require": "./cjs.js"}}}"#),
            ("node_modules/dual/esm.mjs", "export default 'esm build';"),
            ("node_modules/dual/cjs.js", "module.exports = 'cjs build';"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(
        value,
        json!({"greet": "hi x", "legacy": 4, "twice": 6, "dual": "esm build", "hash": "86f7e437",
               "config": {"region": "eu"}, "lazy": "lazy", "fromCjs": "hi cjs"})
    );
}

#[test]
fn the_entry_comes_from_main_then_package_json_then_index() {
    let list = [
        ("handler.js", "exports.handler = async () => ({ statusCode: 200, body: JSON.stringify('handler') });"),
        ("index.js", "module.exports = () => 'index';"),
    ];
    let compiled = engine::compile_files(&files(&list), Some("handler.js"), &limits()).unwrap();
    assert_eq!(compiled.shape, Shape::Lambda);
    let compiled = engine::compile_files(&files(&list), None, &limits()).unwrap();
    assert_eq!(compiled.shape, Shape::OpenFaas);
    let error = engine::compile_files(&files(&list[..0]), None, &limits()).unwrap_err();
    assert!(error.message.contains("no entry file"), "{error}");
    let error = engine::compile_files(&files(&list), Some("nope.js"), &limits()).unwrap_err();
    assert!(error.message.contains("'nope.js' is not one of the files"), "{error}");
}

#[test]
fn errors_name_the_file_line_and_column() {
    let error = engine::compile_files(
        &files(&[("index.js", "module.exports = () => 1;"), ("lib/broken.js", "const ok = 1;\nlet = = 2;")]),
        None,
        &limits(),
    )
    .unwrap_err();
    assert_eq!((error.file.as_deref(), error.line), (Some("lib/broken.js"), Some(2)), "{error}");
    assert!(error.to_string().contains("(lib/broken.js:2:"), "{error}");
    let error = engine::compile_files(
        &files(&[("index.mjs", "export default {\n  fetch() { return new Response('x') }\n  oops\n};")]),
        None,
        &limits(),
    )
    .unwrap_err();
    assert_eq!((error.file.as_deref(), error.line), (Some("index.mjs"), Some(3)), "{error}");
    let error =
        engine::compile_files(&files(&[("index.js", "module.exports = 1"), ("a.json", "{nope")]), None, &limits())
            .unwrap_err();
    assert_eq!(error.file.as_deref(), Some("a.json"), "{error}");
    for bad in ["../x.js", "/abs.js", "a//b.js", "a/./b.js", "a\\b.js"] {
        let error = engine::compile_files(&files(&[("index.js", "module.exports = 1"), (bad, "")]), None, &limits())
            .unwrap_err();
        assert!(error.message.contains(bad), "{bad}: {error}");
    }
}

#[test]
fn missing_modules_and_refused_builtins_throw_clear_errors() {
    let value = call(
        &[(
            "index.js",
            "module.exports = () => {
               const out = {};
               try { require('./nope') } catch (e) { out.missing = [e.code, e.message] }
               try { require('fs') } catch (e) { out.fs = e.message }
               try { require('zlib') } catch (e) { out.zlib = e.message }
               return out;
             };",
        )],
        None,
    )
    .unwrap();
    assert_eq!(value["missing"][0], "MODULE_NOT_FOUND");
    assert_eq!(value["missing"][1], "Cannot find module './nope' imported from /index.js");
    assert!(value["fs"].as_str().unwrap().contains("have no file system"), "{value}");
    assert!(value["zlib"].as_str().unwrap().contains("Node's zlib module is not provided"), "{value}");
    let compiled = engine::compile_files(
        &files(&[("index.mjs", "import x from './missing.js';\nexport default () => x;")]),
        None,
        &limits(),
    );
    let error = match compiled {
        Err(error) => error.message,
        Ok(compiled) => format!("{:?}", Instance::new(&compiled, &BTreeMap::new(), &limits()).err()),
    };
    assert!(error.contains("Cannot find module './missing.js' imported from /index.mjs"), "{error}");
}

#[test]
fn old_style_constructors_inherit_from_event_emitter_and_stream() {
    let value = call(
        &[(
            "index.js",
            "const EventEmitter = require('events');
             const Stream = require('stream');
             const util = require('util');
             function Old() { EventEmitter.call(this); this.n = 1; }
             util.inherits(Old, EventEmitter);
             function Source() { Stream.call(this); }
             util.inherits(Source, Stream);
             class Modern extends EventEmitter {}
             module.exports = () => {
               const seen = [];
               const old = new Old();
               old.on('x', (v) => seen.push(v));
               old.emit('x', old.n);
               const source = new Source();
               source.on('data', (v) => seen.push(v));
               source.emit('data', 'chunk');
               const modern = new Modern();
               modern.once('y', (v) => seen.push(v));
               modern.emit('y', 'once');
               modern.emit('y', 'twice');
               return { seen, isEmitter: old instanceof EventEmitter, count: old.listenerCount('x') };
             };",
        )],
        None,
    )
    .unwrap();
    assert_eq!(value, json!({ "seen": [1, "chunk", "once"], "isEmitter": true, "count": 1 }));
}

#[test]
fn a_thrown_error_points_into_the_file_that_threw() {
    let error = call(
        &[
            ("index.js", "const lib = require('./lib');\nmodule.exports = () => lib.fail();"),
            ("lib.js", "exports.fail = () => {\n  throw new Error('boom');\n};"),
        ],
        None,
    )
    .unwrap_err();
    let InvokeError::Exception { message, stack } = error else { panic!("{error:?}") };
    assert_eq!(message, "Error: boom");
    assert!(stack.unwrap_or_default().contains("/lib.js:2:"), "stack");
}
