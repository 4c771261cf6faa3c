//! Engine tests: handler shapes, Web APIs, compile errors and instance reuse, in-process.

use std::collections::BTreeMap;
use std::time::Duration;

use sandbox::engine::{self, Compiled, HttpRequest, Instance, Invocation, InvokeError, Limits, Shape};
use serde_json::{Value, json};

pub(crate) fn limits() -> Limits {
    Limits {
        memory_bytes: 32 * 1024 * 1024,
        stack_bytes: 256 * 1024,
        timeout: Duration::from_secs(2),
        max_response_bytes: 1024 * 1024,
        max_log_bytes: 16 * 1024,
    }
}

pub(crate) fn get(path: &str, query: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: path.into(),
        query: query.into(),
        headers: vec![("host".into(), "fn.example.com".into())],
        invocation_id: "inv-1".into(),
        function_name: "greet".into(),
        function_version: 7,
        org: "acme".into(),
        ..HttpRequest::default()
    }
}

fn post(content_type: Option<&str>, body: &[u8]) -> HttpRequest {
    let mut request = get("/submit", "");
    request.method = "POST".into();
    if let Some(content_type) = content_type {
        request.headers.push(("content-type".into(), content_type.into()));
    }
    request.body = body.to_vec();
    request
}

fn compile(source: &str) -> Compiled {
    engine::compile(source, &limits()).unwrap_or_else(|e| panic!("compiling failed: {e}"))
}

pub(crate) fn run_with(source: &str, env: &[(&str, &str)], request: &HttpRequest) -> Result<Invocation, InvokeError> {
    let env: BTreeMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut instance = Instance::new(&compile(source), &env, &limits())?;
    instance.invoke(request, &limits())
}

pub(crate) fn run(source: &str, request: &HttpRequest) -> Invocation {
    run_with(source, &[], request).unwrap_or_else(|e| panic!("the call failed: {e:?}"))
}

fn text(invocation: &Invocation) -> String {
    String::from_utf8(invocation.response.body.clone()).unwrap()
}

pub(crate) fn json_body(invocation: &Invocation) -> Value {
    serde_json::from_slice(&invocation.response.body).unwrap_or_else(|e| panic!("{e}: {}", text(invocation)))
}

pub(crate) fn header<'a>(invocation: &'a Invocation, name: &str) -> Option<&'a str> {
    invocation.response.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Runs a Workers function whose fetch returns `Response.json(<expression>)`.
fn eval_json(expression: &str) -> Value {
    let source =
        format!("export default {{ async fetch(request, env, ctx) {{ return Response.json({expression}); }} }}");
    json_body(&run(&source, &get("/", "")))
}

// ---------------------------------------------------------------------------------------------
// OpenFaaS
// ---------------------------------------------------------------------------------------------

