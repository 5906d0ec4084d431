/**
 * Serializers for memcached's text protocol: each returns a {@link Request} holding the exact bytes
 * to send and the shape of the answer. Everything is validated here, before any I/O; a bad key
 * throws `InvalidKeyError`, a bad value or argument `InvalidValueError` (the number rules are in
 * arguments.ts, shared with the meta serializers in meta-commands.ts).
 */
import { describe } from '../describe.js';
import { InvalidKeyError, InvalidValueError } from '../errors.js';
import { checkExptime, checkFlags, checkU64, checkValue, MAX_I32 } from './arguments.js';
import { allocWireBytes, asciiBytes, CR, digitCount, LF, signedDigitCount, SP, utf8Bytes, utf8Length, writeAscii, writeDecimal, writeSignedDecimal, writeUtf8 } from './bytes.js';
import { keyByteLength, MAX_KEY_BYTES, writeKey, writePlainKey } from './keys.js';
import type { CounterValue, DeleteStatus, Item, OkStatus, Stats, StoreStatus, TouchStatus } from './replies.js';
import { EMBED_LIMIT, ReplyShape, Request } from './request.js';

/** memcached's storage commands (all but `cas`, which takes a CAS unique). */
export type StoreVerb = 'set' | 'add' | 'replace' | 'append' | 'prepend';

const NOREPLY = ' noreply';

// ───────────────────────────── retrieval ─────────────────────────────

/** `get <key>` → the item, or `null` on a miss. */
export function get(key: string): Request<Item | null> {
  return retrieveOne('get', undefined, key);
}

/** `gets <key>` → the item with its CAS unique, or `null`. */
export function gets(key: string): Request<Item | null> {
  return retrieveOne('gets', undefined, key);
}

/** `gat <exptime> <key>`: fetch and set a new expiration time → the item, or `null`. */
export function gat(exptime: number, key: string): Request<Item | null> {
  return retrieveOne('gat', checkExptime(exptime), key);
}

/** `gats <exptime> <key>`: like {@link gat}, with the CAS unique. */
export function gats(exptime: number, key: string): Request<Item | null> {
  return retrieveOne('gats', checkExptime(exptime), key);
}

/**
 * `get <key>*` → the hits, in the server's order (memcached keeps request order; misses are
 * absent). A key requested twice may come back twice. Needs at least one key.
 */
export function getMulti(keys: readonly string[]): Request<Item[]> {
  return retrieveMany('get', undefined, keys);
}

/** `gets <key>*` → the hits with their CAS uniques. */
export function getsMulti(keys: readonly string[]): Request<Item[]> {
  return retrieveMany('gets', undefined, keys);
}

/**
 * `gat <exptime> <key>*`. memcached (1.5+) only accepts command lines over 2 KiB for `get` and
 * `gets`, so keep a multi-key `gat` line short (split long key lists).
 */
export function gatMulti(exptime: number, keys: readonly string[]): Request<Item[]> {
  return retrieveMany('gat', checkExptime(exptime), keys);
}

/** `gats <exptime> <key>*`; the same line-length caveat as {@link gatMulti}. */
export function gatsMulti(exptime: number, keys: readonly string[]): Request<Item[]> {
  return retrieveMany('gats', checkExptime(exptime), keys);
}

function retrieveOne(verb: string, exptime: number | undefined, key: string, measured?: number): Request<Item | null> {
  // Sized for a plain key, checked as it is copied (see retrieveMany); any other is measured first.
  const keyBytes = measured ?? (typeof key === 'string' && key.length <= MAX_KEY_BYTES ? key.length : keyByteLength(key));
  const prefix = exptime === undefined ? verb.length + 1 : verb.length + 1 + signedDigitCount(exptime) + 1;
  const buf = allocWireBytes(prefix + keyBytes + 2);
  let pos = writeAscii(buf, 0, verb);
  buf[pos++] = SP;
  if (exptime !== undefined) {
    pos = writeSignedDecimal(buf, pos, exptime);
    buf[pos++] = SP;
  }
  const start = pos;
  pos = measured === undefined ? writePlainKey(buf, pos, key) : writeKey(buf, pos, key, keyBytes);
  if (pos < 0) return retrieveOne(verb, exptime, key, keyByteLength(key));
  buf[pos++] = CR;
  buf[pos] = LF;
  return new Request(verb, ReplyShape.ITEM, buf, undefined, [key], [start, start + keyBytes], false, false);
}

