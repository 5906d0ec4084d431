// pymemcache's rendezvous hashing: per server, score = murmur3_32(name + "-" + key) with seed 0,
// over a Python str, i.e. one byte (code point & 0xff) per code point of the key; the highest
// score wins, an equal score going to the greater name. The key bytes are decoded as UTF-8 the way
// TextDecoder does (each maximal invalid subsequence is one U+FFFD), and MurmurHash3 is streamed
// a byte at a time: no buffer, whatever the lengths. A `bytes` key is formatted into that str
// with %s, i.e. as Python's repr() of the bytes (b'...'), which is fed as it is written.

import { murmur3Mix } from "./libhashkit";

const C1: u32 = 0xcc9e2d51;
const C2: u32 = 0x1b873593;
const REPLACEMENT: u32 = 0xfffd;
const CHAR_DASH: u32 = 0x2d;
const CHAR_B: u32 = 0x62;
const CHAR_BACKSLASH: u32 = 0x5c;
const CHAR_QUOTE: u32 = 0x27;
const CHAR_DOUBLE_QUOTE: u32 = 0x22;
const CHAR_X: u32 = 0x78;

/** The streaming MurmurHash3_x86_32 state (seed 0): h, the pending block, the bytes fed. */
let mh: u32 = 0;
let mk: u32 = 0;
let mcount: u32 = 0;

// @ts-ignore: decorator
@inline function start(): void {
  mh = 0; mk = 0; mcount = 0;
}

// @ts-ignore: decorator
@inline function feed(b: u32): void {
  mk |= (b & 0xff) << ((mcount & 3) << 3);
  mcount++;
  if ((mcount & 3) == 0) {
    let k = rotl<u32>(mk * C1, 15) * C2;
    mh = rotl<u32>(mh ^ k, 13) * 5 + 0xe6546b64;
    mk = 0;
  }
}

function finish(): u32 {
  let h = mh;
  if ((mcount & 3) != 0) h ^= rotl<u32>(mk * C1, 15) * C2;
  return murmur3Mix(h ^ mcount);
}

/** Where the UTF-8 decoder stands. */
let at: usize = 0;

/** The next code point of the UTF-8 bytes at `at` (WHATWG decoding), advancing `at`. */
function nextCodePoint(end: usize): u32 {
  let b = <u32>load<u8>(at);
  at++;
  if (b <= 0x7f) return b;
  let needed: u32, cp: u32, lower: u32 = 0x80, upper: u32 = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) { needed = 1; cp = b & 0x1f; }
  else if (b >= 0xe0 && b <= 0xef) { needed = 2; cp = b & 0xf; if (b == 0xe0) lower = 0xa0; if (b == 0xed) upper = 0x9f; }
  else if (b >= 0xf0 && b <= 0xf4) { needed = 3; cp = b & 0x7; if (b == 0xf0) lower = 0x90; if (b == 0xf4) upper = 0x8f; }
  else return REPLACEMENT;
  while (needed > 0) {
    if (at >= end) return REPLACEMENT;
    let c = <u32>load<u8>(at);
    // A byte out of range ends the bad sequence and is read again as the next code point.
    if (c < lower || c > upper) return REPLACEMENT;
    at++;
    lower = 0x80; upper = 0xbf;
    cp = (cp << 6) | (c & 0x3f);
    needed--;
  }
  return cp;
}

/** Feeds the key's code points, one byte (cp & 0xff) each. */
// @ts-ignore: decorator
@inline function feedKey(ptr: usize, len: usize): void {
  let end = ptr + len;
  let p = ptr;
  while (p < end) {
    // ASCII, most keys, needs no decoding: the byte is its code point (the decoder's call and cursor cost more than the hash).
    let b = <u32>load<u8>(p);
    if (b <= 0x7f) {
      feed(b);
      p++;
      continue;
    }
    at = p;
    let cp = nextCodePoint(end);
    p = at;
    feed(cp);
  }
}

/** A lowercase hex digit. */
// @ts-ignore: decorator
@inline function hexDigit(v: u32): u32 {
  return v < 10 ? 0x30 + v : 0x57 + v;
}

/**
 * The quote Python's repr() puts around these bytes: `"` when they hold a `'` and no `"`, else `'`
 * (CPython's bytes_repr).
 */
export function reprQuote(ptr: usize, len: usize): u32 {
  let single = false, double = false;
  for (let p = ptr, end = ptr + len; p < end; p++) {
    let c = <u32>load<u8>(p);
    if (c == CHAR_QUOTE) single = true;
    else if (c == CHAR_DOUBLE_QUOTE) double = true;
  }
  return single && !double ? CHAR_DOUBLE_QUOTE : CHAR_QUOTE;
}

/** Feeds repr(bytes) with the quote `quote`: b, the quote, each byte escaped as CPython does, the quote. */
function feedRepr(ptr: usize, len: usize, quote: u32): void {
  feed(CHAR_B);
  feed(quote);
  for (let p = ptr, end = ptr + len; p < end; p++) {
    let c = <u32>load<u8>(p);
    if (c == quote || c == CHAR_BACKSLASH) { feed(CHAR_BACKSLASH); feed(c); }
    else if (c == 0x09) { feed(CHAR_BACKSLASH); feed(0x74); }
    else if (c == 0x0a) { feed(CHAR_BACKSLASH); feed(0x6e); }
    else if (c == 0x0d) { feed(CHAR_BACKSLASH); feed(0x72); }
    else if (c < 0x20 || c >= 0x7f) { feed(CHAR_BACKSLASH); feed(CHAR_X); feed(hexDigit(c >>> 4)); feed(hexDigit(c & 0xf)); }
    else feed(c);
  }
  feed(quote);
}

/** pymemcache's murmur3_32 of the key as a Python str (seed 0, a byte per code point). */
export function murmur3CodePoints(ptr: usize, len: usize): u32 {
  start();
  feedKey(ptr, len);
  return finish();
}

/** pymemcache's murmur3_32 of a bytes key: over the text of its repr(). */
export function murmur3BytesRepr(ptr: usize, len: usize): u32 {
  start();
  feedRepr(ptr, len, reprQuote(ptr, len));
  return finish();
}

/**
 * The score of the server named by the `nameLen` bytes at `name` for the key; `quote` 0: a str
 * key, else a bytes key whose repr() takes that quote (reprQuote).
 */
export function rendezvousScore(name: usize, nameLen: usize, ptr: usize, len: usize, quote: u32): u32 {
  start();
  for (let i: usize = 0; i < nameLen; i++) feed(<u32>load<u8>(name + i));
  feed(CHAR_DASH);
  if (quote == 0) feedKey(ptr, len);
  else feedRepr(ptr, len, quote);
  return finish();
}