#[test]
fn openfaas_event_carries_method_path_query_headers_and_parsed_json() {
    let source = "module.exports = async (event, context) => \
                  ({ method: event.method, path: event.path, query: event.query, body: event.body, \
                     type: event.headers['content-type'] })";
    let mut request = post(Some("application/json"), br#"{"name":"Ada"}"#);
    request.path = "/a/b".into();
    request.query = "x=1&y=2&y=3".into();
    let invocation = run(source, &request);
    assert_eq!(invocation.response.status, 200);
    assert_eq!(header(&invocation, "content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(
        json_body(&invocation),
        json!({ "method": "POST", "path": "/a/b", "query": { "x": "1", "y": ["2", "3"] },
                "body": { "name": "Ada" }, "type": "application/json" })
    );
}

#[test]
fn openfaas_body_without_content_type_is_text() {
    let source = "module.exports = async (event) => typeof event.body + ':' + event.body";
    let invocation = run(source, &post(None, b"plain words"));
    assert_eq!(text(&invocation), "string:plain words");
    assert_eq!(header(&invocation, "content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(text(&run(source, &post(Some("text/csv"), b"a,b"))), "string:a,b");
}

#[test]
fn openfaas_invalid_json_is_a_bad_request() {
    let invocation = run("module.exports = async () => 'unreachable'", &post(Some("application/json"), b"{nope"));
    assert_eq!(invocation.response.status, 400);
}

#[test]
fn openfaas_context_sets_status_and_headers() {
    let source = "module.exports = async (event, context) => \
                  context.status(201).headers({ 'Content-Type': 'text/plain', 'X-Ids': ['1', '2'] }).succeed('made')";
    let invocation = run(source, &get("/", ""));
    assert_eq!(invocation.response.status, 201);
    assert_eq!(text(&invocation), "made");
    assert_eq!(header(&invocation, "content-type"), Some("text/plain"));
    let ids: Vec<&str> =
        invocation.response.headers.iter().filter(|(n, _)| n == "x-ids").map(|(_, v)| v.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
}

#[test]
fn openfaas_fail_sets_500_only_when_status_is_200() {
    let source = "module.exports = (event, context) => { context.fail('broken') }";
    let invocation = run(source, &get("/", ""));
    assert_eq!((invocation.response.status, text(&invocation).as_str()), (500, "broken"));
    let source = "module.exports = (event, context) => { context.status(418).fail(new Error('teapot')) }";
    let invocation = run(source, &get("/", ""));
    assert_eq!((invocation.response.status, text(&invocation).as_str()), (418, "Error: teapot"));
}

#[test]
fn openfaas_thrown_error_is_an_uncaught_exception_with_its_stack() {
    for source in [
        "module.exports = async () => { function inner() { throw new Error('boom') } inner() }",
        "module.exports = () => { function inner() { throw new Error('boom') } inner() }",
    ] {
        match run_with(source, &[], &get("/", "")) {
            Err(InvokeError::Exception { message, stack }) => {
                assert!(message.contains("boom"), "{message}");
                assert!(stack.unwrap_or_default().contains("inner"), "the stack names the function");
            }
            other => panic!("{source}: {other:?}"),
        }
    }
}

#[test]
fn openfaas_callback_and_late_succeed_work() {
    let callback = "module.exports = (event, context, cb) => { setTimeout(() => cb(null, { late: true }), 5) ; return new Promise(() => {}) }";
    assert_eq!(json_body(&run(callback, &get("/", ""))), json!({ "late": true }));
    let bytes = "module.exports = async () => new TextEncoder().encode('raw')";
    let invocation = run(bytes, &get("/", ""));
    assert_eq!(
        (text(&invocation).as_str(), header(&invocation, "content-type")),
        ("raw", Some("application/octet-stream"))
    );
}

#[test]
fn openfaas_sees_process_env() {
    let source = "module.exports = async () => process.env.GREETING";
    assert_eq!(text(&run_with(source, &[("GREETING", "hallo")], &get("/", "")).unwrap()), "hallo");
}

// ---------------------------------------------------------------------------------------------
// AWS Lambda
// ---------------------------------------------------------------------------------------------

#[test]
fn lambda_gets_an_http_api_v2_event_and_context() {
    let source = "exports.handler = async (event, context) => ({ statusCode: 200, body: JSON.stringify({ event, \
                  context: { ...context, remaining: context.getRemainingTimeInMillis() } }) })";
    let mut request = post(Some("application/json"), br#"{"a":1}"#);
    request.query = "q=1&q=2&r=x".into();
    request.headers.push(("cookie".into(), "a=1; b=2".into()));
    request.headers.push(("user-agent".into(), "curl/8".into()));
    let body = json_body(&run(source, &request));
    let event = &body["event"];
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["rawPath"], "/submit");
    assert_eq!(event["rawQueryString"], "q=1&q=2&r=x");
    assert_eq!(event["queryStringParameters"], json!({ "q": "1,2", "r": "x" }));
    assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
    assert_eq!(event["headers"]["content-type"], "application/json");
    assert!(event["headers"].get("cookie").is_none());
    assert_eq!(event["requestContext"]["http"]["method"], "POST");
    assert_eq!(event["requestContext"]["http"]["path"], "/submit");
    assert_eq!(event["requestContext"]["http"]["userAgent"], "curl/8");
    assert_eq!(event["requestContext"]["requestId"], "inv-1");
    assert_eq!(event["requestContext"]["domainName"], "fn.example.com");
    assert_eq!(event["body"], r#"{"a":1}"#);
    assert_eq!(event["isBase64Encoded"], false);
    let context = &body["context"];
    assert_eq!(context["functionName"], "greet");
    assert_eq!(context["functionVersion"], "7");
    assert_eq!(context["awsRequestId"], "inv-1");
    assert_eq!(context["memoryLimitInMB"], "32");
    let remaining = context["remaining"].as_f64().unwrap();
    assert!(remaining > 0.0 && remaining <= 2000.0, "{remaining}");
}

#[test]
fn lambda_binary_body_is_base64() {
    let source =
        "exports.handler = async (event) => ({ statusCode: 200, body: `${event.isBase64Encoded}:${event.body}` })";
    let invocation = run(source, &post(Some("application/octet-stream"), &[0xff, 0x00, 0x01]));
    assert_eq!(text(&invocation), "true:/wAB");
}

#[test]
fn lambda_result_shape_maps_to_the_response() {
    let source = "exports.handler = async () => ({ statusCode: 202, headers: { 'X-One': 1 }, \
                  cookies: ['a=1', 'b=2'], body: Buffer, isBase64Encoded: true })"
        .replace("Buffer", "'aGk='");
    let invocation = run(&source, &get("/", ""));
    assert_eq!((invocation.response.status, text(&invocation).as_str()), (202, "hi"));
    assert_eq!(header(&invocation, "x-one"), Some("1"));
    let cookies: Vec<&str> =
        invocation.response.headers.iter().filter(|(n, _)| n == "set-cookie").map(|(_, v)| v.as_str()).collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
}

#[test]
fn lambda_plain_result_is_200_json() {
    let invocation = run("export const handler = async () => ({ ok: true })", &get("/", ""));
    assert_eq!(invocation.response.status, 200);
    assert_eq!(header(&invocation, "content-type"), Some("application/json"));
    assert_eq!(json_body(&invocation), json!({ "ok": true }));
    let named = run("export async function handler(event) { return [event.rawPath] }", &get("/p", ""));
    assert_eq!(json_body(&named), json!(["/p"]));
}

#[test]
fn lambda_callback_may_answer_later() {
    let source = "exports.handler = (event, context, callback) => {
        setTimeout(() => callback(null, { statusCode: 200, body: 'late' }), 5);
    }";
    assert_eq!(text(&run(source, &get("/", ""))), "late");
}

#[test]
fn openfaas_raw_body_gives_bytes() {
    let source = "module.exports = async (event) => `${Buffer.isBuffer(event.body)}:${event.body.toString()}`";
    let invocation = run_with(source, &[("RAW_BODY", "true")], &post(Some("application/json"), b"{}")).unwrap();
    assert_eq!(text(&invocation), "true:{}");
}

#[test]
fn lambda_callback_style_and_errors() {
    let callback = "exports.handler = (event, context, callback) => { callback(null, { statusCode: 204 }) }";
    assert_eq!(run(callback, &get("/", "")).response.status, 204);
    let error =
        run_with("exports.handler = async () => { throw new RangeError('bad') }", &[], &get("/", "")).unwrap_err();
    let InvokeError::Exception { message, stack } = error else { panic!("expected an exception, got {error:?}") };
    assert_eq!(message, "RangeError: bad");
    assert!(stack.unwrap().contains("function.js:1:"), "the stack points at the function");
}

// ---------------------------------------------------------------------------------------------
// Cloudflare Workers
// ---------------------------------------------------------------------------------------------

#[test]
fn workers_fetch_gets_a_request_env_and_ctx() {
    let source = "export default {
        async fetch(request, env, ctx) {
            ctx.waitUntil(Promise.resolve());
            const body = await request.json();
            return Response.json({
                method: request.method, url: request.url, type: request.headers.get('content-type'),
                body, secret: env.SECRET, hasWaitUntil: typeof ctx.waitUntil,
            }, { status: 201, headers: { 'x-powered-by': 'stratus' } });
        },
    };";
    let mut request = post(Some("application/json"), br#"[1,2]"#);
    request.query = "a=b".into();
    let invocation = run_with(source, &[("SECRET", "s3")], &request).unwrap();
    assert_eq!(invocation.response.status, 201);
    assert_eq!(header(&invocation, "content-type"), Some("application/json"));
    assert_eq!(header(&invocation, "x-powered-by"), Some("stratus"));
    assert_eq!(
        json_body(&invocation),
        json!({ "method": "POST", "url": "https://fn.example.com/submit?a=b", "type": "application/json",
                "body": [1, 2], "secret": "s3", "hasWaitUntil": "function" })
    );
}

#[test]
fn workers_request_body_readers_and_response_types() {
    let source = "export default { async fetch(request) {
        const copy = request.clone();
        const bytes = new Uint8Array(await request.arrayBuffer());
        const text = await copy.text();
        return new Response(bytes.length + ':' + text, { status: 202 });
    } }";
    let invocation = run(source, &post(Some("text/plain"), "héllo".as_bytes()));
    assert_eq!((invocation.response.status, text(&invocation).as_str()), (202, "6:héllo"));
    assert_eq!(header(&invocation, "content-type"), Some("text/plain;charset=UTF-8"));
}

#[test]
fn workers_class_entrypoints_and_response_helpers_work() {
    let source = "export default class {
        constructor(ctx, env) { this.env = env }
        async fetch(request) {
            if (request.url.endsWith('/go')) return Response.redirect('https://example.com/next', 307);
            return Response.json({ greeting: this.env.GREETING }, { status: 202 });
        }
    }";
    let invocation = run_with(source, &[("GREETING", "hi")], &get("/", "")).unwrap();
    assert_eq!((invocation.response.status, json_body(&invocation)), (202, json!({ "greeting": "hi" })));
    let redirect = run_with(source, &[], &get("/go", "")).unwrap();
    assert_eq!((redirect.response.status, header(&redirect, "location")), (307, Some("https://example.com/next")));
}

#[test]
fn response_json_defaults_and_its_own_headers() {
    // Each Response.json() gets its own header list: changing one response's never shows in the next.
    let source = "let n = 0; export default { fetch() { const r = Response.json({ n: ++n }); \
                  if (n === 1) r.headers.set('x-first', 'yes'); \
                  return n === 1 ? r : Response.json([r.status, r.statusText, r.ok, r.headers.get('content-type'), \
                  r.headers.has('x-first'), Response.json.length, Response.json(1).clone().headers.get('content-type')]); } }";
    let mut instance = Instance::new(&compile(source), &BTreeMap::new(), &limits()).unwrap();
    let first = instance.invoke(&get("/", ""), &limits()).unwrap();
    assert_eq!((first.response.status, header(&first, "x-first")), (200, Some("yes")));
    assert_eq!(header(&first, "content-type"), Some("application/json"));
    let second = instance.invoke(&get("/", ""), &limits()).unwrap();
    assert_eq!(json_body(&second), json!([200, "", true, "application/json", false, 1, "application/json"]));
}

#[test]
fn workers_must_return_a_response() {
    let error = run_with("export default { fetch: () => ({ status: 200 }) }", &[], &get("/", "")).unwrap_err();
    assert!(matches!(error, InvokeError::BadResponse(_)), "{error:?}");
}

#[test]
fn workers_wait_until_runs_after_the_response() {
    let source = "let done = 0;
        export default { async fetch(request, env, ctx) {
            if (request.url.endsWith('/check')) return new Response(String(done));
            ctx.waitUntil(new Promise((resolve) => setTimeout(() => { done++; console.log('late work'); resolve(); }, 20)));
            return new Response('queued');
        } }";
    let compiled = compile(source);
    let mut instance = Instance::new(&compiled, &BTreeMap::new(), &limits()).unwrap();
    let first = instance.invoke(&get("/", ""), &limits()).unwrap();
    assert_eq!(text(&first), "queued");
    assert_eq!(first.logs.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(), ["late work"]);
    assert_eq!(text(&instance.invoke(&get("/check", ""), &limits()).unwrap()), "1");
}

#[test]
fn headers_object_behaves_like_fetch_headers() {
    let value = eval_json(
        "(() => { const h = new Headers({ 'Content-Type': 'text/plain' }); h.append('X-A', '1'); h.append('x-a', '2');
           h.append('Set-Cookie', 'a=1'); h.append('Set-Cookie', 'b=2');
           let bad = null; try { h.set('bad name', 'x') } catch (e) { bad = e.constructor.name }
           return { a: h.get('x-a'), has: h.has('CONTENT-TYPE'), missing: h.get('nope'), cookies: h.getSetCookie(),
                    entries: [...h], bad } })()",
    );
    assert_eq!(
        value,
        json!({ "a": "1, 2", "has": true, "missing": null, "cookies": ["a=1", "b=2"],
                "entries": [["content-type", "text/plain"], ["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-a", "1, 2"]],
                "bad": "TypeError" })
    );
}

