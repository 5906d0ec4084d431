// Dalli's final key (Dalli 3.0.6 KeyManager), the twin of assembly/dalli-key.ts: what its ring
// hashes. The namespace and ":" go in front of the key when a namespace is set; a final key longer
// than 250 characters becomes its first 212 characters (213 with a namespace) + ":md5:" + the hex
// MD5 of the whole final key. Characters are counted as Ruby counts a UTF-8 string: a well-formed
// UTF-8 sequence is one character, any other byte is one. The key is hashed in place (CRC-32
// continued from the namespace's register); only a cut key is written out.

import { crc32Decimal, crc32Update, CRC32_INIT } from './crc32.js';
import { md5Words } from './md5.js';

/** Dalli's MAX_KEY_LENGTH, in characters. */
const MAX_KEY_CHARS = 250;
/** Characters kept of a cut key: 249 - ":md5:".length - 32, one more with a namespace (Dalli's history). */
const CUT_CHARS = 212;
const CUT_CHARS_WITH_NAMESPACE = 213;
const CHAR_COLON = 0x3a;
const MD5_TAG = [0x3a, 0x6d, 0x64, 0x35, 0x3a];

/** Ruby's length of the character at `bytes[p]` (before `end`): a well-formed UTF-8 sequence, else 1. */
function charBytes(bytes: Uint8Array, p: number, end: number): number {
  const b = bytes[p];
  if (b < 0x80) return 1;
  let needed: number, lower = 0x80, upper = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) needed = 1;
  else if (b >= 0xe0 && b <= 0xef) { needed = 2; if (b === 0xe0) lower = 0xa0; if (b === 0xed) upper = 0x9f; }
  else if (b >= 0xf0 && b <= 0xf4) { needed = 3; if (b === 0xf0) lower = 0x90; if (b === 0xf4) upper = 0x8f; }
  else return 1;
  if (p + needed >= end) return 1;
  for (let i = 1; i <= needed; i++) {
    const c = bytes[p + i];
    if (c < lower || c > upper) return 1;
    lower = 0x80;
    upper = 0xbf;
  }
  return needed + 1;
}

/** Ruby's character count of `bytes[start, end)`. */
function chars(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let p = start; p < end; p += charBytes(bytes, p, end)) n++;
  return n;
}

/** The byte offset after the first `count` characters of `bytes[start, end)` (or `end`). */
function afterChars(bytes: Uint8Array, start: number, end: number, count: number): number {
  let p = start;
  for (; p < end && count > 0; count--) p += charBytes(bytes, p, end);
  return p;
}

const hexDigit = (v: number): number => (v < 10 ? 0x30 + v : 0x57 + v);

/** Dalli's key hashes under one namespace (or none). */
export class DalliKeys {
  /** The namespace and ":" (empty without a namespace). */
  private readonly prefix: Uint8Array;
  private readonly prefixChars: number;
  /** The CRC-32 register after the prefix. */
  private readonly prefixState: number;
  private readonly keep: number;
  /** The whole final key (for its MD5), then the cut key; grown as needed. */
  private joined = new Uint8Array(1024);
  private readonly cut = new Uint8Array(1024);
  private readonly digest = new Int32Array(4);

  /** `namespace` undefined: none (an empty namespace still adds ":", as Dalli's does). */
  constructor(namespace: Uint8Array | undefined) {
    this.prefix = namespace === undefined ? new Uint8Array(0) : Uint8Array.of(...namespace, CHAR_COLON);
    this.prefixChars = chars(this.prefix, 0, this.prefix.length);
    this.prefixState = crc32Update(CRC32_INIT, this.prefix, 0, this.prefix.length);
    this.keep = namespace === undefined ? CUT_CHARS : CUT_CHARS_WITH_NAMESPACE;
  }

  /** crc32 of the final key of `bytes[start, end)`: Dalli's key hash. */
  hash(bytes: Uint8Array, start: number, end: number): number {
    if (this.isCut(bytes, start, end)) return ~crc32Update(CRC32_INIT, this.cut, 0, this.writeCut(bytes, start, end)) >>> 0;
    return ~crc32Update(this.prefixState, bytes, start, end) >>> 0;
  }

  /** crc32(decimal(tries) + final key): Dalli's rehash after a dead server. */
  rehash(tries: number, bytes: Uint8Array, start: number, end: number): number {
    const crc = crc32Decimal(CRC32_INIT, tries);
    if (this.isCut(bytes, start, end)) return ~crc32Update(crc, this.cut, 0, this.writeCut(bytes, start, end)) >>> 0;
    return ~crc32Update(crc32Update(crc, this.prefix, 0, this.prefix.length), bytes, start, end) >>> 0;
  }

  /** Whether the final key is over 250 characters. */
  private isCut(bytes: Uint8Array, start: number, end: number): boolean {
    // Never more characters than bytes: short keys need no count.
    if (this.prefix.length + end - start <= MAX_KEY_CHARS) return false;
    return this.prefixChars + chars(bytes, start, end) > MAX_KEY_CHARS;
  }

  /** Writes the cut final key to `cut`; returns its length. */
  private writeCut(bytes: Uint8Array, start: number, end: number): number {
    const whole = this.prefix.length + end - start;
    if (this.joined.length < whole) this.joined = new Uint8Array(2 * whole);
    const joined = this.joined;
    joined.set(this.prefix);
    joined.set(bytes.subarray(start, end), this.prefix.length);
    md5Words(joined, 0, whole, this.digest);
    // A character never spans the namespace and the key: the ":" between them is no continuation byte.
    const inPrefix = afterChars(joined, 0, this.prefix.length, this.keep);
    const left = Math.max(0, this.keep - this.prefixChars);
    const kept = afterChars(joined, this.prefix.length, whole, left) - this.prefix.length;
    const cut = this.cut;
    cut.set(joined.subarray(0, inPrefix));
    let at = inPrefix;
    cut.set(joined.subarray(this.prefix.length, this.prefix.length + kept), at);
    at += kept;
    for (const b of MD5_TAG) cut[at++] = b;
    for (let i = 0; i < 16; i++) {
      const byte = (this.digest[i >> 2] >>> ((i & 3) * 8)) & 0xff;
      cut[at++] = hexDigit(byte >>> 4);
      cut[at++] = hexDigit(byte & 0xf);
    }
    return at;
  }
}
