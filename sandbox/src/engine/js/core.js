// Stratus function prelude, part 1: host bridge, console, timers, encoding, crypto, structuredClone.
//
// The prelude files are concatenated into one module that every instance evaluates before the
// function's own module. Host functions arrive on `globalThis.__stratus_host` and are taken off
// the global object here, so function code can only reach them through the APIs below.

const host = globalThis.__stratus_host;
delete globalThis.__stratus_host;

const defineGlobal = (name, value) =>
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

// ---------------------------------------------------------------------------------------------
// console
// ---------------------------------------------------------------------------------------------

const IDENT = /^[A-Za-z_$][\w$]*$/;

function inspect(value, depth, seen) {
  switch (typeof value) {
    case 'string':
      return depth === 0 ? value : `'${value}'`;
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return String(value);
    case 'function':
      return value.name ? `[Function: ${value.name}]` : '[Function (anonymous)]';
  }
  if (value === null) return 'null';
  if (seen.includes(value)) return '[Circular]';
  if (value instanceof Error) return errorText(value);
  if (value instanceof Date) return isNaN(value) ? 'Invalid Date' : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (depth > 2) return Array.isArray(value) ? '[Array]' : '[Object]';
  seen.push(value);
  try {
    const items = [];
    const add = (text) => items.length < 100 && items.push(text);
    let open = '{';
    let close = '}';
    let prefix = '';
    if (Array.isArray(value)) {
      [open, close] = ['[', ']'];
      for (let i = 0; i < value.length && i < 100; i++) add(inspect(value[i], depth + 1, seen));
      if (value.length > 100) items.push(`... ${value.length - 100} more items`);
    } else if (value instanceof Map) {
      prefix = `Map(${value.size}) `;
      for (const [k, v] of value) add(`${inspect(k, depth + 1, seen)} => ${inspect(v, depth + 1, seen)}`);
    } else if (value instanceof Set) {
      prefix = `Set(${value.size}) `;
      for (const v of value) add(inspect(v, depth + 1, seen));
    } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      [open, close, prefix] = ['[', ']', `${value.constructor.name}(${value.length}) `];
      for (let i = 0; i < value.length && i < 100; i++) add(String(value[i]));
      if (value.length > 100) items.push(`... ${value.length - 100} more items`);
    } else if (value instanceof Promise) {
      return 'Promise { <pending> }';
    } else {
      const ctor = Object.getPrototypeOf(value)?.constructor?.name;
      if (ctor && ctor !== 'Object') prefix = `${ctor} `;
      for (const key of Object.keys(value)) {
        add(`${IDENT.test(key) ? key : `'${key}'`}: ${inspect(value[key], depth + 1, seen)}`);
      }
    }
    return items.length ? `${prefix}${open} ${items.join(', ')} ${close}` : `${prefix}${open}${close}`;
  } finally {
    seen.pop();
  }
}

// Width of the CommonJS wrapper on line 1 of CommonJS files, and the files wrapped in it.
let lineOneShift = 0;
const shiftedFiles = new Set();

/** Drops prelude frames from a stack trace and maps wrapped CommonJS columns back. */
function cleanStack(stack) {
  return stack
    .split('\n')
    .filter((line) => !line.includes('stratus:prelude'))
    .map((line) =>
      line.replace(/([^\s()]+):1:(\d+)/, (whole, file, c) =>
        shiftedFiles.has(file) ? `${file}:1:${Math.max(1, c - lineOneShift)}` : whole,
      ),
    )
    .join('\n');
}

function errorText(error) {
  let head;
  try {
    head = String(error);
  } catch {
    head = 'Error';
  }
  const stack = typeof error.stack === 'string' ? cleanStack(error.stack).trimEnd() : '';
  if (!stack) return head;
  return stack.startsWith(head) ? stack : `${head}\n${stack}`;
}

function formatArgs(args) {
  const parts = [];
  let next = 0;
  if (typeof args[0] === 'string' && args.length > 1 && args[0].includes('%')) {
    next = 1;
    parts.push(
      args[0].replace(/%[sdifjoOc%]/g, (spec) => {
        if (spec === '%%') return '%';
        if (next >= args.length) return spec;
        const arg = args[next++];
        switch (spec) {
          case '%s':
            return typeof arg === 'string' ? arg : inspect(arg, 1, []);
          case '%d':
            return String(Number(arg));
          case '%i':
            return String(parseInt(arg, 10));
          case '%f':
            return String(parseFloat(arg));
          case '%j':
            try {
              return JSON.stringify(arg);
            } catch {
              return '[Circular]';
            }
          case '%c':
            return '';
          default:
            return inspect(arg, 1, []);
        }
      }),
    );
  }
  for (let i = next; i < args.length; i++) parts.push(inspect(args[i], 0, []));
  return parts.join(' ');
}

const emit = (level, args) => host.log(level, wellFormed(formatArgs(args)));
const timeLabels = new Map();
const counts = new Map();