function retrieveMany(verb: string, exptime: number | undefined, keys: readonly string[]): Request<Item[]> {
  if (!Array.isArray(keys) || keys.length === 0) throw new InvalidKeyError(`${verb} needs at least one key`);
  // Plain keys (nearly all) are checked as they are copied, so each is read once; a list with
  // another key is measured first, which refuses a bad key before anything is built.
  return retrievalLine(verb, exptime, keys, undefined) ?? retrievalLine(verb, exptime, keys, keys.map(keyByteLength))!;
}

/**
 * The retrieval line for `keys` whose UTF-8 `lengths` are known, or, without them, for keys taken
 * to be plain ASCII (see `writePlainKey`): then undefined at the first that is not.
 */
function retrievalLine(verb: string, exptime: number | undefined, keys: readonly string[], lengths: readonly number[] | undefined): Request<Item[]> | undefined {
  const count = keys.length;
  let size = verb.length + 2 + count + (exptime === undefined ? 0 : signedDigitCount(exptime) + 1);
  for (let i = 0; i < count; i++) {
    const n = lengths !== undefined ? lengths[i] : typeof keys[i] === 'string' ? keys[i].length : 0;
    // Too long to be plain: measured (and refused) before anything that large is allocated.
    if (lengths === undefined && n > MAX_KEY_BYTES) return undefined;
    size += n;
  }
  const buf = allocWireBytes(size);
  const spans = new Array<number>(count * 2);
  let pos = writeAscii(buf, 0, verb);
  if (exptime !== undefined) {
    buf[pos++] = SP;
    pos = writeSignedDecimal(buf, pos, exptime);
  }
  for (let i = 0; i < count; i++) {
    buf[pos++] = SP;
    spans[2 * i] = pos;
    pos = lengths !== undefined ? writeKey(buf, pos, keys[i], lengths[i]) : writePlainKey(buf, pos, keys[i]);
    if (pos < 0) return undefined;
    spans[2 * i + 1] = pos;
  }
  buf[pos++] = CR;
  buf[pos] = LF;
  return new Request(verb, ReplyShape.ITEMS, buf, undefined, keys.slice(), spans, false, false);
}

// ───────────────────────────── storage ─────────────────────────────

/**
 * `<verb> <key> <flags> <exptime> <bytes>` + data → `STORED`, `NOT_STORED`… A string value is
 * sent as its UTF-8 bytes, written straight into the command (no buffer of its own).
 */
export function store(verb: StoreVerb, key: string, value: Uint8Array | string, flags: number, exptime: number, noreply?: false): Request<StoreStatus>;
/** The same with `noreply`: the server sends nothing back; resolves once written. */
export function store(verb: StoreVerb, key: string, value: Uint8Array | string, flags: number, exptime: number, noreply: true): Request<undefined>;
export function store(verb: StoreVerb, key: string, value: Uint8Array | string, flags: number, exptime: number, noreply: boolean): Request<StoreStatus | undefined>;
export function store(verb: StoreVerb, key: string, value: Uint8Array | string, flags: number, exptime: number, noreply = false): Request<StoreStatus | undefined> {
  if (verb !== 'set' && verb !== 'add' && verb !== 'replace' && verb !== 'append' && verb !== 'prepend') {
    throw new InvalidValueError(`unknown storage command ${JSON.stringify(verb)}`);
  }
  return storage(verb, key, value, flags, exptime, undefined, noreply);
}

