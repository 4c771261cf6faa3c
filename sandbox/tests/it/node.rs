//! Node and Lambda compatibility: the built-in modules of `require()` (what works gives Node's
//! answers, known test vectors for the hashes and HMACs; what is refused names the
//! alternative), and Lambda's payload format 1.0.

use serde_json::json;

use crate::engine::{get, json_body, run};

const MODULES: &str = r#"
const crypto = require('node:crypto');
const assert = require('assert');
const { EventEmitter, once } = require('events');
const util = require('util');
const path = require('path');
const qs = require('querystring');
const { StringDecoder } = require('string_decoder');
const msg = 'The quick brown fox jumps over the lazy dog';
const bytes = (text) => new TextEncoder().encode(text);
module.exports = async () => {
  const out = {};
  out.sha256 = crypto.createHash('sha256').update('a').update('bc').digest('hex');
  out.md5 = crypto.createHash('md5').update(Buffer.from('abc')).digest('hex');
  out.sha1 = crypto.createHash('sha1').update('abc').digest('base64');
  out.sha512 = crypto.createHash('sha512').update('abc').digest('hex').slice(0, 16);
  out.hmac = ['sha256', 'md5', 'sha1'].map((a) => crypto.createHmac(a, 'key').update(msg).digest('hex'));
  out.safe = [crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ab')), crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ac'))];
  try { crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab')) } catch (e) { out.unequal = e.name }
  out.random = [crypto.randomBytes(8).length, /^[0-9a-f]{8}-[0-9a-f]{4}-4/.test(crypto.randomUUID())];
  const key = await crypto.subtle.importKey('raw', bytes('key'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const signature = await crypto.subtle.sign('HMAC', key, bytes(msg));
  out.subtle = Buffer.from(signature).toString('hex');
  out.verify = [await crypto.subtle.verify('HMAC', key, signature, bytes(msg)), await crypto.subtle.verify('HMAC', key, signature, bytes('x'))];
  out.digest = Buffer.from(await crypto.subtle.digest('SHA-256', bytes('abc'))).toString('hex');
  const e = new EventEmitter();
  const seen = [];
  e.on('x', (v) => seen.push(v));
  e.once('x', (v) => seen.push(`once ${v}`));
  e.emit('x', 1);
  e.emit('x', 2);
  setTimeout(() => e.emit('later', 'L'), 1);
  const [later] = await once(e, 'later');
  out.events = [seen, later, e.listenerCount('x')];
  out.util = [util.format('%s=%d %j', 'a', 42, { b: 1 }), util.types.isPromise(Promise.resolve()), util.isDeepStrictEqual([1, { a: 2 }], [1, { a: 2 }])];
  const sleep = util.promisify((ms, cb) => setTimeout(() => cb(null, ms), ms));
  out.promisified = await sleep(1);
  out.path = [path.join('/a/b', '../c', 'd.txt'), path.basename('/x/y.tar.gz', '.gz'), path.extname('f.json'), path.dirname('/a/b/c'),
    path.resolve('a', '/b', 'c'), path.relative('/a/b/c', '/a/d'), path.normalize('a//b/./c/..'), path.parse('/home/u/f.txt').name];
  out.qs = [qs.parse('a=1&b=x%20y&a=2&c'), qs.stringify({ a: [1, 2], b: 'x y' })];
  const decoder = new StringDecoder('utf8');
  const euro = Buffer.from('€');
  out.decoder = `${decoder.write(euro.subarray(0, 1))}|${decoder.write(euro.subarray(1))}${decoder.end()}`;
  try { assert.deepStrictEqual({ a: [1] }, { a: [2] }) } catch (err) { out.assert = [err.name, err.code] }
  assert.throws(() => { throw new TypeError('boom') }, TypeError);
  assert.strict.equal(1, 1);
  await assert.rejects(Promise.reject(new Error('no')), /no/);
  out.refused = ['fs', 'node:http', 'child_process', 'left-pad'].map((m) => { try { require(m) } catch (err) { return err.message } });
  out.same = require('crypto') === require('node:crypto') && require('url').URL === URL && require('buffer').Buffer === Buffer;
  return out;
};
"#;

#[test]
fn require_gives_the_node_built_ins_people_reach_for() {
    let value = json_body(&run(MODULES, &get("/", "")));
    assert_eq!(value["sha256"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "{value}");
    assert_eq!(value["md5"], "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(value["sha1"], "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    assert_eq!(value["sha512"], "ddaf35a193617aba");
    assert_eq!(
        value["hmac"],
        json!([
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
            "80070713463e7749b90c2dc24911e275",
            "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"
        ])
    );
    assert_eq!(value["safe"], json!([true, false]));
    assert_eq!(value["unequal"], "RangeError");
    assert_eq!(value["random"], json!([8, true]));
    assert_eq!(value["subtle"], value["hmac"][0]);
    assert_eq!(value["verify"], json!([true, false]));
    assert_eq!(value["digest"], value["sha256"]);
    assert_eq!(value["events"], json!([[1, "once 1", 2], "L", 1]));
    assert_eq!(value["util"], json!([r#"a=42 {"b":1}"#, true, true]));
    assert_eq!(value["promisified"], 1);
    assert_eq!(value["path"], json!(["/a/c/d.txt", "y.tar", ".json", "/a/b", "/b/c", "../../d", "a/b", "f"]));
    assert_eq!(value["qs"], json!([{"a": ["1", "2"], "b": "x y", "c": ""}, "a=1&a=2&b=x%20y"]));
    assert_eq!(value["decoder"], "|€");
    assert_eq!(value["assert"], json!(["AssertionError", "ERR_ASSERTION"]));
    let refused = value["refused"].as_array().unwrap();
    assert!(
        refused[0]
            .as_str()
            .unwrap()
            .contains("require('fs') is not available in Stratus functions: Stratus functions have no file system")
    );
    assert!(refused[1].as_str().unwrap().ends_with("use fetch() for outbound requests"), "{refused:?}");
    assert!(refused[2].as_str().unwrap().contains("cannot start processes"));
    assert!(refused[3].as_str().unwrap().ends_with("or bundle its dependencies into one file"), "{refused:?}");
    assert_eq!(value["same"], true);
}

/// A Lambda function whose version asks for payload format 1.0 gets an API Gateway REST event,
/// and its result must have a `statusCode`, as API Gateway requires.
#[test]
fn lambda_payload_format_1_0_events_and_results() {
    let source = "exports.handler = async (event) => ({
        statusCode: 201,
        headers: { 'x-v': event.version },
        multiValueHeaders: { 'x-m': ['a', 'b'] },
        cookies: ['ignored=1'],
        body: JSON.stringify({ m: event.httpMethod, p: event.path, q: event.queryStringParameters,
            mq: event.multiValueQueryStringParameters, h: event.headers.host, mh: event.multiValueHeaders.host,
            proxy: event.pathParameters.proxy, resource: event.resource,
            rc: [event.requestContext.httpMethod, event.requestContext.identity.sourceIp, event.requestContext.stage],
            body: event.body, b64: event.isBase64Encoded, raw: event.rawPath }) })";
    let mut request = get("/items/7", "a=1&a=2&b=x");
    request.lambda_v1 = true;
    request.headers.push(("x-forwarded-for".into(), "203.0.113.9, 10.0.0.1".into()));
    let invocation = run(source, &request);
    assert_eq!(invocation.response.status, 201);
    assert_eq!(crate::engine::header(&invocation, "x-v"), Some("1.0"));
    let multi: Vec<&str> =
        invocation.response.headers.iter().filter(|(n, _)| n == "x-m").map(|(_, v)| v.as_str()).collect();
    assert_eq!(multi, ["a", "b"]);
    assert_eq!(crate::engine::header(&invocation, "set-cookie"), None, "1.0 has no cookies field");
    let event = json_body(&invocation);
    assert_eq!(
        event,
        json!({
            "m": "GET", "p": "/items/7", "q": {"a": "2", "b": "x"}, "mq": {"a": ["1", "2"], "b": ["x"]},
            "h": "fn.example.com", "mh": ["fn.example.com"], "proxy": "items/7", "resource": "/{proxy+}",
            "rc": ["GET", "203.0.113.9", "$default"], "body": null, "b64": false
        })
    );

    let bare = crate::engine::run_with("exports.handler = async () => ({ ok: true })", &[], &request).unwrap_err();
    assert!(matches!(&bare, sandbox::InvokeError::BadResponse(m) if m.contains("numeric statusCode")), "{bare:?}");
    request.lambda_v1 = false;
    let v2 = run("exports.handler = async (event) => ({ ok: event.version })", &request);
    assert_eq!(json_body(&v2), json!({"ok": "2.0"}), "2.0 still wraps a bare result");
}