// ---------------------------------------------------------------------------------------------
// Web APIs
// ---------------------------------------------------------------------------------------------

#[test]
fn url_parses_resolves_and_serialises() {
    let value = eval_json(
        "(() => { const u = new URL('https://user:pw@Example.COM:443/a/./b/../c?x=1&y=%20#frag');
           const parts = { href: u.href, origin: u.origin, host: u.host, pathname: u.pathname, search: u.search,
                           hash: u.hash, y: u.searchParams.get('y'), user: u.username };
           u.searchParams.append('z', 'a b'); u.port = '8443'; u.pathname = '/new path';
           return { parts, changed: u.href,
                    relative: new URL('../d?q', 'http://h/a/b/c').href,
                    schemeRelative: new URL('//other/x', 'https://h/y').href,
                    mailto: new URL('mailto:someone@example.com').pathname,
                    unicode: new URL('http://h/ä b').pathname,
                    canParse: [URL.canParse('nope'), URL.canParse('/x', 'https://h')] } })()",
    );
    assert_eq!(
        value,
        json!({
            "parts": { "href": "https://user:pw@example.com/a/c?x=1&y=%20#frag", "origin": "https://example.com",
                       "host": "example.com", "pathname": "/a/c", "search": "?x=1&y=%20", "hash": "#frag",
                       "y": " ", "user": "user" },
            "changed": "https://user:pw@example.com:8443/new%20path?x=1&y=+&z=a+b#frag",
            "relative": "http://h/a/d?q",
            "schemeRelative": "https://other/x",
            "mailto": "someone@example.com",
            "unicode": "/%C3%A4%20b",
            "canParse": [false, true],
        })
    );
}

