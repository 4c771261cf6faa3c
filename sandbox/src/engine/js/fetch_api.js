// Stratus function prelude, part 4: Headers, Request, Response and fetch(). Bodies are held in
// memory as a string or a Uint8Array; `.body` gives a minimal single-chunk stream so
// `new Response(other.body)` and `getReader()` work. fetch() hands the request to the host,
// which has it made outside the sandbox under the org's egress policy, or refuses it.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NULL_BODY_STATUS = [101, 103, 204, 205, 304];
const REDIRECT_STATUS = [301, 302, 303, 307, 308];

// Validated, lower-cased header names: functions set the same few names over and over, and a
// Map lookup is much cheaper than a regular expression in QuickJS.
const HEADER_NAMES = new Map();

function headerName(name) {
  const text = typeof name === 'string' ? name : String(name);
  let lower = HEADER_NAMES.get(text);
  if (lower === undefined) {
    if (!TOKEN.test(text)) throw new TypeError(`Invalid header name: '${text}'`);
    lower = text.toLowerCase();
    if (HEADER_NAMES.size < 1024) HEADER_NAMES.set(text, lower);
  }
  return lower;
}

function headerValue(value) {
  let text = typeof value === 'string' ? value : String(value);
  if (text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32) {
    text = text.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  }
  if (text.includes('\r') || text.includes('\n') || text.includes('\0')) {
    throw new TypeError('Header values must not contain NUL, CR or LF');
  }
  return text;
}

// Fast paths for the adapters: header lists from the HTTP layer are already lower-cased and
// valid, and responses only need their headers as a flat [name, value, ...] list.
let headersFromFlat;
let headersToFlat;

