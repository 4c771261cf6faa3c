// Stratus function prelude, part 6: handler detection and the three handler adapters
// (OpenFaaS node templates, AWS Lambda with API Gateway HTTP API 2.0 or REST 1.0 events, Cloudflare Workers
// modules). The host calls the exported functions at the end of this file.
//
// The host passes a call as an array (much cheaper to build than an object); the adapters read
// it through the index constants below. invoke() returns, or resolves to, one of:
//   [0, status, headers: [name, value, ...], text]     a response with a text body
//   [0, status, headers, undefined, base64]           a response with a binary body
//   [1]                                                the body is over the size limit
//   [2, message]                                       the handler's result is not a response
//   [3, name, message, stack]                          the handler threw
//   [4]                                                pending: poll takeEarly() while running jobs
// invoke() never rejects: every error becomes one of these arrays.
//
// The warm call path is kept lean on purpose: QuickJS interprets every property definition and
// closure, so each allocation here shows up in the per-call latency.

const METHOD = 0;
const PATH = 1;
const QUERY = 2;
const HEADERS = 3; // [name, value, ...], names in lower case
const BODY = 4; // Uint8Array or null
const ID = 5;
const FUNCTION = 6;
const VERSION = 7;
const ORG = 8;
const DEADLINE = 9; // host.now() time
const MEMORY_MB = 10;
const MAX_RESPONSE = 11;
const LAMBDA_V1 = 12; // true: API Gateway REST (payload format 1.0) events

class BadResponse extends Error {}

const NO_HANDLER =
  'no handler exported: expected `module.exports = async (event, context) => …` (OpenFaaS), ' +
  '`exports.handler = async (event, context) => …` or `export const handler = …` (AWS Lambda), ' +
  'or `export default { async fetch(request, env, ctx) { … } }` (Cloudflare Workers)';

const envObject = {};
let active = null;
let generation = 0;
let pendingWait = 0;
// The outcome of a call whose handler answered through a callback while the promise it returned
// was still pending; the host polls it with takeEarly() (see `FaasContext` and `LambdaCall`).
let early;

/** Installs the function's environment; runs before the function's module is evaluated. */
function configure(envPairs) {
  for (let i = 0; i < envPairs.length; i += 2) {
    process.env[envPairs[i]] = envPairs[i + 1];
    envObject[envPairs[i]] = envPairs[i + 1];
  }
}

/** Finds the handler in the function's exports; returns the detected shape. */
function setup(namespace, hint) {
  let exported = namespace;
  let esm = true;
  if (typeof namespace.__stratus_cjs_source === 'string') {
    const factory = host.compileCjs(namespace.__stratus_cjs_source);
    lineOneShift = host.cjsShift;
    shiftedFiles.add('function.js');
    const module = { exports: {}, id: '.', filename: '/function.js', loaded: false };
    try {
      factory.call(module.exports, module.exports, require, module, '/function.js', '/');
    } catch (error) {
      if (error instanceof Error && typeof error.stack === 'string') error.stack = cleanStack(error.stack);
      throw error;
    }
    module.loaded = true;
    exported = module.exports;
    esm = false;
  } else if (typeof namespace.__stratus_cjs_entry === 'string') {
    try {
      exported = loadModule(namespace.__stratus_cjs_entry);
    } catch (error) {
      if (error instanceof Error && typeof error.stack === 'string') error.stack = cleanStack(error.stack);
      throw error;
    }
    esm = false;
  }
  const bases = esm ? [exported.default] : [exported, exported?.default];
  const find = {
    workers() {
      for (const base of bases) {
        if (base && typeof base === 'object' && typeof base.fetch === 'function') {
          return (request, env, ctx) => base.fetch(request, env, ctx);
        }
        if (typeof base === 'function' && typeof base.prototype?.fetch === 'function') {
          return (request, env, ctx) => new base(ctx, env).fetch(request);
        }
      }
      return null;
    },
    lambda() {
      const handler = exported?.handler ?? (esm ? exported.default?.handler : undefined);
      return typeof handler === 'function' ? handler : null;
    },
    openfaas() {
      for (const base of bases) {
        if (typeof base === 'function' && typeof base.prototype?.fetch !== 'function') return base;
      }
      return null;
    },
  };
  for (const shape of [hint, 'workers', 'lambda', 'openfaas']) {
    const handler = find[shape]?.();
    if (handler) {
      active = { shape, handler, adapter: ADAPTERS[shape] };
      return shape;
    }
  }
  throw new Error(NO_HANDLER);
}

function invoke(call) {
  try {
    return active.adapter(active.handler, call);
  } catch (error) {
    return describeError(error);
  }
}