const console = {
  log: (...args) => emit('log', args),
  info: (...args) => emit('info', args),
  warn: (...args) => emit('warn', args),
  error: (...args) => emit('error', args),
  debug: (...args) => emit('debug', args),
  trace: (...args) => emit('debug', [`Trace: ${formatArgs(args)}\n${new Error().stack ?? ''}`.trimEnd()]),
  dir: (value) => emit('log', [value]),
  table: (value) => emit('log', [value]),
  assert: (ok, ...args) => ok || emit('error', ['Assertion failed' + (args.length ? ':' : ''), ...args]),
  group: (...args) => args.length && emit('log', args),
  groupCollapsed: (...args) => args.length && emit('log', args),
  groupEnd: () => {},
  count(label = 'default') {
    const n = (counts.get(label) ?? 0) + 1;
    counts.set(label, n);
    emit('log', [`${label}: ${n}`]);
  },
  countReset: (label = 'default') => counts.delete(label),
  time: (label = 'default') => timeLabels.set(label, host.now()),
  timeLog(label = 'default', ...args) {
    const start = timeLabels.get(label);
    if (start !== undefined) emit('log', [`${label}: ${(host.now() - start).toFixed(3)}ms`, ...args]);
  },
  timeEnd(label = 'default') {
    console.timeLog(label);
    timeLabels.delete(label);
  },
};
defineGlobal('console', console);

function reportError(error) {
  emit('error', [`Uncaught ${error instanceof Error ? errorText(error) : inspect(error, 1, [])}`]);
}

// Promises rejected without a handler, reported at the end of the call unless one is attached
// by then (the host's rejection tracker calls trackRejection).
const unhandled = new Map();

function trackRejection(promise, reason, handled) {
  if (handled) unhandled.delete(promise);
  else unhandled.set(promise, reason);
}

function reportUnhandled() {
  if (unhandled.size === 0) return;
  for (const reason of unhandled.values()) {
    emit('error', [`Uncaught (in promise) ${reason instanceof Error ? errorText(reason) : inspect(reason, 1, [])}`]);
  }
  unhandled.clear();
}

// ---------------------------------------------------------------------------------------------
// timers (run by the host's call loop, never past the call's deadline)
// ---------------------------------------------------------------------------------------------

const timers = new Map();
let timerSeq = 0;

function addTimer(callback, delay, args, repeat) {
  if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be a function');
  const ms = Math.max(0, Number(delay) || 0);
  const id = ++timerSeq;
  timers.set(id, { callback, args, at: host.now() + ms, every: repeat ? Math.max(1, ms) : 0 });
  return id;
}

defineGlobal('setTimeout', (callback, delay, ...args) => addTimer(callback, delay, args, false));
defineGlobal('setInterval', (callback, delay, ...args) => addTimer(callback, delay, args, true));
defineGlobal('clearTimeout', (id) => void timers.delete(id));
defineGlobal('clearInterval', (id) => void timers.delete(id));
if (typeof globalThis.queueMicrotask !== 'function') {
  defineGlobal('queueMicrotask', (callback) => void Promise.resolve().then(() => callback()));
}

/** Milliseconds until the next timer is due, or -1 when none is pending. */
function nextTimer() {
  let first = Infinity;
  for (const timer of timers.values()) first = Math.min(first, timer.at);
  return first === Infinity ? -1 : Math.max(0, first - host.now());
}

