// Stratus function prelude, part 5: the Node.js built-in modules functions reach for, by
// `require('name')` or `require('node:name')`, each built on first use; Web Crypto's `subtle`
// (digest and HMAC). Hashing runs in the host (Rust's sha1/sha2/md-5/hmac crates).
//
// Which modules work, partly work or are refused is documented in sandbox/src/lib.rs; refused
// ones throw an Error that names the alternative.

const bytesOf = (data, encoding) => (typeof data === 'string' ? Buffer.from(data, encoding) : toBytes(data, 'data'));

function concatBytes(chunks) {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** `md5`, `sha1`, `sha256`, `sha384`, `sha512` (also `SHA-256` and friends) → the host's name. */
function hashName(algorithm) {
  const name = String(algorithm?.name ?? algorithm).toLowerCase().replace('-', '');
  if (!['md5', 'sha1', 'sha256', 'sha384', 'sha512'].includes(name)) {
    throw new Error(`Digest method not supported: ${algorithm?.name ?? algorithm}`);
  }
  return name;
}

const hostDigest = (name, data) => Buffer.from(host.digest(name, data.toBase64()), 'base64');
const hostHmac = (name, key, data) => Buffer.from(host.hmac(name, key.toBase64(), data.toBase64()), 'base64');

/** `crypto.createHash` / `createHmac`: collects `update`s, digests once. */
class Hash {
  #chunks = [];
  #done = false;
  #finish;
  constructor(finish) {
    this.#finish = finish;
  }
  update(data, encoding) {
    if (this.#done) throw new Error('Digest already called');
    this.#chunks.push(bytesOf(data, encoding));
    return this;
  }
  digest(encoding) {
    if (this.#done) throw new Error('Digest already called');
    this.#done = true;
    const result = this.#finish(concatBytes(this.#chunks));
    return encoding === undefined || encoding === 'buffer' ? result : result.toString(encoding);
  }
}

function timingSafeEqual(a, b) {
  const x = toBytes(a, 'buf1');
  const y = toBytes(b, 'buf2');
  if (x.length !== y.length) throw new RangeError('Input buffers must have the same byte length');
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

// Web Crypto: digest, and HMAC keys imported from raw bytes.
const KEY = Symbol('key bytes');

class CryptoKey {
  constructor(bytes, hash, extractable, usages) {
    this[KEY] = bytes;
    this.type = 'secret';
    this.extractable = extractable;
    this.algorithm = { name: 'HMAC', hash: { name: hash }, length: bytes.length * 8 };
    this.usages = usages;
    Object.freeze(this);
  }
}

const notSupported = (what) => Promise.reject(new DOMException(`${what} is not supported in Stratus functions`, 'NotSupportedError'));

function hmacKey(key, usage) {
  if (!(key instanceof CryptoKey) || !key.usages.includes(usage)) {
    throw new DOMException(`The key cannot be used to ${usage}`, 'InvalidAccessError');
  }
  return key;
}

const subtle = {
  async digest(algorithm, data) {
    const name = hashName(algorithm);
    if (name === 'md5') throw new DOMException('Unrecognized algorithm name', 'NotSupportedError');
    return hostDigest(name, toBytes(data, 'data')).slice().buffer;
  },
  async importKey(format, keyData, algorithm, extractable, usages) {
    if (format !== 'raw' || algorithm?.name?.toUpperCase() !== 'HMAC') {
      return notSupported(`importKey('${format}', ${JSON.stringify(algorithm?.name ?? algorithm)})`);
    }
    const hash = String(algorithm.hash?.name ?? algorithm.hash).toUpperCase();
    hashName(hash);
    return new CryptoKey(toBytes(keyData, 'keyData').slice(), hash, Boolean(extractable), [...usages]);
  },
  async exportKey(format, key) {
    if (format !== 'raw' || !key.extractable) throw new DOMException('The key is not extractable', 'InvalidAccessError');
    return key[KEY].slice().buffer;
  },
  async sign(algorithm, key, data) {
    hmacKey(key, 'sign');
    return hostHmac(hashName(key.algorithm.hash.name), key[KEY], toBytes(data, 'data')).slice().buffer;
  },
  async verify(algorithm, key, signature, data) {
    hmacKey(key, 'verify');
    const expected = hostHmac(hashName(key.algorithm.hash.name), key[KEY], toBytes(data, 'data'));
    const given = toBytes(signature, 'signature');
    return given.length === expected.length && timingSafeEqual(given, expected);
  },
  encrypt: () => notSupported('subtle.encrypt'),
  decrypt: () => notSupported('subtle.decrypt'),
  generateKey: () => notSupported('subtle.generateKey'),
  deriveBits: () => notSupported('subtle.deriveBits'),
  deriveKey: () => notSupported('subtle.deriveKey'),
};
Object.defineProperty(crypto, 'subtle', { value: subtle, enumerable: true });
defineGlobal('CryptoKey', CryptoKey);

/** A secret key (`crypto.createSecretKey`); asymmetric keys are not supported. */
class KeyObject {
  #bytes;
  constructor(bytes) {
    this.#bytes = bytes;
  }
  get type() {
    return 'secret';
  }
  get symmetricKeySize() {
    return this.#bytes.length;
  }
  export() {
    return Buffer.from(this.#bytes);
  }
  equals(other) {
    return other instanceof KeyObject && timingSafeEqual(this.#bytes, other.export());
  }
}

function asymmetricKey() {
  throw new Error('asymmetric keys (RSA, EC, Ed25519) are not supported in Stratus functions: use HMAC keys');
}

function cryptoModule() {
  return {
    createHash: (algorithm) => {
      const name = hashName(algorithm);
      return new Hash((data) => hostDigest(name, data));
    },
    createHmac: (algorithm, key) => {
      const name = hashName(algorithm);
      const secret = key instanceof KeyObject ? key.export() : bytesOf(key).slice();
      return new Hash((data) => hostHmac(name, secret, data));
    },
    randomBytes(size, callback) {
      const n = Number(size);
      if (!Number.isInteger(n) || n < 0 || n > 65536) throw new RangeError(`The size must be 0 to 65536, not ${size}`);
      const bytes = Buffer.from(host.randomBytes(n));
      if (typeof callback === 'function') queueMicrotask(() => callback(null, bytes));
      return bytes;
    },
    randomFillSync(target, offset = 0, size) {
      const view = ArrayBuffer.isView(target) ? target : new Uint8Array(target);
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      const end = size === undefined ? bytes.length : offset + size;
      for (let at = offset; at < end; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(end, at + 65536)));
      return target;
    },
    randomUUID: () => crypto.randomUUID(),
    KeyObject,
    createSecretKey: (key, encoding) => new KeyObject(bytesOf(key, encoding).slice()),
    createPrivateKey: asymmetricKey,
    createPublicKey: asymmetricKey,
    getRandomValues: (array) => crypto.getRandomValues(array),
    timingSafeEqual,
    getHashes: () => ['md5', 'sha1', 'sha256', 'sha384', 'sha512'],
    webcrypto: crypto,
    subtle,
  };
}

// Listeners live under a symbol, made on first use, so that objects of old-style constructors
// (`EventEmitter.call(this)` + `util.inherits`) work as well as subclasses.
const EVENTS = Symbol('events');
const MAX_LISTENERS = Symbol('maxListeners');

function eventsOf(emitter) {
  let events = emitter[EVENTS];
  if (events === undefined) {
    events = new Map();
    Object.defineProperty(emitter, EVENTS, { value: events, writable: true, configurable: true });
  }
  return events;
}

function addListenerTo(emitter, name, listener, once, prepend) {
  if (typeof listener !== 'function') throw new TypeError('The "listener" argument must be a function');
  const events = eventsOf(emitter);
  const list = events.get(name) ?? [];
  const entry = { listener, once };
  if (prepend) list.unshift(entry);
  else list.push(entry);
  events.set(name, list);
  return emitter;
}

class EventEmitter {
  static defaultMaxListeners = 10;
  on(name, listener) {
    return addListenerTo(this, name, listener, false, false);
  }
  addListener(name, listener) {
    return addListenerTo(this, name, listener, false, false);
  }
  prependListener(name, listener) {
    return addListenerTo(this, name, listener, false, true);
  }
  once(name, listener) {
    return addListenerTo(this, name, listener, true, false);
  }
  prependOnceListener(name, listener) {
    return addListenerTo(this, name, listener, true, true);
  }
  off(name, listener) {
    const events = eventsOf(this);
    const list = events.get(name);
    const at = list ? list.findLastIndex((e) => e.listener === listener) : -1;
    if (at >= 0) list.splice(at, 1);
    if (list && list.length === 0) events.delete(name);
    return this;
  }
  removeListener(name, listener) {
    return this.off(name, listener);
  }
  removeAllListeners(name) {
    if (name === undefined) eventsOf(this).clear();
    else eventsOf(this).delete(name);
    return this;
  }
  emit(name, ...args) {
    const list = eventsOf(this).get(name);
    if (!list || list.length === 0) {
      if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error. (${inspect(args[0], 1, [])})`);
      return false;
    }
    for (const entry of [...list]) {
      if (entry.once) this.off(name, entry.listener);
      entry.listener.apply(this, args);
    }
    return true;
  }
  listeners(name) {
    return (eventsOf(this).get(name) ?? []).map((e) => e.listener);
  }
  rawListeners(name) {
    return this.listeners(name);
  }
  listenerCount(name) {
    return eventsOf(this).get(name)?.length ?? 0;
  }
  eventNames() {
    return [...eventsOf(this).keys()];
  }
  setMaxListeners(n) {
    Object.defineProperty(this, MAX_LISTENERS, { value: n, writable: true, configurable: true });
    return this;
  }
  getMaxListeners() {
    return this[MAX_LISTENERS] ?? EventEmitter.defaultMaxListeners;
  }
}

// `EventEmitter.call(this)` in an old-style constructor: a class cannot be called, the
// module's EventEmitter can.
const NodeEventEmitter = new Proxy(EventEmitter, {
  apply: (_target, self) => {
    if (self !== null && typeof self === 'object') eventsOf(self);
  },
});

function eventsModule() {
  const once = (emitter, name) =>
    new Promise((resolve, reject) => {
      const onError = (error) => {
        emitter.off(name, onEvent);
        reject(error);
      };
      const onEvent = (...args) => {
        if (name !== 'error') emitter.off('error', onError);
        resolve(args);
      };
      emitter.once(name, onEvent);
      if (name !== 'error') emitter.once('error', onError);
    });
  return Object.assign(NodeEventEmitter, { EventEmitter: NodeEventEmitter, once, default: NodeEventEmitter });
}

const CUSTOM_PROMISIFY = Symbol.for('nodejs.util.promisify.custom');

function utilModule() {
  const tag = (value) => Object.prototype.toString.call(value).slice(8, -1);
  const promisify = (original) => {
    if (typeof original !== 'function') throw new TypeError('The "original" argument must be a function');
    if (typeof original[CUSTOM_PROMISIFY] === 'function') return original[CUSTOM_PROMISIFY];
    return function (...args) {
      return new Promise((resolve, reject) => {
        original.call(this, ...args, (error, value) => (error ? reject(error) : resolve(value)));
      });
    };
  };
  promisify.custom = CUSTOM_PROMISIFY;
  const utilInspect = (value, options) => inspect(value, Math.max(0, (options?.depth ?? 2) - 1), []);
  return {
    format: (...args) => formatArgs(args),
    inspect: utilInspect,
    promisify,
    callbackify: (fn) => (...args) => {
      const callback = args.pop();
      fn(...args).then((value) => callback(null, value), (error) => callback(error));
    },
    inherits(constructor, parent) {
      Object.setPrototypeOf(constructor.prototype, parent.prototype);
      Object.setPrototypeOf(constructor, parent);
      constructor.super_ = parent;
    },
    deprecate: (fn) => fn,
    isDeepStrictEqual: (a, b) => deepEqual(a, b, true),
    types: {
      isPromise: (v) => v instanceof Promise,
      isDate: (v) => tag(v) === 'Date',
      isRegExp: (v) => tag(v) === 'RegExp',
      isMap: (v) => tag(v) === 'Map',
      isSet: (v) => tag(v) === 'Set',
      isNativeError: (v) => v instanceof Error,
      isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
      isUint8Array: (v) => v instanceof Uint8Array,
      isArrayBuffer: (v) => v instanceof ArrayBuffer,
      isAsyncFunction: (v) => tag(v) === 'AsyncFunction',
    },
    TextEncoder,
    TextDecoder,
  };
}

/** Structural equality as `assert.deepStrictEqual` (strict) or `deepEqual` (loose) sees it. */
function deepEqual(a, b, strict, seen = []) {
  if (strict ? Object.is(a, b) : a == b || (a !== a && b !== b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.some(([x, y]) => x === a && y === b)) return true;
  seen.push([a, b]);
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof RegExp) return b instanceof RegExp && String(a) === String(b);
  if (a instanceof Map || a instanceof Set) {
    if (a.size !== b.size) return false;
    const left = [...a];
    const right = [...b];
    return left.every((entry, i) => deepEqual(entry, right[i], strict, seen));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key], strict, seen));
}

class AssertionError extends Error {
  constructor({ message, actual, expected, operator }) {
    super(message);
    this.name = 'AssertionError';
    this.code = 'ERR_ASSERTION';
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
  }
}

function assertModule() {
  const fail = (actual, expected, operator, message, fallback) => {
    if (message instanceof Error) throw message;
    throw new AssertionError({ message: message ?? fallback(), actual, expected, operator });
  };
  const show = (v) => inspect(v, 1, []);
  const check = (pass, actual, expected, operator, message) =>
    pass || fail(actual, expected, operator, message, () => `Expected values to be ${operator}:\n${show(actual)}\nshould ${operator} ${show(expected)}`);
  const matches = (error, expected) =>
    expected === undefined ||
    (typeof expected === 'function' && (error instanceof expected || (expected.prototype === undefined && expected(error) === true))) ||
    (expected instanceof RegExp && expected.test(String(error?.message ?? error))) ||
    (typeof expected === 'object' && Object.keys(expected).every((k) => deepEqual(error?.[k], expected[k], true)));
  const assert = (value, message) => value || fail(value, true, '==', message, () => 'The expression evaluated to a falsy value');
  return Object.assign(assert, {
    ok: assert,
    fail: (message = 'Failed') => fail(undefined, undefined, 'fail', message, () => message),
    equal: (a, b, m) => check(a == b, a, b, '==', m),
    notEqual: (a, b, m) => check(a != b, a, b, '!=', m),
    strictEqual: (a, b, m) => check(Object.is(a, b), a, b, 'strictEqual', m),
    notStrictEqual: (a, b, m) => check(!Object.is(a, b), a, b, 'notStrictEqual', m),
    deepEqual: (a, b, m) => check(deepEqual(a, b, false), a, b, 'deepEqual', m),
    deepStrictEqual: (a, b, m) => check(deepEqual(a, b, true), a, b, 'deepStrictEqual', m),
    notDeepStrictEqual: (a, b, m) => check(!deepEqual(a, b, true), a, b, 'notDeepStrictEqual', m),
    match: (s, re, m) => check(re.test(s), s, re, 'match', m),
    throws(fn, expected, message) {
      try {
        fn();
      } catch (error) {
        if (matches(error, expected)) return;
        throw error;
      }
      fail(undefined, expected, 'throws', typeof expected === 'string' ? expected : message, () => 'Missing expected exception.');
    },
    async rejects(promise, expected, message) {
      try {
        await (typeof promise === 'function' ? promise() : promise);
      } catch (error) {
        if (matches(error, expected)) return;
        throw error;
      }
      fail(undefined, expected, 'rejects', message, () => 'Missing expected rejection.');
    },
    AssertionError,
    strict: null,
  });
}

function pathModule() {
  const normalizeParts = (parts, absolute) => {
    const out = [];
    for (const part of parts) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (out.length && out[out.length - 1] !== '..') out.pop();
        else if (!absolute) out.push('..');
      } else out.push(part);
    }
    return out;
  };
  const normalize = (p) => {
    if (p === '') return '.';
    const absolute = p.startsWith('/');
    const trailing = p.endsWith('/');
    let out = normalizeParts(p.split('/'), absolute).join('/');
    if (!out && !absolute) out = '.';
    if (out && trailing) out += '/';
    return (absolute ? '/' : '') + out;
  };
  const resolve = (...paths) => {
    let resolved = '';
    for (let i = paths.length - 1; i >= 0 && !resolved.startsWith('/'); i--) {
      if (paths[i]) resolved = resolved ? `${paths[i]}/${resolved}` : String(paths[i]);
    }
    const out = normalizeParts(`/${resolved}`.split('/'), true).join('/');
    return `/${out}`;
  };
  const basename = (p, ext) => {
    const base = p.replace(/\/+$/, '').split('/').pop() ?? '';
    return ext && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
  };
  const extname = (p) => {
    const base = basename(p);
    const dot = base.lastIndexOf('.');
    return dot <= 0 ? '' : base.slice(dot);
  };
  const dirname = (p) => {
    const trimmed = p.replace(/\/+$/, '');
    const at = trimmed.lastIndexOf('/');
    if (at < 0) return '.';
    return at === 0 ? '/' : trimmed.slice(0, at);
  };
  const path = {
    sep: '/',
    delimiter: ':',
    normalize,
    resolve,
    join: (...parts) => normalize(parts.filter((p) => p !== '').join('/')),
    isAbsolute: (p) => p.startsWith('/'),
    basename,
    extname,
    dirname,
    relative(from, to) {
      const a = resolve(from).split('/').filter(Boolean);
      const b = resolve(to).split('/').filter(Boolean);
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
    },
    parse(p) {
      const base = basename(p);
      const ext = extname(p);
      return { root: p.startsWith('/') ? '/' : '', dir: dirname(p), base, ext, name: ext ? base.slice(0, -ext.length) : base };
    },
    format: (o) => (o.dir ? `${o.dir}/` : o.root ?? '') + (o.base ?? `${o.name ?? ''}${o.ext ?? ''}`),
  };
  path.posix = path;
  return path;
}

function querystringModule() {
  const unescape = (s) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  const escape = (s) => encodeURIComponent(s);
  return {
    escape,
    unescape,
    parse(text, sep = '&', eq = '=') {
      const out = Object.create(null);
      for (const pair of String(text ?? '').split(sep)) {
        if (!pair) continue;
        const at = pair.indexOf(eq);
        const key = unescape(at < 0 ? pair : pair.slice(0, at));
        const value = at < 0 ? '' : unescape(pair.slice(at + eq.length));
        if (!(key in out)) out[key] = value;
        else if (Array.isArray(out[key])) out[key].push(value);
        else out[key] = [out[key], value];
      }
      return out;
    },
    stringify(object, sep = '&', eq = '=') {
      const text = (v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
      return Object.entries(object ?? {})
        .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${escape(k)}${eq}${escape(text(one))}`))
        .join(sep);
    },
  };
}

function stringDecoderModule() {
  class StringDecoder {
    #decoder;
    #encoding;
    constructor(encoding = 'utf8') {
      this.#encoding = normalizeEncoding(encoding);
      this.#decoder = this.#encoding === 'utf8' ? new TextDecoder() : null;
    }
    get encoding() {
      return this.#encoding;
    }
    write(buffer) {
      const bytes = typeof buffer === 'string' ? Buffer.from(buffer) : toBytes(buffer, 'buffer');
      return this.#decoder ? this.#decoder.decode(bytes, { stream: true }) : Buffer.from(bytes).toString(this.#encoding);
    }
    end(buffer) {
      const text = buffer === undefined ? '' : this.write(buffer);
      return this.#decoder ? text + this.#decoder.decode() : text;
    }
  }
  return { StringDecoder };
}

/** `stream`: the `Stream` base class packages inherit from; no Readable/Writable machinery. */
function streamModule() {
  const EventEmitter = requireBuiltin('events');
  function Stream() {}
  Object.setPrototypeOf(Stream.prototype, EventEmitter.prototype);
  Stream.prototype.pipe = function pipe(destination) {
    this.on('data', (chunk) => destination.write(chunk));
    this.on('end', () => destination.end?.());
    return destination;
  };
  Stream.Stream = Stream;
  return Stream;
}

const NODE_MODULES = {
  assert: assertModule,
  buffer: () => ({ Buffer: NodeBuffer, SlowBuffer: NodeBuffer, atob, btoa, constants: { MAX_LENGTH: 2 ** 32 } }),
  crypto: cryptoModule,
  events: eventsModule,
  path: pathModule,
  querystring: querystringModule,
  stream: streamModule,
  string_decoder: stringDecoderModule,
  url: () => ({ URL, URLSearchParams, format: (url) => String(url) }),
  util: utilModule,
  'assert/strict': () => requireBuiltin('assert'),
  'path/posix': () => requireBuiltin('path'),
};

const USE_FETCH = 'use fetch() for outbound requests';
const REFUSED_MODULES = {
  fs: 'Stratus functions have no file system: keep data in a service and fetch() it, or in env',
  'fs/promises': 'Stratus functions have no file system: keep data in a service and fetch() it, or in env',
  child_process: 'Stratus functions cannot start processes',
  worker_threads: 'Stratus functions run on one thread',
  cluster: 'Stratus functions run on one thread',
  net: `Stratus functions cannot open sockets: ${USE_FETCH}`,
  tls: `Stratus functions cannot open sockets: ${USE_FETCH}`,
  dgram: 'Stratus functions cannot open sockets',
  dns: `Stratus functions cannot resolve names themselves: ${USE_FETCH} (the server resolves and checks the host)`,
  http: USE_FETCH,
  https: USE_FETCH,
  http2: USE_FETCH,
  os: 'the host machine is not visible to Stratus functions',
  vm: 'Stratus functions cannot create contexts',
  v8: 'the engine is QuickJS, not V8',
};

const builtins = new Map();

function requireBuiltin(name) {
  let module = builtins.get(name);
  if (module === undefined) {
    module = NODE_MODULES[name]();
    builtins.set(name, module);
  }
  return module;
}

function require(specifier) {
  const text = String(specifier);
  const name = text.startsWith('node:') ? text.slice(5) : text;
  if (Object.hasOwn(NODE_MODULES, name)) {
    const module = requireBuiltin(name);
    if (name === 'assert' && module.strict === null) module.strict = module;
    return module;
  }
  if (Object.hasOwn(REFUSED_MODULES, name)) {
    throw new Error(`require('${text}') is not available in Stratus functions: ${REFUSED_MODULES[name]}`);
  }
  if (text.startsWith('node:') || NODE_NAMES.has(name.split('/')[0])) {
    throw new Error(`require('${text}') is not available in Stratus functions: Node's ${name} module is not provided`);
  }
  throw new Error(
    `require('${text}') is not available in Stratus functions: upload the function with its node_modules (several files or a zip), or bundle its dependencies into one file`,
  );
}

// Node's module names without a Stratus version (resolution of multi-file functions also
// treats them as built-in, see `resolve.rs`).
const NODE_NAMES = new Set(['async_hooks', 'console', 'constants', 'diagnostics_channel', 'domain', 'inspector',
  'module', 'perf_hooks', 'process', 'punycode', 'readline', 'repl', 'sys', 'timers', 'trace_events', 'tty', 'wasi',
  'zlib']);
defineGlobal('require', require);