/** `cas <key> <flags> <exptime> <bytes> <cas unique>` + data → `STORED`, `EXISTS` or `NOT_FOUND`. */
export function cas(key: string, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply?: false): Request<StoreStatus>;
/** `cas` with `noreply`. */
export function cas(key: string, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply: true): Request<undefined>;
export function cas(key: string, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply: boolean): Request<StoreStatus | undefined>;
export function cas(key: string, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply = false): Request<StoreStatus | undefined> {
  return storage('cas', key, value, flags, exptime, checkU64('cas unique', unique), noreply);
}

function storage(verb: string, key: string, value: Uint8Array | string, flags: number, exptime: number, unique: string | undefined, noreply: boolean): Request<StoreStatus | undefined> {
  const keyBytes = keyByteLength(key);
  if (typeof value !== 'string') checkValue(verb, value);
  checkFlags(flags);
  checkExptime(exptime);
  const length = typeof value === 'string' ? utf8Length(value) : value.length;
  // A large string is encoded once, to be sent by reference.
  if (typeof value === 'string' && length > EMBED_LIMIT) value = utf8Bytes(value);
  const embed = length <= EMBED_LIMIT;
  const line =
    verb.length + 1 + keyBytes + 1 + digitCount(flags) + 1 + signedDigitCount(exptime) + 1 + digitCount(length) +
    (unique === undefined ? 0 : unique.length + 1) + (noreply ? NOREPLY.length : 0) + 2;
  const buf = allocWireBytes(embed ? line + length + 2 : line);
  let pos = writeAscii(buf, 0, verb);
  buf[pos++] = SP;
  pos = writeKey(buf, pos, key, keyBytes);
  buf[pos++] = SP;
  pos = writeDecimal(buf, pos, flags);
  buf[pos++] = SP;
  pos = writeSignedDecimal(buf, pos, exptime);
  buf[pos++] = SP;
  pos = writeDecimal(buf, pos, length);
  if (unique !== undefined) {
    buf[pos++] = SP;
    pos = writeAscii(buf, pos, unique);
  }
  if (noreply) pos = writeAscii(buf, pos, NOREPLY);
  buf[pos++] = CR;
  buf[pos++] = LF;
  if (embed) {
    if (typeof value === 'string') pos = writeUtf8(buf, pos, value, length);
    else {
      buf.set(value, pos);
      pos += length;
    }
    buf[pos++] = CR;
    buf[pos] = LF;
  }
  return new Request<StoreStatus | undefined>(
    verb, noreply ? ReplyShape.NONE : ReplyShape.STORE, buf, embed ? undefined : (value as Uint8Array), undefined, undefined, true, true,
  );
}

// ───────────────────────────── other key commands ─────────────────────────────

/** `delete <key>` → `DELETED` or `NOT_FOUND`. */
export function del(key: string, noreply?: false): Request<DeleteStatus>;
/** `delete <key> noreply`. */
export function del(key: string, noreply: true): Request<undefined>;
export function del(key: string, noreply: boolean): Request<DeleteStatus | undefined>;
export function del(key: string, noreply = false): Request<DeleteStatus | undefined> {
  return keyCommand('delete', key, undefined, noreply, ReplyShape.DELETE);
}

/** `incr <key> <delta>` → the new value (wraps at 2^64), or `null` when the key is missing. */
export function incr(key: string, delta: bigint | number, noreply?: false): Request<CounterValue>;
/** `incr … noreply`. */
export function incr(key: string, delta: bigint | number, noreply: true): Request<undefined>;
export function incr(key: string, delta: bigint | number, noreply: boolean): Request<CounterValue | undefined>;
export function incr(key: string, delta: bigint | number, noreply = false): Request<CounterValue | undefined> {
  return keyCommand('incr', key, checkU64('delta', delta), noreply, ReplyShape.COUNTER);
}

/** `decr <key> <delta>` → the new value (memcached stops at 0), or `null` when the key is missing. */
export function decr(key: string, delta: bigint | number, noreply?: false): Request<CounterValue>;
/** `decr … noreply`. */
export function decr(key: string, delta: bigint | number, noreply: true): Request<undefined>;
export function decr(key: string, delta: bigint | number, noreply: boolean): Request<CounterValue | undefined>;
export function decr(key: string, delta: bigint | number, noreply = false): Request<CounterValue | undefined> {
  return keyCommand('decr', key, checkU64('delta', delta), noreply, ReplyShape.COUNTER);
}