#[test]
fn url_search_params_work() {
    let value = eval_json(
        "(() => { const p = new URLSearchParams('?a=1&b=2&a=3'); const all = p.getAll('a'); const size = p.size;
           p.sort(); const sorted = p.toString(); p.delete('a');
           return { all, size, sorted, after: p.toString(), has: p.has('b'),
                    fromObject: new URLSearchParams({ x: 'y z', e: 'é&' }).toString(),
                    pairs: [...new URLSearchParams([['k', 'v']])] } })()",
    );
    assert_eq!(
        value,
        json!({ "all": ["1", "3"], "size": 3, "sorted": "a=1&a=3&b=2", "after": "b=2", "has": true,
                "fromObject": "x=y+z&e=%C3%A9%26", "pairs": [["k", "v"]] })
    );
}

#[test]
fn text_encoder_and_decoder_handle_utf8() {
    let value = eval_json(
        "(() => { const bytes = new TextEncoder().encode('hé€😀'); const d = new TextDecoder();
           const streaming = new TextDecoder(); const part = streaming.decode(bytes.subarray(0, 5), { stream: true });
           let fatal = null; try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])) } catch (e) { fatal = e.name }
           return { bytes: [...bytes], back: d.decode(bytes), lossy: d.decode(new Uint8Array([0x61, 0xff])),
                    streamed: part + '|' + streaming.decode(bytes.subarray(5)), fatal,
                    bom: d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])) } })()",
    );
    assert_eq!(
        value,
        json!({ "bytes": [104, 195, 169, 226, 130, 172, 240, 159, 152, 128], "back": "hé€😀", "lossy": "a\u{fffd}",
                "streamed": "hé|€😀", "fatal": "TypeError", "bom": "A" })
    );
}

