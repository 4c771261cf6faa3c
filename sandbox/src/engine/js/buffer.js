// Stratus function prelude, part 2: a small Node.js `Buffer` (a Uint8Array subclass).
//
// Covers what handlers typically use: Buffer.from(string | array | ArrayBuffer | view, encoding),
// alloc, isBuffer, byteLength, concat, compare, toString(encoding), equals, toJSON and a
// view-returning slice. Encodings: utf8, base64, base64url, hex, latin1/binary, ascii. The
// read/write integer helpers of Node's Buffer are not provided.

function normalizeEncoding(encoding) {
  const name = String(encoding ?? 'utf8').toLowerCase();
  switch (name) {
    case 'utf8':
    case 'utf-8':
      return 'utf8';
    case 'base64':
    case 'base64url':
    case 'hex':
    case 'ascii':
      return name;
    case 'latin1':
    case 'binary':
      return 'latin1';
    default:
      throw new TypeError(`Unknown encoding: ${encoding}`);
  }
}

function latin1String(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  return out;
}

function encodeString(text, encoding) {
  switch (normalizeEncoding(encoding)) {
    case 'utf8':
      return utf8Encode(text);
    case 'base64':
    case 'base64url': {
      // Node decodes both alphabets and skips anything else.
      const clean = text.replace(/[-_]/g, (c) => (c === '-' ? '+' : '/')).replace(/[^A-Za-z0-9+/]/g, '');
      return Uint8Array.fromBase64(clean, { lastChunkHandling: 'loose' });
    }
    case 'hex': {
      const even = /^(?:[0-9a-fA-F]{2})*/.exec(text)[0];
      return Uint8Array.fromHex(even);
    }
    default: {
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
      return bytes;
    }
  }
}

class Buffer extends Uint8Array {
  static #view(bytes) {
    return new Buffer(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  static from(value, encodingOrOffset, length) {
    if (typeof value === 'string') return Buffer.#view(encodeString(value, encodingOrOffset));
    if (value instanceof ArrayBuffer) {
      const offset = encodingOrOffset ?? 0;
      return new Buffer(value, offset, length ?? value.byteLength - offset);
    }
    if (ArrayBuffer.isView(value) || Array.isArray(value)) {
      const copy = new Buffer(value.length);
      copy.set(value);
      return copy;
    }
    if (value && value.type === 'Buffer' && Array.isArray(value.data)) return Buffer.from(value.data);
    throw new TypeError('The first argument must be a string, Buffer, ArrayBuffer, Array, or array-like object');
  }
  static alloc(size, fill, encoding) {
    const buffer = new Buffer(size);
    if (fill !== undefined && fill !== 0) {
      const pattern = typeof fill === 'string' ? encodeString(fill, encoding) : null;
      if (pattern === null) buffer.fill(fill);
      else if (pattern.length) for (let i = 0; i < size; i++) buffer[i] = pattern[i % pattern.length];
    }
    return buffer;
  }
  static allocUnsafe(size) {
    return new Buffer(size);
  }
  static allocUnsafeSlow(size) {
    return Buffer.alloc(size);
  }
  static isBuffer(value) {
    return value instanceof Buffer;
  }
  static isEncoding(encoding) {
    try {
      normalizeEncoding(encoding);
      return true;
    } catch {
      return false;
    }
  }
  static byteLength(value, encoding) {
    return typeof value === 'string' ? encodeString(value, encoding).length : value.byteLength;
  }
  static concat(list, totalLength) {
    const total = totalLength ?? list.reduce((sum, item) => sum + item.length, 0);
    const out = new Buffer(total);
    let at = 0;
    for (const item of list) {
      if (at >= total) break;
      const part = item.length > total - at ? item.subarray(0, total - at) : item;
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
  static compare(a, b) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  toString(encoding, start = 0, end = this.length) {
    const bytes = start === 0 && end >= this.length ? this : this.subarray(start, end);
    switch (normalizeEncoding(encoding)) {
      case 'utf8':
        return utf8Decode(bytes);
      case 'base64':
        return Uint8Array.prototype.toBase64.call(bytes);
      case 'base64url':
        return Uint8Array.prototype.toBase64.call(bytes, { alphabet: 'base64url', omitPadding: true });
      case 'hex':
        return Uint8Array.prototype.toHex.call(bytes);
      case 'ascii':
        return latin1String(bytes.map((b) => b & 0x7f));
      default:
        return latin1String(bytes);
    }
  }
  toJSON() {
    return { type: 'Buffer', data: Array.from(this) };
  }
  equals(other) {
    return Buffer.compare(this, other) === 0;
  }
  compare(other) {
    return Buffer.compare(this, other);
  }
  // Node's slice returns a view, unlike Uint8Array's copy.
  slice(start, end) {
    return this.subarray(start, end);
  }
}

// Node still lets old code call `Buffer(x)` without `new` (deprecated, but packages such as
// safe-buffer do); a class cannot be called, so the global is a callable stand-in for it.
const NodeBuffer = new Proxy(Buffer, {
  apply: (_target, _self, args) => (typeof args[0] === 'number' ? Buffer.alloc(args[0]) : Buffer.from(...args)),
});
defineGlobal('Buffer', NodeBuffer);