/** `touch <key> <exptime>` → `TOUCHED` or `NOT_FOUND`. */
export function touch(key: string, exptime: number, noreply?: false): Request<TouchStatus>;
/** `touch … noreply`. */
export function touch(key: string, exptime: number, noreply: true): Request<undefined>;
export function touch(key: string, exptime: number, noreply: boolean): Request<TouchStatus | undefined>;
export function touch(key: string, exptime: number, noreply = false): Request<TouchStatus | undefined> {
  return keyCommand('touch', key, String(checkExptime(exptime)), noreply, ReplyShape.TOUCH);
}

function keyCommand<R>(verb: string, key: string, arg: string | undefined, noreply: boolean, shape: ReplyShape): Request<R> {
  const keyBytes = keyByteLength(key);
  const size = verb.length + 1 + keyBytes + (arg === undefined ? 0 : arg.length + 1) + (noreply ? NOREPLY.length : 0) + 2;
  const buf = allocWireBytes(size);
  let pos = writeAscii(buf, 0, verb);
  buf[pos++] = SP;
  pos = writeKey(buf, pos, key, keyBytes);
  if (arg !== undefined) {
    buf[pos++] = SP;
    pos = writeAscii(buf, pos, arg);
  }
  if (noreply) pos = writeAscii(buf, pos, NOREPLY);
  buf[pos++] = CR;
  buf[pos] = LF;
  return new Request<R>(verb, noreply ? ReplyShape.NONE : shape, buf, undefined, undefined, undefined, true, false);
}

// ───────────────────────────── server commands ─────────────────────────────

/** `flush_all [delay]`: invalidate every item now, or in `delay` seconds → `OK`. */
export function flushAll(delay?: number, noreply?: false): Request<OkStatus>;
/** `flush_all [delay] noreply`. */
export function flushAll(delay: number | undefined, noreply: true): Request<undefined>;
export function flushAll(delay: number | undefined, noreply: boolean): Request<OkStatus | undefined>;
export function flushAll(delay?: number, noreply = false): Request<OkStatus | undefined> {
  let text = 'flush_all';
  if (delay !== undefined) {
    if (!Number.isInteger(delay) || delay < 0 || delay > MAX_I32) {
      throw new InvalidValueError(`flush_all delay must be an integer number of seconds from 0 to ${MAX_I32}, got ${describe(delay)}`);
    }
    text += ` ${delay}`;
  }
  if (noreply) text += NOREPLY;
  return new Request<OkStatus | undefined>('flush_all', noreply ? ReplyShape.NONE : ReplyShape.OK, asciiBytes(`${text}\r\n`), undefined, undefined, undefined, true, false);
}

const VERSION_BYTES = asciiBytes('version\r\n');

/** `version` → the server's version text (e.g. `1.6.18`). */
export function version(): Request<string> {
  return new Request<string>('version', ReplyShape.VERSION, VERSION_BYTES, undefined, undefined, undefined, false, false);
}

/**
 * `stats [group]` → the `STAT` lines as a map. `group` is one token (`settings`, `items`,
 * `slabs`, `sizes`, `conns`…); groups whose answer is not `STAT` lines (`detail dump`,
 * `cachedump`) are not supported. `stats reset` answers `RESET`, returned as an empty map.
 */
export function stats(group?: string): Request<Stats> {
  if (group !== undefined && !isToken(group)) {
    throw new InvalidValueError(`stats group must be one word of printable ASCII, got ${describe(group)}`);
  }
  const text = group === undefined ? 'stats\r\n' : `stats ${group}\r\n`;
  return new Request<Stats>('stats', ReplyShape.STATS, asciiBytes(text), undefined, undefined, undefined, false, false);
}

// ───────────────────────────── checks ─────────────────────────────

function isToken(text: unknown): boolean {
  if (typeof text !== 'string' || text.length === 0 || text.length > 250) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}