const TOO_LARGE = Object.freeze([1]);
/** Returned by an adapter whose handler will answer through a callback (see takeEarly). */
const PENDING = Object.freeze([4]);

/** Turns { status, headers, body } into the host's response array. */
function finish(status, headers, body, call) {
  if (typeof status !== 'number' || !Number.isInteger(status)) {
    const number = Number(status);
    if (!Number.isInteger(number)) throw new BadResponse(`invalid status code: ${status}`);
    status = number;
  }
  if (status < 100 || status > 999) throw new BadResponse(`invalid status code: ${status}`);
  for (let i = 0; i < headers.length; i++) {
    if (!headers[i].isWellFormed()) headers[i] = headers[i].toWellFormed();
  }
  if (body === null || body === undefined) return [0, status, headers, ''];
  if (typeof body === 'string') {
    return body.length > call[MAX_RESPONSE] ? TOO_LARGE : [0, status, headers, wellFormed(body)];
  }
  return body.length > call[MAX_RESPONSE] ? TOO_LARGE : [0, status, headers, undefined, body.toBase64()];
}

/** finish(), with its errors turned into error arrays too. */
function settle(status, headers, body, call) {
  try {
    return finish(status, headers, body, call);
  } catch (error) {
    return describeError(error);
  }
}

function describeError(error) {
  if (error instanceof BadResponse) return [2, String(error.message)];
  let name = '';
  let message;
  let stack = '';
  try {
    if (error instanceof Error) {
      name = String(error.name);
      message = String(error.message);
      stack = typeof error.stack === 'string' ? cleanStack(error.stack) : '';
    } else {
      message = typeof error === 'string' ? error : inspect(error, 1, []);
    }
  } catch {
    message = 'an exception was thrown that could not be described';
  }
  return [3, wellFormed(name), wellFormed(message), wellFormed(stack)];
}

const isThenable = (value) =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';

function takeEarly() {
  const outcome = early;
  early = undefined;
  return outcome;
}

function endCall() {
  early = undefined;
  unhandled.clear();
  if (timers.size) timers.clear();
  generation++;
  pendingWait = 0;
}

function pendingWaitUntil() {
  return pendingWait;
}

function trackWaitUntil(promise) {
  const mine = generation;
  pendingWait++;
  Promise.resolve(promise)
    .then(undefined, reportError)
    .finally(() => {
      if (generation === mine) pendingWait--;
    });
}

// ---------------------------------------------------------------------------------------------
// shared request helpers
// ---------------------------------------------------------------------------------------------

function putHeader(target, name, value, separator) {
  if (name === '__proto__') return;
  if (!Object.hasOwn(target, name)) target[name] = value;
  else target[name] += separator + value;
}

function errorBody(error) {
  try {
    return String(error);
  } catch {
    return 'Error';
  }
}

const TEXTUAL = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)$|.*\+(json|xml)$)/;