#[test]
fn buffer_covers_the_common_node_uses() {
    let value = eval_json(
        "(() => { const b = Buffer.from('héllo');
           return { len: b.length, b64: b.toString('base64'), back: Buffer.from('aMOpbGxv', 'base64').toString(),
                    url: Buffer.from([251, 255]).toString('base64url'), hex: Buffer.from('ff00', 'hex')[0],
                    latin: Buffer.from('é', 'latin1').toString('hex'), concat: Buffer.concat([b, Buffer.from('!')]).toString(),
                    slice: b.slice(0, 1).toString(), json: JSON.stringify(Buffer.from([1, 2])), isBuffer: Buffer.isBuffer(b),
                    byteLength: Buffer.byteLength('€'), equals: b.equals(Buffer.from('héllo')) } })()",
    );
    assert_eq!(
        value,
        json!({ "len": 6, "b64": "aMOpbGxv", "back": "héllo", "url": "-_8", "hex": 255, "latin": "e9",
                "concat": "héllo!", "slice": "h", "json": "{\"type\":\"Buffer\",\"data\":[1,2]}", "isBuffer": true,
                "byteLength": 3, "equals": true })
    );
}

#[test]
fn atob_and_btoa_work() {
    let value = eval_json(
        "(() => { let wide = null; try { btoa('€') } catch (e) { wide = e.name }
           return { enc: btoa('hello'), dec: atob('aGVsbG8='), latin: btoa('\\u00e9'), wide } })()",
    );
    assert_eq!(value["enc"], "aGVsbG8=");
    assert_eq!(value["dec"], "hello");
    assert_eq!(value["latin"], "6Q==");
    assert!(value["wide"].is_string(), "btoa rejects characters above U+00FF");
}

