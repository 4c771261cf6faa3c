// Stratus function prelude, part 3: URL and URLSearchParams.
//
// A compact WHATWG-style parser: special schemes (http, https, ws, wss, ftp, file), opaque URLs
// (mailto:, data:), relative resolution, dot segments, default ports and percent-encoding.
// Not covered: IDNA/punycode hosts and IPv4 number normalisation (hosts are kept as written,
// lower-cased).

const SPECIAL_PORTS = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21', 'file:': '' };
const FRAGMENT_SET = ' "<>`';
const QUERY_SET = ' "#<>';
const SPECIAL_QUERY_SET = ` "#<>'`;
const PATH_SET = ' "#<>?^`{}';
const USERINFO_SET = ' "#<>?^`{}/:;=@[\\]|';
const FORBIDDEN_HOST = /[\u0000\t\n\r #/:<>?@[\\\]^|%]/;

function percentEncode(text, set) {
  let out = '';
  for (const ch of wellFormed(text)) {
    const code = ch.codePointAt(0);
    if (code > 0x7e) out += encodeURIComponent(ch);
    else if (code < 0x20 || code === 0x7f || set.includes(ch)) out += `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

function percentDecode(text) {
  if (!text.includes('%')) return text;
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of utf8Encode(ch)) bytes.push(b);
    }
  }
  return utf8Decode(new Uint8Array(bytes));
}

function invalidURL(input) {
  return new TypeError(`Invalid URL: ${input}`);
}

function normalizePath(path, special) {
  if (special) path = path.replaceAll('\\', '/');
  const segments = path.split('/');
  const out = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    const lower = segment.toLowerCase();
    const last = i === segments.length - 1;
    if (segment === '..' || lower === '.%2e' || lower === '%2e.' || lower === '%2e%2e') {
      out.pop();
      if (last) out.push('');
    } else if (segment === '.' || lower === '%2e') {
      if (last) out.push('');
    } else {
      out.push(percentEncode(segment, PATH_SET));
    }
  }
  return `/${out.join('/')}`;
}

/** Splits `rest` into path, query and fragment and stores them on the record. */
function parseTail(record, rest, mergeWith) {
  const special = record.protocol in SPECIAL_PORTS;
  const hashAt = rest.indexOf('#');
  if (hashAt >= 0) {
    record.fragment = percentEncode(rest.slice(hashAt + 1), FRAGMENT_SET);
    rest = rest.slice(0, hashAt);
  }
  const queryAt = rest.indexOf('?');
  if (queryAt >= 0) {
    record.query = percentEncode(rest.slice(queryAt + 1), special ? SPECIAL_QUERY_SET : QUERY_SET);
    rest = rest.slice(0, queryAt);
  }
  if (mergeWith !== undefined) rest = mergeWith.slice(0, mergeWith.lastIndexOf('/') + 1) + rest;
  if (record.opaque) record.path = percentEncode(rest, '');
  else if (rest === '' && !special) record.path = '';
  else record.path = normalizePath(rest.startsWith('/') || (special && rest.startsWith('\\')) ? rest : `/${rest}`, special);
}

function parseHost(record, hostPort, input) {
  const special = record.protocol in SPECIAL_PORTS;
  let host = hostPort;
  let port = '';
  const bracket = hostPort.startsWith('[') ? hostPort.indexOf(']') : -1;
  const colon = hostPort.indexOf(':', bracket >= 0 ? bracket : 0);
  if (hostPort.startsWith('[') && bracket < 0) throw invalidURL(input);
  if (colon >= 0) {
    host = hostPort.slice(0, colon);
    port = hostPort.slice(colon + 1);
    if (!/^\d*$/.test(port) || (port !== '' && Number(port) > 65535)) throw invalidURL(input);
    if (port !== '') port = String(Number(port));
  }
  if (port === SPECIAL_PORTS[record.protocol]) port = '';
  if (!host.startsWith('[')) {
    host = percentDecode(host);
    if (special) host = host.toLowerCase();
    if (FORBIDDEN_HOST.test(host)) throw invalidURL(input);
  } else {
    host = host.toLowerCase();
  }
  if (special && host === '' && record.protocol !== 'file:') throw invalidURL(input);
  record.hostname = host;
  record.port = record.protocol === 'file:' ? '' : port;
}

function parseAuthority(record, rest, input) {
  const special = record.protocol in SPECIAL_PORTS;
  const end = rest.search(special ? /[/\\?#]/ : /[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const info = authority.slice(0, at);
    const colon = info.indexOf(':');
    record.username = percentEncode(colon < 0 ? info : info.slice(0, colon), USERINFO_SET);
    record.password = colon < 0 ? '' : percentEncode(info.slice(colon + 1), USERINFO_SET);
  }
  parseHost(record, authority.slice(at + 1), input);
  record.hasHost = true;
  parseTail(record, end < 0 ? '' : rest.slice(end));
}

function emptyRecord(protocol) {
  return { protocol, username: '', password: '', hostname: '', port: '', hasHost: false, path: '', query: null, fragment: null, opaque: false };
}

function parseURL(input, base) {
  const original = String(input);
  const text = original.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+\-.]*):/.exec(text);
  if (scheme) {
    const record = emptyRecord(`${scheme[1].toLowerCase()}:`);
    let rest = text.slice(scheme[0].length);
    const special = record.protocol in SPECIAL_PORTS;
    if (special && base?.protocol === record.protocol && !/^[/\\]/.test(rest)) return resolve(rest, base, original);
    if (special) {
      if (record.protocol === 'file:' && !/^[/\\]{2}/.test(rest)) {
        record.hasHost = true;
        parseTail(record, rest);
        return record;
      }
      parseAuthority(record, rest.replace(/^[/\\]*/, ''), original);
    } else if (rest.startsWith('//')) {
      parseAuthority(record, rest.slice(2), original);
    } else {
      record.opaque = !rest.startsWith('/');
      parseTail(record, rest);
    }
    return record;
  }
  if (!base) throw invalidURL(original);
  return resolve(text, base, original);
}

function resolve(text, base, original) {
  const record = { ...base, query: null, fragment: null };
  const special = record.protocol in SPECIAL_PORTS;
  if (base.opaque) {
    if (!text.startsWith('#')) throw invalidURL(original);
    record.query = base.query;
    parseTail(record, `${base.path}${text}`);
    return record;
  }
  if (/^[/\\]{2}/.test(text) && (special || text.startsWith('//'))) {
    Object.assign(record, { username: '', password: '', hostname: '', port: '' });
    parseAuthority(record, special ? text.replace(/^[/\\]*/, '') : text.slice(2), original);
  } else if (text.startsWith('/') || (special && text.startsWith('\\'))) {
    parseTail(record, text);
  } else if (text === '' || text.startsWith('?') || text.startsWith('#')) {
    if (!text.startsWith('?')) record.query = base.query;
    const path = base.path;
    parseTail(record, text);
    record.path = path;
  } else {
    parseTail(record, text, base.path || '/');
  }
  return record;
}

function serialize(record) {
  let out = record.protocol;
  if (record.hasHost) {
    out += '//';
    if (record.username || record.password) {
      out += record.username + (record.password ? `:${record.password}` : '') + '@';
    }
    out += record.hostname + (record.port ? `:${record.port}` : '');
  } else if (!record.opaque && record.path.startsWith('//')) {
    out += '/.';
  }
  out += record.path;
  if (record.query !== null) out += `?${record.query}`;
  if (record.fragment !== null) out += `#${record.fragment}`;
  return out;
}

// application/x-www-form-urlencoded
function formEncode(text) {
  return encodeURIComponent(wellFormed(text)).replace(/[!'()~]|%20/g, (c) =>
    c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function formDecode(text) {
  return percentDecode(text.replaceAll('+', ' '));
}

function parseForm(text) {
  const list = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    list.push(eq < 0 ? [formDecode(part), ''] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))]);
  }
  return list;
}

let attachParams;

class URLSearchParams {
  #list = [];
  #url = null;
  constructor(init = '') {
    if (typeof init === 'object' && init !== null) {
      if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          const items = [...pair];
          if (items.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
          this.#list.push([String(items[0]), String(items[1])]);
        }
      } else {
        for (const key of Object.keys(init)) this.#list.push([key, String(init[key])]);
      }
    } else {
      const text = String(init);
      this.#list = parseForm(text.startsWith('?') ? text.slice(1) : text);
    }
  }
  static {
    attachParams = (params, url, list) => {
      params.#url = url;
      params.#list = list;
    };
  }
  #update() {
    if (this.#url) this.#url.search = this.toString();
  }
  get size() {
    return this.#list.length;
  }
  append(name, value) {
    this.#list.push([String(name), String(value)]);
    this.#update();
  }
  delete(name, value) {
    name = String(name);
    this.#list = this.#list.filter(([n, v]) => n !== name || (value !== undefined && v !== String(value)));
    this.#update();
  }
  get(name) {
    name = String(name);
    return this.#list.find(([n]) => n === name)?.[1] ?? null;
  }
  getAll(name) {
    name = String(name);
    return this.#list.filter(([n]) => n === name).map(([, v]) => v);
  }
  has(name, value) {
    name = String(name);
    return this.#list.some(([n, v]) => n === name && (value === undefined || v === String(value)));
  }
  set(name, value) {
    name = String(name);
    value = String(value);
    const index = this.#list.findIndex(([n]) => n === name);
    if (index < 0) this.#list.push([name, value]);
    else {
      this.#list[index][1] = value;
      this.#list = this.#list.filter(([n], i) => n !== name || i === index);
    }
    this.#update();
  }
  sort() {
    this.#list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#update();
  }
  forEach(callback, thisArg) {
    for (const [name, value] of this.#list) callback.call(thisArg, value, name, this);
  }
  *keys() {
    for (const [name] of this.#list) yield name;
  }
  *values() {
    for (const [, value] of this.#list) yield value;
  }
  *entries() {
    for (const [name, value] of this.#list) yield [name, value];
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  toString() {
    return this.#list.map(([n, v]) => `${formEncode(n)}=${formEncode(v)}`).join('&');
  }
  get [Symbol.toStringTag]() {
    return 'URLSearchParams';
  }
}

class URL {
  #record;
  #params = null;
  constructor(url, base) {
    const baseRecord = base === undefined ? undefined : parseURL(base instanceof URL ? base.href : base);
    this.#record = parseURL(url instanceof URL ? url.href : url, baseRecord);
  }
  static canParse(url, base) {
    try {
      new URL(url, base);
      return true;
    } catch {
      return false;
    }
  }
  static parse(url, base) {
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  }
  #syncParams() {
    if (this.#params) attachParams(this.#params, this, parseForm(this.#record.query ?? ''));
  }
  get href() {
    return serialize(this.#record);
  }
  set href(value) {
    this.#record = parseURL(value);
    this.#syncParams();
  }
  get origin() {
    const r = this.#record;
    if (r.protocol === 'blob:') return URL.canParse(r.path) ? new URL(r.path).origin : 'null';
    if (!(r.protocol in SPECIAL_PORTS) || r.protocol === 'file:') return 'null';
    return `${r.protocol}//${this.host}`;
  }
  get protocol() {
    return this.#record.protocol;
  }
  set protocol(value) {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+\-.]*)/.exec(String(value))?.[1]?.toLowerCase();
    if (!scheme) return;
    const next = `${scheme}:`;
    if (next in SPECIAL_PORTS !== this.#record.protocol in SPECIAL_PORTS) return;
    this.#record.protocol = next;
    if (this.#record.port === SPECIAL_PORTS[next]) this.#record.port = '';
  }
  get username() {
    return this.#record.username;
  }
  set username(value) {
    if (this.#record.hasHost) this.#record.username = percentEncode(String(value), USERINFO_SET);
  }
  get password() {
    return this.#record.password;
  }
  set password(value) {
    if (this.#record.hasHost) this.#record.password = percentEncode(String(value), USERINFO_SET);
  }
  get host() {
    const r = this.#record;
    return r.port ? `${r.hostname}:${r.port}` : r.hostname;
  }
  set host(value) {
    if (this.#record.opaque) return;
    const copy = { ...this.#record };
    try {
      parseHost(copy, String(value).split(/[/?#\\]/)[0], value);
      this.#record = copy;
    } catch {}
  }
  get hostname() {
    return this.#record.hostname;
  }
  set hostname(value) {
    if (this.#record.opaque) return;
    const copy = { ...this.#record };
    try {
      parseHost(copy, String(value).split(/[:/?#\\]/)[0], value);
      copy.port = this.#record.port;
      this.#record = copy;
    } catch {}
  }
  get port() {
    return this.#record.port;
  }
  set port(value) {
    const digits = /^\d*/.exec(String(value))[0];
    if (!this.#record.hasHost || this.#record.protocol === 'file:' || (digits === '' && value !== '')) return;
    if (digits !== '' && Number(digits) > 65535) return;
    const port = digits === '' ? '' : String(Number(digits));
    this.#record.port = port === SPECIAL_PORTS[this.#record.protocol] ? '' : port;
  }
  get pathname() {
    return this.#record.path;
  }
  set pathname(value) {
    if (this.#record.opaque) return;
    const special = this.#record.protocol in SPECIAL_PORTS;
    const text = String(value);
    this.#record.path = text === '' && !special ? '' : normalizePath(text.startsWith('/') ? text : `/${text}`, special);
  }
  get search() {
    const query = this.#record.query;
    return query ? `?${query}` : '';
  }
  set search(value) {
    const text = String(value);
    const query = text.startsWith('?') ? text.slice(1) : text;
    const special = this.#record.protocol in SPECIAL_PORTS;
    this.#record.query = text === '' ? null : percentEncode(query, special ? SPECIAL_QUERY_SET : QUERY_SET);
    this.#syncParams();
  }
  get searchParams() {
    if (!this.#params) {
      this.#params = new URLSearchParams();
      this.#syncParams();
    }
    return this.#params;
  }
  get hash() {
    const fragment = this.#record.fragment;
    return fragment ? `#${fragment}` : '';
  }
  set hash(value) {
    const text = String(value);
    this.#record.fragment = text === '' ? null : percentEncode(text.startsWith('#') ? text.slice(1) : text, FRAGMENT_SET);
  }
  toString() {
    return this.href;
  }
  toJSON() {
    return this.href;
  }
  get [Symbol.toStringTag]() {
    return 'URL';
  }
}

defineGlobal('URL', URL);
defineGlobal('URLSearchParams', URLSearchParams);
