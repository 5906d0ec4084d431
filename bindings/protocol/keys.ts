/**
 * Key rules of memcached's text protocol, checked before any I/O: a key is a token on the command
 * line, so a space or a control character would split it or end the line, and the server refuses
 * keys longer than 250 bytes.
 */
import { InvalidKeyError, InvalidOptionError } from '../errors.js';
import { utf8Length, writeUtf8 } from './bytes.js';

/** memcached's `KEY_MAX_LENGTH`, counted in bytes (UTF-8). */
export const MAX_KEY_BYTES = 250;

/** The longest prefix that leaves room for a 20-digit number (any u64) after it. */
export const MAX_KEY_PREFIX_BYTES = MAX_KEY_BYTES - 20;

/**
 * Validates a key and returns its length in bytes as UTF-8.
 *
 * Refused, with an {@link InvalidKeyError} saying why: a non-string, the empty string, more than
 * {@link MAX_KEY_BYTES} bytes, ASCII space and control characters (0x00–0x20, 0x7f), C1 controls
 * (U+0080–U+009F), Unicode white space (e.g. U+00A0, U+2028, U+3000) and lone surrogates (they
 * have no UTF-8 form: two different strings would reach the server as the same key).
 */
export function keyByteLength(key: string): number {
  if (typeof key !== 'string') {
    if ((key as unknown) instanceof Uint8Array) throw new InvalidKeyError("binary (Uint8Array) keys travel only over the meta protocol: create the client with protocol: 'meta'");
    throw new InvalidKeyError(`a key must be a string, got ${describeType(key)}`);
  }
  const length = key.length;
  if (length === 0) throw new InvalidKeyError('a key must not be empty');
  // Every UTF-16 unit is at least one UTF-8 byte, so this bound is safe before counting.
  if (length > MAX_KEY_BYTES) throw tooLong(key, length > MAX_KEY_BYTES * 3 ? undefined : utf8Length(key));
  const bytes = measure(key, 'key');
  if (bytes > MAX_KEY_BYTES) throw tooLong(key, bytes);
  return bytes;
}

/**
 * Throws {@link InvalidOptionError} (naming `option`) unless `prefix` followed by any number of
 * up to 20 digits is a key memcached accepts: no white space, control characters or lone
 * surrogates, and at most {@link MAX_KEY_PREFIX_BYTES} bytes as UTF-8. The empty prefix is allowed.
 */
export function validateKeyPrefix(prefix: string, option: string): void {
  if (typeof prefix !== 'string') throw new InvalidOptionError(option, `must be a key prefix string, got ${describeType(prefix)}`);
  let bytes = prefix.length;
  if (bytes <= MAX_KEY_PREFIX_BYTES) {
    try {
      bytes = measure(prefix, 'prefix');
    } catch (err) {
      if (err instanceof InvalidKeyError) throw new InvalidOptionError(option, err.message);
      throw err;
    }
  }
  if (bytes > MAX_KEY_PREFIX_BYTES) {
    const size = bytes === prefix.length ? `${bytes} characters` : `${bytes} bytes as UTF-8`;
    throw new InvalidOptionError(option, `prefix ${quote(prefix)} is ${size}; at most ${MAX_KEY_PREFIX_BYTES} bytes leave room for the number appended to it (memcached allows ${MAX_KEY_BYTES})`);
  }
}

/**
 * The UTF-8 length of `text`; throws {@link InvalidKeyError} (calling it `what`) at the first
 * character memcached refuses in a key.
 */
function measure(text: string, what: 'key' | 'prefix'): number {
  const length = text.length;
  let bytes = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    // Printable ASCII, the common case, in one compare pair.
    if (c > 0x20 && c < 0x7f) {
      bytes += 1;
      continue;
    }
    if (c < 0x80) throw forbidden(what, text, i, c);
    if (c < 0x800) {
      // C1 controls (U+0080–U+009F) and the no-break space (U+00A0).
      if (c <= 0xa0) throw forbidden(what, text, i, c);
      bytes += 2;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const low = c <= 0xdbff && i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (low < 0xdc00 || low > 0xdfff) {
        throw new InvalidKeyError(`${what} ${quote(text)} has a lone surrogate (U+${hex(c)}) at index ${i}: it has no UTF-8 form`);
      }
      i++;
      bytes += 4;
      continue;
    }
    if (isUnicodeSpace(c)) throw forbidden(what, text, i, c);
    bytes += 3;
  }
  return bytes;
}

/** Throws {@link InvalidKeyError} unless memcached would accept `key` as is. */
export function validateKey(key: string): void {
  keyByteLength(key);
}

/**
 * Writes a key already measured by {@link keyByteLength} at `pos`; returns the position after it.
 */
export function writeKey(buf: Uint8Array, pos: number, key: string, byteLength: number): number {
  return writeUtf8(buf, pos, key, byteLength);
}

/**
 * Checks and writes `key` in one pass when it is plain: 1 to {@link MAX_KEY_BYTES} printable ASCII
 * characters (0x21–0x7e), which nearly every real key is, so its length is its byte count. Returns
 * the position after it, or -1 when it is not plain (the bytes written are then garbage): measure
 * it with {@link keyByteLength}, which throws for a bad key and counts UTF-8 for a good one.
 */
export function writePlainKey(buf: Uint8Array, pos: number, key: string): number {
  if (typeof key !== 'string') return -1;
  const length = key.length;
  if (length === 0 || length > MAX_KEY_BYTES) return -1;
  // Negative as soon as one unit falls below 0x21 or above 0x7e.
  let outside = 0;
  for (let i = 0; i < length; i++) {
    const c = key.charCodeAt(i);
    outside |= (c - 0x21) | (0x7e - c);
    buf[pos + i] = c;
  }
  return outside < 0 ? -1 : pos + length;
}

/** White space outside ASCII and Latin-1 (JavaScript's `\s` set). */
function isUnicodeSpace(c: number): boolean {
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function forbidden(what: 'key' | 'prefix', key: string, index: number, c: number): InvalidKeyError {
  const kind = c === 0x20 ? 'a space' : c < 0x20 || (c >= 0x7f && c <= 0x9f) ? 'a control character' : 'white space';
  return new InvalidKeyError(`${what} ${quote(key)} contains ${kind} (U+${hex(c)}) at index ${index}; memcached keys cannot contain white space or control characters`);
}

function tooLong(key: string, bytes: number | undefined): InvalidKeyError {
  const size = bytes === undefined ? `${key.length} characters` : `${bytes} bytes as UTF-8`;
  return new InvalidKeyError(`key ${quote(key)} is ${size}; memcached allows at most ${MAX_KEY_BYTES} bytes`);
}

function quote(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

function hex(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

function describeType(value: unknown): string {
  return value === null ? 'null' : typeof value;
}