#[test]
fn crypto_gives_random_values_and_uuids() {
    let value = eval_json(
        "(() => { const a = crypto.getRandomValues(new Uint8Array(32)); const b = crypto.getRandomValues(new Uint32Array(4));
           let big = null; try { crypto.getRandomValues(new Uint8Array(70000)) } catch (e) { big = e.name }
           return { nonzero: a.some((x) => x !== 0), same: a === a, words: b.length, big,
                    uuid: crypto.randomUUID(), other: crypto.randomUUID() } })()",
    );
    assert_eq!(value["nonzero"], true);
    assert_eq!(value["words"], 4);
    assert_eq!(value["big"], "QuotaExceededError");
    let uuid = value["uuid"].as_str().unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(&uuid[14..15], "4");
    assert!("89ab".contains(&uuid[19..20]));
    assert_ne!(value["uuid"], value["other"]);
}

#[test]
fn timers_run_in_order_and_can_be_cleared() {
    let source = "export default { fetch() { return new Promise((resolve) => {
        const seen = [];
        setTimeout(() => seen.push('b'), 20);
        setTimeout(() => seen.push('a'), 5);
        const cancelled = setTimeout(() => seen.push('never'), 10);
        clearTimeout(cancelled);
        let ticks = 0;
        const interval = setInterval(() => {
            seen.push('tick');
            if (++ticks === 2) {
                clearInterval(interval);
                setTimeout(() => resolve(Response.json(seen)), 30);
            }
        }, 1);
        queueMicrotask(() => seen.push('micro'));
    }) } }";
    let seen = json_body(&run(source, &get("/", "")));
    let seen: Vec<&str> = seen.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(seen[0], "micro");
    assert_eq!(seen.iter().filter(|s| **s == "tick").count(), 2);
    let a = seen.iter().position(|s| *s == "a").unwrap();
    let b = seen.iter().position(|s| *s == "b").unwrap();
    assert!(a < b && !seen.contains(&"never"), "{seen:?}");
}

#[test]
fn structured_clone_copies_deeply() {
    let value = eval_json(
        "(() => { const source = { date: new Date(0), map: new Map([['k', [1, 2]]]), set: new Set([1]), bytes: new Uint8Array([1, 2]) };
           source.self = source;
           const copy = structuredClone(source);
           let fn = null; try { structuredClone({ f() {} }) } catch (e) { fn = e.name }
           return { distinct: copy !== source && copy.map !== source.map, cycle: copy.self === copy,
                    date: copy.date instanceof Date && copy.date.getTime() === 0, map: copy.map.get('k'),
                    set: copy.set.has(1), bytes: [...copy.bytes], fn } })()",
    );
    assert_eq!(
        value,
        json!({ "distinct": true, "cycle": true, "date": true, "map": [1, 2], "set": true, "bytes": [1, 2],
                "fn": "DataCloneError" })
    );
}

#[test]
fn console_output_is_captured_per_call_with_levels() {
    let source = "module.exports = async () => {
        console.log('plain', 1, { a: [1, 'x'] }); console.info('%s is %d', 'n', 42); console.warn('w');
        console.error(new Error('e')); console.debug(null, undefined);
        return 'ok';
    }";
    let invocation = run(source, &get("/", ""));
    let lines: Vec<(&str, &str)> = invocation.logs.iter().map(|l| (l.level.as_str(), l.message.as_str())).collect();
    assert_eq!(lines[0], ("log", "plain 1 { a: [ 1, 'x' ] }"));
    assert_eq!(lines[1], ("info", "n is 42"));
    assert_eq!(lines[2], ("warn", "w"));
    assert_eq!(lines[3].0, "error");
    assert!(lines[3].1.starts_with("Error: e\n    at "), "{}", lines[3].1);
    assert_eq!(lines[4], ("debug", "null undefined"));
}