class Headers {
  #map = new Map();
  static {
    headersFromFlat = (flat) => {
      const headers = new Headers();
      for (let i = 0; i < flat.length; i += 2) {
        const list = headers.#map.get(flat[i]);
        if (list) list.push(flat[i + 1]);
        else headers.#map.set(flat[i], [flat[i + 1]]);
      }
      return headers;
    };
    headersToFlat = (headers) => {
      const flat = [];
      for (const [name, values] of headers.#map) {
        if (name === 'set-cookie') for (const value of values) flat.push(name, value);
        else flat.push(name, values.length === 1 ? values[0] : values.join(', '));
      }
      return flat;
    };
  }
  constructor(init) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      for (const [name, values] of init.#map) this.#map.set(name, [...values]);
      return;
    }
    if (typeof init !== 'object') throw new TypeError('Headers must be initialised from an object or an iterable');
    if (typeof init[Symbol.iterator] === 'function') {
      for (const pair of init) {
        const items = [...pair];
        if (items.length !== 2) throw new TypeError('Each header pair must be a [name, value] tuple');
        this.append(items[0], items[1]);
      }
    } else {
      for (const key of Object.keys(init)) this.append(key, init[key]);
    }
  }
  append(name, value) {
    const key = headerName(name);
    const list = this.#map.get(key);
    if (list) list.push(headerValue(value));
    else this.#map.set(key, [headerValue(value)]);
  }
  delete(name) {
    this.#map.delete(headerName(name));
  }
  get(name) {
    return this.#map.get(headerName(name))?.join(', ') ?? null;
  }
  getSetCookie() {
    return [...(this.#map.get('set-cookie') ?? [])];
  }
  has(name) {
    return this.#map.has(headerName(name));
  }
  set(name, value) {
    this.#map.set(headerName(name), [headerValue(value)]);
  }
  forEach(callback, thisArg) {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }
  *entries() {
    for (const name of [...this.#map.keys()].sort()) {
      const values = this.#map.get(name);
      if (!values) continue;
      if (name === 'set-cookie') for (const value of values) yield [name, value];
      else yield [name, values.join(', ')];
    }
  }
  *keys() {
    for (const [name] of this.entries()) yield name;
  }
  *values() {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  get [Symbol.toStringTag]() {
    return 'Headers';
  }
}

let takeStreamBytes;

class BodyStream {
  #bytes;
  #locked = false;
  constructor(bytes) {
    this.#bytes = bytes;
  }
  static {
    takeStreamBytes = (stream) => {
      const bytes = stream.#bytes ?? new Uint8Array(0);
      stream.#bytes = null;
      return bytes;
    };
  }
  get locked() {
    return this.#locked;
  }
  cancel() {
    this.#bytes = null;
    return Promise.resolve();
  }
  getReader() {
    if (this.#locked) throw new TypeError('The stream is locked to a reader');
    this.#locked = true;
    return {
      read: async () => {
        const value = this.#bytes;
        this.#bytes = null;
        return value && value.length ? { done: false, value } : { done: true, value: undefined };
      },
      releaseLock: () => {
        this.#locked = false;
      },
      cancel: () => this.cancel(),
      closed: Promise.resolve(),
    };
  }
  async *[Symbol.asyncIterator]() {
    const reader = this.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }
}

/** Returns [body, default content type] for a BodyInit. */
function extractBody(init) {
  if (init === undefined || init === null) return [null, null];
  if (typeof init === 'string') return [init, 'text/plain;charset=UTF-8'];
  if (init instanceof URLSearchParams) return [init.toString(), 'application/x-www-form-urlencoded;charset=UTF-8'];
  if (init instanceof ArrayBuffer || ArrayBuffer.isView(init)) return [toBytes(init).slice(), null];
  if (init instanceof BodyStream) return [takeStreamBytes(init), null];
  if (typeof init === 'object' && typeof init.getReader === 'function') {
    throw new TypeError('ReadableStream bodies are not supported in Stratus functions');
  }
  return [String(init), 'text/plain;charset=UTF-8'];
}

let bodyOf;

class Body {
  #body;
  #used = false;
  constructor(body) {
    this.#body = body;
  }
  static {
    bodyOf = (message) => message.#body;
  }
  get bodyUsed() {
    return this.#used;
  }
  get body() {
    const body = this.#body;
    if (body === null) return null;
    return new BodyStream(typeof body === 'string' ? utf8Encode(body) : body);
  }
  #consume() {
    if (this.#used) throw new TypeError('Body has already been used');
    this.#used = true;
    return this.#body;
  }
  async text() {
    const body = this.#consume();
    return body === null ? '' : typeof body === 'string' ? body : utf8Decode(body);
  }
  async json() {
    return JSON.parse(await this.text());
  }
  async bytes() {
    const body = this.#consume();
    return body === null ? new Uint8Array(0) : typeof body === 'string' ? utf8Encode(body) : body.slice();
  }
  async arrayBuffer() {
    return (await this.bytes()).buffer;
  }
  async formData() {
    throw new TypeError('formData() is not supported in Stratus functions');
  }
  async blob() {
    throw new TypeError('blob() is not supported in Stratus functions');
  }
}

const copyBody = (body) => (body instanceof Uint8Array ? body.slice() : body);

/** Marks Response.json()'s own construction: a JSON text, status 200, its content type. */
const JSON_DEFAULTS = Object.freeze({});
const JSON_HEADERS = Object.freeze(['content-type', 'application/json']);

let responseFlatHeaders;
let fetchedResponse;

class Response extends Body {
  #status;
  #statusText;
  /** Built on first use; until then `#flat` holds the header list. */
  #headers = null;
  #flat = null;
  #type = 'default';
  #url = '';
  #redirected = false;
  static {
    // host.fetch()'s answer: [status, statusText, url, [name, value, ...], body, redirected].
    fetchedResponse = (answer) => {
      const status = answer[0];
      // The trusted construction path, then the answer's own fields.
      const response = new Response(NULL_BODY_STATUS.includes(status) ? null : answer[4], JSON_DEFAULTS);
      response.#status = status;
      response.#statusText = answer[1];
      response.#url = answer[2];
      response.#flat = answer[3];
      response.#redirected = answer[5];
      response.#type = 'basic';
      return response;
    };
    // The adapters' view: a flat [name, value, ...] list, without building a Headers object
    // that the function never looked at.
    responseFlatHeaders = (response) =>
      response.#headers === null ? response.#flat.slice() : headersToFlat(response.#headers);
  }
  constructor(body = null, init = {}) {
    if (init === JSON_DEFAULTS) {
      super(body);
      this.#status = 200;
      this.#statusText = '';
      this.#flat = JSON_HEADERS;
      return;
    }
    init ??= {};
    const status = init.status === undefined ? 200 : Number(init.status);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`The status provided (${init.status}) is outside the range [200, 599]`);
    }
    const [data, type] = extractBody(body);
    if (data !== null && NULL_BODY_STATUS.includes(status)) {
      throw new TypeError(`A response with status ${status} cannot have a body`);
    }
    super(data);
    this.#status = status;
    this.#statusText = init.statusText === undefined ? '' : String(init.statusText);
    this.#headers = new Headers(init.headers);
    if (type && !this.#headers.has('content-type')) this.#headers.set('content-type', type);
  }
  static json(data, init = undefined) {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('The value is not JSON-serialisable');
    // The common `Response.json(value)`: no init to read, one header list to build.
    if (init === undefined) return new Response(text, JSON_DEFAULTS);
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(text, { ...init, headers });
  }
  static redirect(url, status = 302) {
    if (!REDIRECT_STATUS.includes(status)) throw new RangeError(`Invalid redirect status: ${status}`);
    return new Response(null, { status, headers: { location: new URL(url).href } });
  }
  static error() {
    const response = new Response(null);
    response.#type = 'error';
    response.#status = 0;
    return response;
  }
  get status() {
    return this.#status;
  }
  get statusText() {
    return this.#statusText;
  }
  get ok() {
    return this.#status >= 200 && this.#status < 300;
  }
  get headers() {
    if (this.#headers === null) this.#headers = headersFromFlat(this.#flat);
    return this.#headers;
  }
  get type() {
    return this.#type;
  }
  get url() {
    return this.#url;
  }
  get redirected() {
    return this.#redirected;
  }
  clone() {
    if (this.bodyUsed) throw new TypeError('Cannot clone a response whose body has been used');
    if (this.#type === 'error') return Response.error();
    const init = { status: this.#status, statusText: this.#statusText, headers: this.headers };
    return new Response(copyBody(bodyOf(this)), init);
  }
  get [Symbol.toStringTag]() {
    return 'Response';
  }
}

function normalizeMethod(method) {
  const text = String(method);
  if (!TOKEN.test(text)) throw new TypeError(`Invalid method: '${text}'`);
  const upper = text.toUpperCase();
  return ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'].includes(upper) ? upper : text;
}

/** Marks the adapters' internal Request construction (trusted parts, no parsing). */
const TRUSTED = Symbol('trusted');

const NO_SIGNAL = Object.freeze({ aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {}, throwIfAborted() {} });

class Request extends Body {
  #method;
  #url;
  /** Built on first use; until then `#flat` holds the header list the host sent. */
  #headers = null;
  #flat = null;
  constructor(input, init = {}) {
    if (input === TRUSTED) {
      super(init.body);
      this.#method = init.method;
      this.#url = init.url;
      this.#flat = init.flatHeaders;
      return;
    }
    init ??= {};
    let url;
    let method = 'GET';
    let headers;
    let body = null;
    if (input instanceof Request) {
      url = input.url;
      method = input.method;
      headers = input.headers;
      body = copyBody(bodyOf(input));
    } else {
      url = new URL(input instanceof URL ? input.href : String(input)).href;
    }
    if (init.method !== undefined) method = normalizeMethod(init.method);
    if (init.headers !== undefined) headers = init.headers;
    let type = null;
    if (init.body !== undefined && init.body !== null) [body, type] = extractBody(init.body);
    if (body !== null && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError('A request with method GET or HEAD cannot have a body');
    }
    super(body);
    this.#method = method;
    this.#url = url;
    this.#headers = new Headers(headers);
    if (type && !this.#headers.has('content-type')) this.#headers.set('content-type', type);
  }
  get method() {
    return this.#method;
  }
  get url() {
    return this.#url;
  }
  get headers() {
    if (this.#headers === null) {
      this.#headers = headersFromFlat(this.#flat);
      this.#flat = null;
    }
    return this.#headers;
  }
  get redirect() {
    return 'follow';
  }
  get signal() {
    return NO_SIGNAL;
  }
  get cf() {
    return undefined;
  }
  clone() {
    if (this.bodyUsed) throw new TypeError('Cannot clone a request whose body has been used');
    return new Request(this);
  }
  get [Symbol.toStringTag]() {
    return 'Request';
  }
}

/**
 * The WHATWG fetch(): the request goes to the host, which makes it outside the sandbox under the
 * org's egress policy (or refuses it: a TypeError naming why). Not available to top-level code.
 */
async function fetch(input, init = undefined) {
  const request = new Request(input, init);
  const url = request.url;
  if (!url.startsWith('http://') && !url.startsWith('https://')) {
    throw new TypeError(`fetch to ${url} refused: only http: and https: URLs can be fetched`);
  }
  const redirect = init?.redirect === undefined ? 'follow' : String(init.redirect);
  const body = bodyOf(request) === null ? undefined : (await request.bytes()).toBase64();
  const answer = host.fetch(request.method, url, headersToFlat(request.headers), body, redirect);
  if (typeof answer === 'string') throw new TypeError(answer);
  return fetchedResponse(answer);
}

defineGlobal('fetch', fetch);
defineGlobal('Headers', Headers);
defineGlobal('Request', Request);
defineGlobal('Response', Response);