function mediaType(value) {
  const semicolon = value.indexOf(';');
  return (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// OpenFaaS (node18/20/22 templates, of-watchdog HTTP mode)
// ---------------------------------------------------------------------------------------------

const asBuffer = (bytes) => (bytes === null ? Buffer.alloc(0) : new Buffer(bytes.buffer, bytes.byteOffset, bytes.length));

function openfaasBody(call, headers) {
  const bytes = call[BODY];
  if (process.env.RAW_BODY === 'true') return asBuffer(bytes);
  const header = headers['content-type'];
  const type = header === undefined ? 'text/plain' : mediaType(header);
  if (type.startsWith('text/')) return bytes === null ? '' : utf8Decode(bytes);
  if (type === 'application/json' || type.endsWith('+json')) {
    return bytes === null ? {} : JSON.parse(utf8Decode(bytes));
  }
  if (type === 'application/x-www-form-urlencoded') return bytes === null ? {} : queryObject(utf8Decode(bytes));
  // Deviation: Express leaves other media types unparsed; handlers get the raw bytes instead.
  return asBuffer(bytes);
}

function queryObject(text) {
  const out = {};
  for (const [name, value] of parseForm(text)) {
    if (name === '__proto__') continue;
    if (!Object.hasOwn(out, name)) out[name] = value;
    else if (Array.isArray(out[name])) out[name].push(value);
    else out[name] = [out[name], value];
  }
  return out;
}

/**
 * The `context` argument, shaped like the template's FunctionContext, which also tracks the
 * call: `final` is the outcome once the handler answered through succeed/fail/cb.
 */
class FaasContext {
  constructor(call) {
    this.statusCode = 200;
    this.headerValues = null;
    this.cbCalled = 0;
    this.call = call;
    this.final = null;
    this.pending = false;
    // The template's callback: cb(error) sends the error (500 unless another status was set),
    // cb(null, value) sends the value.
    this.cb = (error, value) => {
      this.cbCalled++;
      this.respond(error, value);
    };
  }
  status(code) {
    if (code === undefined) return this.statusCode;
    this.statusCode = code;
    return this;
  }
  headers(value) {
    if (value === undefined) return this.headerValues ?? (this.headerValues = {});
    this.headerValues = value;
    return this;
  }
  succeed(value) {
    this.respond(undefined, value);
  }
  fail(error) {
    this.respond(error ?? new Error('context.fail() was called'), undefined);
  }
  respond(error, value) {
    if (this.final !== null) return this.final;
    try {
      if (error) {
        if (this.statusCode === 200) this.statusCode = 500;
        this.final = openfaasResponse(this, errorBody(error), this.call);
      } else {
        this.final = openfaasResponse(this, value, this.call);
      }
    } catch (failure) {
      this.final = describeError(failure);
    }
    if (this.pending) early = this.final;
    return this.final;
  }
  // Deviation from the OpenFaaS template, which answers a rejected async handler with the current
  // status (200 by default): a thrown or rejected error is an uncaught exception, which the
  // gateway answers like every other shape's (500 `function_error` with message and stack).
  // `context.fail(error)` still answers with the function's own 500.
  thrown(error) {
    if (this.final !== null) return this.final;
    this.final = describeError(error);
    return this.final;
  }
}

function openfaasResponse(context, value, call) {
  const pairs = [];
  let typed = false;
  const headers = context.headerValues;
  if (headers) {
    for (const key of Object.keys(headers)) {
      const name = key.toLowerCase();
      typed ||= name === 'content-type';
      const values = headers[key];
      if (Array.isArray(values)) for (const item of values) pairs.push(name, String(item));
      else pairs.push(name, String(values));
    }
  }
  let body = value;
  let type = null;
  if (typeof value === 'string') {
    type = 'text/html; charset=utf-8';
  } else if (value === undefined || value === null) {
    body = '';
  } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    body = toBytes(value);
    type = 'application/octet-stream';
  } else if (typeof value === 'object' || typeof value === 'number' || typeof value === 'boolean') {
    body = JSON.stringify(value) ?? '';
    type = 'application/json; charset=utf-8';
  } else {
    body = String(value);
  }
  if (type !== null && !typed) pairs.push('content-type', type);
  return finish(context.statusCode, pairs, body, call);
}

function openfaas(handler, call) {
  const headers = {};
  const flat = call[HEADERS];
  for (let i = 0; i < flat.length; i += 2) {
    putHeader(headers, flat[i], flat[i + 1], flat[i] === 'cookie' ? '; ' : ', ');
  }
  let body;
  try {
    body = openfaasBody(call, headers);
  } catch (error) {
    return settle(400, ['content-type', 'text/plain; charset=utf-8'], `Bad Request: ${errorBody(error)}`, call);
  }
  const query = call[QUERY];
  const event = { body, headers, method: call[METHOD], query: query ? queryObject(query) : {}, path: call[PATH] };
  const context = new FaasContext(call);
  let result;
  try {
    result = handler(event, context, context.cb);
  } catch (error) {
    return context.thrown(error);
  }
  if (context.final !== null) return context.final;
  if (!isThenable(result)) return context.respond(undefined, result);
  context.pending = true;
  return result.then(
    (value) => context.respond(undefined, value),
    (error) => context.thrown(error),
  );
}

// ---------------------------------------------------------------------------------------------
// AWS Lambda (API Gateway HTTP API / Function URL payload format 2.0)
// ---------------------------------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let clfSecond = -1;
let clfText = '';

/** `12/Mar/2020:19:03:58 +0000`, computed once per second. */
function clfTime(millis) {
  const second = Math.floor(millis / 1000);
  if (second !== clfSecond) {
    const date = new Date(millis);
    const two = (n) => String(n).padStart(2, '0');
    clfSecond = second;
    clfText =
      `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
      `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
  }
  return clfText;
}

function lambdaEvent(call) {
  const headers = {};
  let cookies = null;
  const flat = call[HEADERS];
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i];
    if (name === 'cookie') {
      cookies ??= [];
      for (const cookie of flat[i + 1].split(';')) if (cookie.trim()) cookies.push(cookie.trim());
    } else {
      putHeader(headers, name, flat[i + 1], ',');
    }
  }
  const host = headers.host ?? 'localhost';
  const now = Date.now();
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: call[PATH],
    rawQueryString: call[QUERY],
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: call[ORG],
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: {
        method: call[METHOD],
        path: call[PATH],
        protocol: 'HTTP/1.1',
        sourceIp: (headers['x-forwarded-for'] ?? headers['x-real-ip'] ?? '').split(',')[0].trim(),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: call[ID],
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
  if (cookies) event.cookies = cookies;
  if (call[QUERY]) {
    const query = {};
    for (const [name, value] of parseForm(call[QUERY])) putHeader(query, name, value, ',');
    event.queryStringParameters = query;
  }
  setLambdaBody(event, call[BODY], headers['content-type']);
  return event;
}