#[test]
fn console_output_is_capped() {
    let limits = Limits { max_log_bytes: 100, ..limits() };
    let compiled =
        compile("module.exports = async () => { for (let i = 0; i < 50; i++) console.log('0123456789'); return 'ok' }");
    let mut instance = Instance::new(&compiled, &BTreeMap::new(), &limits).unwrap();
    let invocation = instance.invoke(&get("/", ""), &limits).unwrap();
    let kept: usize = invocation.logs.iter().filter(|l| l.level == "log").map(|l| l.message.len()).sum();
    assert_eq!(kept, 100);
    assert!(invocation.logs.last().unwrap().message.contains("truncated"));
    assert_eq!(text(&invocation), "ok");
}

#[test]
fn unhandled_rejections_are_logged_but_handled_ones_are_not() {
    let source = "module.exports = async () => {
        Promise.reject(new Error('forgotten'));
        const later = Promise.reject(new Error('handled later'));
        await null;
        later.catch(() => {});
        return 'ok';
    }";
    let invocation = run(source, &get("/", ""));
    let errors: Vec<&str> = invocation.logs.iter().filter(|l| l.level == "error").map(|l| l.message.as_str()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("Uncaught (in promise) Error: forgotten"), "{errors:?}");
}

#[test]
fn require_and_fetch_give_clear_errors() {
    let source = "module.exports = async () => {
        let r; try { require('fs') } catch (e) { r = e.message }
        let f; try { await fetch('https://example.com') } catch (e) { f = e.message }
        return { r, f, fs: typeof globalThis.std, os: typeof globalThis.os };
    }";
    let value = json_body(&run(source, &get("/", "")));
    assert!(value["r"].as_str().unwrap().contains("require('fs') is not available"));
    assert!(value["f"].as_str().unwrap().contains("fetch() is not available"), "{value}");
    assert_eq!((value["fs"].as_str(), value["os"].as_str()), (Some("undefined"), Some("undefined")));
}

// ---------------------------------------------------------------------------------------------
// Compiling
// ---------------------------------------------------------------------------------------------

#[test]
fn compile_detects_shapes() {
    assert_eq!(compile("module.exports = async (event, context) => 'hi'").shape, Shape::OpenFaas);
    assert_eq!(compile("exports.handler = async () => 1").shape, Shape::Lambda);
    assert_eq!(compile("export const handler = async () => 1").shape, Shape::Lambda);
    assert_eq!(compile("export default { fetch() { return new Response('') } }").shape, Shape::Workers);
    // Detected from the exports, not the text.
    assert_eq!(compile("const m = { handler: async () => 1 }; module.exports = m").shape, Shape::Lambda);
    // Top-level code that needs the environment still compiles, using the static guess.
    let needs_env = "if (!process.env.KEY) throw new Error('KEY missing'); exports.handler = async () => 1";
    assert_eq!(compile(needs_env).shape, Shape::Lambda);
}

#[test]
fn compile_errors_have_line_and_column() {
    let error = engine::compile("export default {\n  fetch() {\n    return 1 +;\n  }\n}", &limits()).unwrap_err();
    assert_eq!((error.line, error.column), (Some(3), Some(15)), "{error:?}");
    assert!(error.message.starts_with("SyntaxError"), "{}", error.message);
    // CommonJS is wrapped; positions still refer to the user's source.
    let error = engine::compile("module.exports = async () => {\n  let x = ;\n}", &limits()).unwrap_err();
    assert_eq!((error.line, error.column), (Some(2), Some(11)), "{error:?}");
    let error = engine::compile("const a = 1 +;", &limits()).unwrap_err();
    assert_eq!((error.line, error.column), (Some(1), Some(14)), "{error:?}");
}

#[test]
fn compile_rejects_imports_and_missing_handlers() {
    let error = engine::compile("import x from 'y';\nexport default {}", &limits()).unwrap_err();
    assert_eq!((error.line, error.column), (Some(1), Some(1)));
    assert!(error.message.contains("import"), "{}", error.message);
    let error = engine::compile("const x = 1;", &limits()).unwrap_err();
    assert!(error.message.contains("no handler exported"), "{}", error.message);
    let error = engine::compile("const fs = require('fs'); module.exports = () => 1", &limits()).unwrap_err();
    assert!(error.message.contains("require('fs') is not available"), "{}", error.message);
}

#[test]
fn compile_reports_top_level_timeouts() {
    let limits = Limits { timeout: Duration::from_millis(100), ..limits() };
    let error = engine::compile("while (true) {}\nmodule.exports = () => 1", &limits).unwrap_err();
    assert!(error.message.contains("timed out"), "{}", error.message);
}