/** Runs every timer that is due, oldest first. */
function runTimers() {
  const now = host.now();
  const due = [];
  for (const [id, timer] of timers) if (timer.at <= now) due.push([id, timer]);
  due.sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
  for (const [id, timer] of due) {
    if (timers.get(id) !== timer) continue;
    if (timer.every) timer.at = now + timer.every;
    else timers.delete(id);
    try {
      timer.callback(...timer.args);
    } catch (error) {
      reportError(error);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// encoding: TextEncoder, TextDecoder (UTF-8 only); atob/btoa are QuickJS built-ins
// ---------------------------------------------------------------------------------------------

function wellFormed(text) {
  return text.isWellFormed() ? text : text.toWellFormed();
}

function toBytes(source, what = 'argument') {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw new TypeError(`The ${what} must be an ArrayBuffer or ArrayBufferView`);
}

const utf8Encode = (text) => host.utf8Encode(wellFormed(String(text)));
const utf8Decode = (bytes, fatal = false) => (bytes.length === 0 ? '' : host.utf8Decode(bytes.toBase64(), fatal));

/** Length of an incomplete UTF-8 sequence at the end of `bytes` (0 when it ends on a boundary). */
function incompleteTail(bytes) {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

class TextEncoder {
  get encoding() {
    return 'utf-8';
  }
  encode(input = '') {
    return utf8Encode(input);
  }
  encodeInto(input, destination) {
    const text = wellFormed(String(input));
    let read = 0;
    let written = 0;
    for (const ch of text) {
      const bytes = utf8Encode(ch);
      if (written + bytes.length > destination.length) break;
      destination.set(bytes, written);
      written += bytes.length;
      read += ch.length;
    }
    return { read, written };
  }
}

class TextDecoder {
  #fatal;
  #ignoreBOM;
  #pending = new Uint8Array(0);
  #started = false;
  constructor(label = 'utf-8', options = {}) {
    const name = String(label).trim().toLowerCase();
    if (name !== 'utf-8' && name !== 'utf8' && name !== 'unicode-1-1-utf-8') {
      throw new RangeError(`The encoding '${label}' is not supported (only utf-8 is)`);
    }
    this.#fatal = Boolean(options.fatal);
    this.#ignoreBOM = Boolean(options.ignoreBOM);
  }
  get encoding() {
    return 'utf-8';
  }
  get fatal() {
    return this.#fatal;
  }
  get ignoreBOM() {
    return this.#ignoreBOM;
  }
  decode(input, options = {}) {
    let bytes = input === undefined ? new Uint8Array(0) : toBytes(input, 'input');
    if (this.#pending.length) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
    }
    const stream = Boolean(options.stream);
    const keep = stream ? incompleteTail(bytes) : 0;
    this.#pending = keep ? bytes.slice(bytes.length - keep) : new Uint8Array(0);
    let text = utf8Decode(keep ? bytes.subarray(0, bytes.length - keep) : bytes, this.#fatal);
    if (!this.#started && !this.#ignoreBOM && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    this.#started = stream && (this.#started || text.length > 0);
    return text;
  }
}

defineGlobal('TextEncoder', TextEncoder);
defineGlobal('TextDecoder', TextDecoder);

// ---------------------------------------------------------------------------------------------
// crypto (host randomness)
// ---------------------------------------------------------------------------------------------

const crypto = {
  getRandomValues(array) {
    if (!ArrayBuffer.isView(array) || array instanceof DataView || array instanceof Float32Array || array instanceof Float64Array) {
      throw new DOMException('The data must be an integer typed array', 'TypeMismatchError');
    }
    if (array.byteLength > 65536) {
      throw new DOMException('The requested length exceeds 65,536 bytes', 'QuotaExceededError');
    }
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(host.randomBytes(array.byteLength));
    return array;
  },
  randomUUID() {
    const b = host.randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toHex();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  },
};
defineGlobal('crypto', crypto);

// ---------------------------------------------------------------------------------------------
// structuredClone
// ---------------------------------------------------------------------------------------------

function structuredClone(value, options) {
  if (options?.transfer?.length) throw new DOMException('Transferring objects is not supported', 'DataCloneError');
  const seen = new Map();
  const fail = (what) => {
    throw new DOMException(`${what} could not be cloned.`, 'DataCloneError');
  };
  const clone = (v) => {
    if (typeof v === 'symbol') fail(String(v));
    if (typeof v === 'function') fail(`${v.name || 'function'}`);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return seen.get(v);
    const keep = (copy) => (seen.set(v, copy), copy);
    if (v instanceof Date) return keep(new Date(v.getTime()));
    if (v instanceof RegExp) return keep(new RegExp(v.source, v.flags));
    if (v instanceof Boolean || v instanceof Number || v instanceof String) return keep(Object(v.valueOf()));
    if (v instanceof ArrayBuffer) return keep(v.slice(0));
    if (ArrayBuffer.isView(v)) {
      const buffer = clone(v.buffer);
      if (v instanceof DataView) return keep(new DataView(buffer, v.byteOffset, v.byteLength));
      return keep(new v.constructor(buffer, v.byteOffset, v.length));
    }
    if (v instanceof Map) {
      const copy = keep(new Map());
      for (const [k, x] of v) copy.set(clone(k), clone(x));
      return copy;
    }
    if (v instanceof Set) {
      const copy = keep(new Set());
      for (const x of v) copy.add(clone(x));
      return copy;
    }
    if (v instanceof Error) {
      const Ctor = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[v.name] ?? Error;
      const copy = keep(new Ctor(v.message));
      if (typeof v.stack === 'string') copy.stack = v.stack;
      if ('cause' in v) copy.cause = clone(v.cause);
      return copy;
    }
    if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) fail(Object.prototype.toString.call(v));
    const copy = keep(Array.isArray(v) ? new Array(v.length) : {});
    for (const key of Object.keys(v)) copy[key] = clone(v[key]);
    return copy;
  };
  return clone(value);
}
defineGlobal('structuredClone', structuredClone);

if (typeof globalThis.DOMException !== 'function') {
  class DOMException extends Error {
    #name;
    constructor(message = '', name = 'Error') {
      super(message);
      this.#name = String(name);
    }
    get name() {
      return this.#name;
    }
  }
  defineGlobal('DOMException', DOMException);
}

// ---------------------------------------------------------------------------------------------
// Node-ish globals and things that are deliberately missing
// ---------------------------------------------------------------------------------------------

defineGlobal('global', globalThis);
defineGlobal('self', globalThis);

const process = {
  env: {},
  argv: [],
  platform: 'linux',
  // The Node release whose APIs the prelude follows (packages such as `semver` checks read it).
  version: 'v20.0.0',
  versions: { node: '20.0.0' },
  emitWarning: () => {},
  nextTick: (callback, ...args) => queueMicrotask(() => callback(...args)),
  exit() {
    throw new Error('process.exit() is not supported in Stratus functions');
  },
  cwd: () => '/',
};
defineGlobal('process', process);
