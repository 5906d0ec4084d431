// Dalli's final key (Dalli 3.0.6 KeyManager), which is what its ring hashes: the namespace and
// ":" in front of the key when a namespace is set; a final key longer than 250 characters becomes
// its first 212 characters (213 with a namespace) + ":md5:" + the hex MD5 of the whole final key.
// Characters are counted as Ruby counts a UTF-8 string: a well-formed UTF-8 sequence is one
// character, any other byte is one. The key is hashed in place (CRC-32 continued from the
// namespace's register); only a cut key is written out, to a static buffer that always holds it.

import { CRC32_INIT, crc32Byte, crc32Update } from "./crc32";
import { DIGITS, writeDecimal } from "./decimal";
import { md5A, md5B, md5C, md5D, md5Final, md5Init, md5Update } from "./md5";

/** Dalli's MAX_KEY_LENGTH, in characters. */
const MAX_KEY_CHARS: u32 = 250;
/** Characters kept of a cut key: 249 - ":md5:".length - 32, one more with a namespace (Dalli's history). */
const CUT_CHARS: u32 = 212;
const CUT_CHARS_WITH_NAMESPACE: u32 = 213;
const CHAR_COLON: u32 = 0x3a;
/** ":md5:" */
const MD5_TAG: usize = memory.data<u8>([0x3a, 0x6d, 0x64, 0x35, 0x3a]);
const COLON: usize = memory.data<u8>([0x3a]);
/** A cut key: at most 213 characters of 4 bytes, the tag and 32 hex digits. */
const CUT: usize = memory.data(1024, 8);

/** The namespace (Ring's record after the servers), set by `useNamespace`. */
let namespacePtr: usize = 0;
let namespaceLen: usize = 0;
let hasNamespace = false;
let namespaceChars: u32 = 0;
/** The CRC-32 register after the namespace and ":" (CRC32_INIT without a namespace). */
let namespaceState: u32 = CRC32_INIT;

/** Ruby's length of the character at `p` (before `end`): a well-formed UTF-8 sequence, else 1. */
function charBytes(p: usize, end: usize): usize {
  let b = <u32>load<u8>(p);
  if (b < 0x80) return 1;
  let needed: usize, lower: u32 = 0x80, upper: u32 = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) needed = 1;
  else if (b >= 0xe0 && b <= 0xef) { needed = 2; if (b == 0xe0) lower = 0xa0; if (b == 0xed) upper = 0x9f; }
  else if (b >= 0xf0 && b <= 0xf4) { needed = 3; if (b == 0xf0) lower = 0x90; if (b == 0xf4) upper = 0x8f; }
  else return 1;
  if (p + needed >= end) return 1;
  for (let i: usize = 1; i <= needed; i++) {
    let c = <u32>load<u8>(p + i);
    if (c < lower || c > upper) return 1;
    lower = 0x80; upper = 0xbf;
  }
  return needed + 1;
}

/** Ruby's character count of the bytes [ptr, ptr + len). */
function chars(ptr: usize, len: usize): u32 {
  let end = ptr + len;
  let n: u32 = 0;
  for (let p = ptr; p < end; p += charBytes(p, end)) n++;
  return n;
}

/** Sets the namespace for the keys that follow (`present` false: none; an empty one still adds ":"). */
export function useNamespace(ptr: usize, len: usize, present: bool): void {
  namespacePtr = ptr;
  namespaceLen = present ? len : 0;
  hasNamespace = present;
  namespaceChars = present ? chars(ptr, len) : 0;
  namespaceState = present ? crc32Byte(crc32Update(CRC32_INIT, ptr, len), CHAR_COLON) : CRC32_INIT;
}

/** Whether the final key of these key bytes is over 250 characters (it is then cut). */
// @ts-ignore: decorator
@inline function isCut(ptr: usize, len: usize): bool {
  let extra: usize = hasNamespace ? namespaceLen + 1 : 0;
  // Never more characters than bytes: short keys need no count.
  if (extra + len <= <usize>MAX_KEY_CHARS) return false;
  return (hasNamespace ? namespaceChars + 1 : 0) + chars(ptr, len) > MAX_KEY_CHARS;
}

/** Copies whole characters of [p, p + len) to `to` until `left` are copied; returns the bytes copied. */
function copyChars(to: usize, p: usize, len: usize, left: u32): usize {
  let end = p + len;
  let q = p;
  for (; q < end && left > 0; left--) q += charBytes(q, end);
  memory.copy(to, p, q - p);
  return q - p;
}

// @ts-ignore: decorator
@inline function hexDigit(v: u32): u8 {
  return <u8>(v < 10 ? 0x30 + v : 0x57 + v);
}

/** Writes the cut final key of these key bytes to CUT; returns its length. */
function writeCut(ptr: usize, len: usize): usize {
  md5Init();
  if (hasNamespace) {
    md5Update(namespacePtr, namespaceLen);
    md5Update(COLON, 1);
  }
  md5Update(ptr, len);
  md5Final();
  let keep = hasNamespace ? CUT_CHARS_WITH_NAMESPACE : CUT_CHARS;
  let at: usize = 0;
  // A character never spans the namespace and the key: ":" between them is no continuation byte.
  if (hasNamespace) {
    let n = copyChars(CUT, namespacePtr, namespaceLen, keep);
    at = n;
    keep -= min(keep, namespaceChars);
    if (keep > 0) { store<u8>(CUT + at, CHAR_COLON); at++; keep--; }
  }
  at += copyChars(CUT + at, ptr, len, keep);
  memory.copy(CUT + at, MD5_TAG, 5);
  at += 5;
  for (let i: u32 = 0; i < 16; i++) {
    let word = i < 4 ? md5A : i < 8 ? md5B : i < 12 ? md5C : md5D;
    let byte = (word >>> ((i & 3) << 3)) & 0xff;
    store<u8>(CUT + at, hexDigit(byte >>> 4));
    store<u8>(CUT + at + 1, hexDigit(byte & 0xf));
    at += 2;
  }
  return at;
}

/** crc32 of the final key of the `len` key bytes at `ptr`: Dalli's key hash. */
export function dalliKeyHash(ptr: usize, len: usize): u32 {
  if (isCut(ptr, len)) return ~crc32Update(CRC32_INIT, CUT, writeCut(ptr, len));
  return ~crc32Update(namespaceState, ptr, len);
}

/** crc32(decimal(tries) + final key): Dalli's rehash after a dead server. */
export function dalliRehashHash(tries: u32, ptr: usize, len: usize): u32 {
  let crc = crc32Update(CRC32_INIT, DIGITS, writeDecimal(tries));
  if (isCut(ptr, len)) return ~crc32Update(crc, CUT, writeCut(ptr, len));
  if (hasNamespace) crc = crc32Byte(crc32Update(crc, namespacePtr, namespaceLen), CHAR_COLON);
  return ~crc32Update(crc, ptr, len);
}