/** `body` and `isBase64Encoded`: text when the media type is textual and the bytes are UTF-8. */
function setLambdaBody(event, bytes, type) {
  if (bytes === null || !bytes.length) return;
  let text = null;
  if (type === undefined || TEXTUAL.test(mediaType(type))) {
    try {
      text = utf8Decode(bytes, true);
    } catch {
      text = null;
    }
  }
  event.body = text ?? bytes.toBase64();
  event.isBase64Encoded = text === null;
}

/** The event of an API Gateway REST API (payload format 1.0). */
function lambdaEventV1(call) {
  const headers = {};
  const multiValueHeaders = {};
  const flat = call[HEADERS];
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i];
    if (name === '__proto__') continue;
    headers[name] = flat[i + 1];
    (multiValueHeaders[name] ??= []).push(flat[i + 1]);
  }
  let query = null;
  let multiQuery = null;
  if (call[QUERY]) {
    query = {};
    multiQuery = {};
    for (const [name, value] of parseForm(call[QUERY])) {
      if (name === '__proto__') continue;
      query[name] = value;
      (multiQuery[name] ??= []).push(value);
    }
  }
  const host = headers.host ?? 'localhost';
  const sourceIp = (headers['x-forwarded-for'] ?? headers['x-real-ip'] ?? '').split(',')[0].trim();
  const now = Date.now();
  const path = call[PATH];
  const event = {
    version: '1.0',
    resource: '/{proxy+}',
    path,
    httpMethod: call[METHOD],
    headers,
    multiValueHeaders,
    queryStringParameters: query,
    multiValueQueryStringParameters: multiQuery,
    pathParameters: { proxy: path.replace(/^\//, '') },
    stageVariables: null,
    requestContext: {
      accountId: 'anonymous',
      apiId: call[ORG],
      domainName: host,
      domainPrefix: host.split('.')[0],
      extendedRequestId: call[ID],
      httpMethod: call[METHOD],
      identity: { sourceIp, userAgent: headers['user-agent'] ?? '' },
      path,
      protocol: 'HTTP/1.1',
      requestId: call[ID],
      requestTime: clfTime(now),
      requestTimeEpoch: now,
      resourceId: call[FUNCTION],
      resourcePath: '/{proxy+}',
      stage: '$default',
    },
    body: null,
    isBase64Encoded: false,
  };
  setLambdaBody(event, call[BODY], headers['content-type']);
  return event;
}

/** The Lambda `context` argument. */
class LambdaContext {
  #deadline;
  #call;
  constructor(call, state) {
    this.functionName = call[FUNCTION];
    this.functionVersion = String(call[VERSION]);
    this.invokedFunctionArn = `arn:stratus:lambda:${call[ORG]}:function:${call[FUNCTION]}:${call[VERSION]}`;
    this.memoryLimitInMB = String(call[MEMORY_MB]);
    this.awsRequestId = call[ID];
    this.logGroupName = `/stratus/functions/${call[ORG]}/${call[FUNCTION]}`;
    this.logStreamName = `${call[VERSION]}/${call[ID]}`;
    this.identity = undefined;
    this.clientContext = undefined;
    this.callbackWaitsForEmptyEventLoop = true;
    this.#deadline = call[DEADLINE];
    this.#call = state;
  }
  getRemainingTimeInMillis() {
    return Math.max(0, Math.floor(this.#deadline - host.now()));
  }
  done(error, value) {
    this.#call.respond(error, value);
  }
  succeed(value) {
    this.#call.respond(null, value);
  }
  fail(error) {
    this.#call.respond(error ?? new Error('context.fail() was called'));
  }
}

/** One Lambda call: `final` is its outcome once the handler answered. */
class LambdaCall {
  constructor(call) {
    this.call = call;
    this.final = null;
    this.pending = false;
    this.callback = (error, value) => this.respond(error, value);
  }
  respond(error, value) {
    if (this.final !== null) return this.final;
    if (error !== null && error !== undefined) {
      this.final = describeError(error);
    } else {
      try {
        this.final = lambdaResponse(value, this.call);
      } catch (failure) {
        this.final = describeError(failure);
      }
    }
    if (this.pending) early = this.final;
    return this.final;
  }
  rejected(error) {
    return this.respond(error ?? new Error('the handler rejected without a reason'));
  }
}

function lambdaResponse(result, call) {
  const v1 = call[LAMBDA_V1] === true;
  if (v1 && (result === null || typeof result !== 'object' || typeof result.statusCode !== 'number')) {
    // API Gateway's REST APIs answer such a result with 502 "Malformed Lambda proxy response".
    throw new BadResponse('a payload format 1.0 result must be an object with a numeric statusCode');
  }
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    const body = result === undefined ? '' : typeof result === 'string' ? result : (JSON.stringify(result) ?? '');
    return finish(200, ['content-type', 'application/json'], body, call);
  }
  const pairs = [];
  if (result.headers) {
    for (const [name, value] of Object.entries(result.headers)) pairs.push(name.toLowerCase(), String(value));
  }
  if (result.multiValueHeaders) {
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      for (const value of [].concat(values)) pairs.push(name.toLowerCase(), String(value));
    }
  }
  if (result.cookies && !v1) for (const cookie of result.cookies) pairs.push('set-cookie', String(cookie));
  let body = result.body ?? '';
  if (typeof body !== 'string') body = JSON.stringify(body) ?? '';
  if (result.isBase64Encoded) {
    try {
      body = Uint8Array.fromBase64(body);
    } catch {
      throw new BadResponse('the response body is marked isBase64Encoded but is not valid base64');
    }
  }
  return finish(result.statusCode, pairs, body, call);
}

function lambda(handler, call) {
  const event = call[LAMBDA_V1] === true ? lambdaEventV1(call) : lambdaEvent(call);
  const state = new LambdaCall(call);
  const context = new LambdaContext(call, state);
  const withCallback = handler.length >= 3;
  let result;
  try {
    result = withCallback ? handler(event, context, state.callback) : handler(event, context);
  } catch (error) {
    return state.rejected(error);
  }
  if (state.final !== null) return state.final;
  if (isThenable(result)) {
    state.pending = true;
    return result.then(
      (value) => state.respond(null, value),
      (error) => state.rejected(error),
    );
  }
  if (!withCallback) return state.respond(null, result);
  // Callback style: wait for the callback.
  state.pending = true;
  return PENDING;
}

// ---------------------------------------------------------------------------------------------
// Cloudflare Workers (module syntax)
// ---------------------------------------------------------------------------------------------

const PLAIN_HOST = /^([A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;
// Callers send the same Host over and over: the last verdict saves a regular expression per call.
let checkedHost = 'localhost';
let checkedHostPlain = true;

function plainHost(host) {
  if (host !== checkedHost) {
    checkedHostPlain = PLAIN_HOST.test(host);
    checkedHost = host;
  }
  return checkedHostPlain;
}

function workers(handler, call) {
  let host = 'localhost';
  let scheme = 'https';
  const flat = call[HEADERS];
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === 'host') host = flat[i + 1];
    else if (flat[i] === 'x-forwarded-proto' && flat[i + 1].split(',')[0].trim() === 'http') scheme = 'http';
  }
  if (!plainHost(host)) host = 'localhost';
  const query = call[QUERY];
  const method = call[METHOD];
  const bytes = call[BODY];
  const request = new Request(TRUSTED, {
    url: `${scheme}://${host}${call[PATH]}${query ? `?${query}` : ''}`,
    method,
    flatHeaders: flat,
    body: bytes !== null && bytes.length > 0 && method !== 'GET' && method !== 'HEAD' ? bytes : null,
  });
  const ctx = { waitUntil: trackWaitUntil, passThroughOnException() {}, props: {} };
  const result = handler(request, envObject, ctx);
  if (!isThenable(result)) return workersResponse(result, call);
  return result.then((response) => workersResponse(response, call), describeError);
}

function workersResponse(response, call) {
  try {
    if (!(response instanceof Response)) throw new BadResponse('the fetch handler must return a Response');
    if (response.type === 'error') throw new BadResponse('the fetch handler returned Response.error()');
    return finish(response.status, responseFlatHeaders(response), bodyOf(response), call);
  } catch (error) {
    return describeError(error);
  }
}

const ADAPTERS = { openfaas, lambda, workers };

export {
  configure,
  setup,
  invoke,
  describeError,
  nextTimer,
  runTimers,
  endCall,
  pendingWaitUntil,
  takeEarly,
  trackRejection,
  reportUnhandled,
  cjsExportNames,
  cjsExports,
};