#[test]
fn commonjs_runs_in_sloppy_mode() {
    let source =
        "counter = 41; module.exports = async function () { undeclared = counter + 1; return String(undeclared) }";
    assert_eq!(text(&run(source, &get("/", ""))), "42");
}

#[test]
fn modules_may_use_top_level_await() {
    let source = "const greeting = await new Promise((r) => setTimeout(() => r('hey'), 5));
                  export default { fetch: () => new Response(greeting) }";
    assert_eq!(text(&run(source, &get("/", ""))), "hey");
}

#[test]
fn stale_or_foreign_bytecode_is_refused() {
    let mut compiled = compile("module.exports = async () => 1");
    assert!(compiled.is_current());
    compiled.bytecode.truncate(compiled.bytecode.len() - 1);
    assert!(!compiled.is_current());
    let error = Instance::new(&compiled, &BTreeMap::new(), &limits()).err().unwrap();
    assert!(matches!(error, InvokeError::Internal(_)), "{error:?}");
}

// ---------------------------------------------------------------------------------------------
// Instances and limits
// ---------------------------------------------------------------------------------------------

#[test]
fn warm_instance_keeps_globals_and_a_new_instance_starts_clean() {
    let compiled = compile(
        "let count = 0; globalThis.hits = (globalThis.hits ?? 0) + 1;
                            module.exports = async () => `${++count}/${hits}`",
    );
    let mut warm = Instance::new(&compiled, &BTreeMap::new(), &limits()).unwrap();
    let calls: Vec<String> = (0..3).map(|_| text(&warm.invoke(&get("/", ""), &limits()).unwrap())).collect();
    assert_eq!(calls, ["1/1", "2/1", "3/1"]);
    let mut fresh = Instance::new(&compiled, &BTreeMap::new(), &limits()).unwrap();
    assert_eq!(text(&fresh.invoke(&get("/", ""), &limits()).unwrap()), "1/1");
}

#[test]
fn infinite_loop_times_out_in_process() {
    let limits = Limits { timeout: Duration::from_millis(100), ..limits() };
    let compiled =
        compile("module.exports = async (event) => { if (event.path === '/spin') for (;;) {} return 'fine' }");
    let mut instance = Instance::new(&compiled, &BTreeMap::new(), &limits).unwrap();
    assert_eq!(instance.invoke(&get("/spin", ""), &limits).unwrap_err(), InvokeError::Timeout);
    // The interrupt leaves the instance usable.
    assert_eq!(text(&instance.invoke(&get("/", ""), &limits).unwrap()), "fine");
}

#[test]
fn replaced_builtins_cannot_hang_the_cleanup_after_a_call() {
    let source = "module.exports = async () => {
        Map.prototype.clear = function () { for (;;) {} };
        setTimeout(() => {}, 100000);
        return 'ok';
    }";
    assert_eq!(text(&run(source, &get("/", ""))), "ok");
}

#[test]
fn a_promise_that_never_settles_is_a_bad_response() {
    let error = run_with("export default { fetch: () => new Promise(() => {}) }", &[], &get("/", "")).unwrap_err();
    assert!(matches!(&error, InvokeError::BadResponse(m) if m.contains("never settled")), "{error:?}");
}

#[test]
fn a_pending_timer_past_the_deadline_times_out() {
    let limits = Limits { timeout: Duration::from_millis(50), ..limits() };
    let compiled = compile("module.exports = () => new Promise((r) => setTimeout(r, 10000))");
    let mut instance = Instance::new(&compiled, &BTreeMap::new(), &limits).unwrap();
    assert_eq!(instance.invoke(&get("/", ""), &limits).unwrap_err(), InvokeError::Timeout);
}

#[test]
fn response_size_is_limited() {
    let limits = Limits { max_response_bytes: 10, ..limits() };
    let compiled = compile("module.exports = async (event) => 'x'.repeat(Number(event.query.n))");
    let mut instance = Instance::new(&compiled, &BTreeMap::new(), &limits).unwrap();
    assert_eq!(text(&instance.invoke(&get("/", "n=10"), &limits).unwrap()), "x".repeat(10));
    assert_eq!(instance.invoke(&get("/", "n=11"), &limits).unwrap_err(), InvokeError::ResponseTooLarge);
}
