// pymemcache's rendezvous hashing, the twin of assembly/rendezvous.ts: per server,
// score = murmur3_32(name + "-" + key), seed 0, over a Python str (one byte, code point & 0xff,
// per code point of the key, decoded from UTF-8 as TextDecoder does); the highest score wins, an
// equal score going to the greater name. MurmurHash3 is streamed a byte at a time. A `bytes` key
// is formatted into that str with %s, i.e. as Python's repr() of the bytes, fed as it is written.

import { murmur3Mix, rotl } from './libhashkit.js';

const C1 = 0xcc9e2d51 | 0;
const C2 = 0x1b873593;
const REPLACEMENT = 0xfffd;
const CHAR_DASH = 0x2d;
const CHAR_BACKSLASH = 0x5c;
const CHAR_QUOTE = 0x27;
const CHAR_DOUBLE_QUOTE = 0x22;

/** MurmurHash3_x86_32 (seed 0) fed one byte at a time. */
class Murmur3Stream {
  private h = 0;
  private k = 0;
  private count = 0;

  reset(): void {
    this.h = 0;
    this.k = 0;
    this.count = 0;
  }

  feed(b: number): void {
    this.k |= (b & 0xff) << ((this.count & 3) << 3);
    this.count++;
    if ((this.count & 3) === 0) {
      const k = Math.imul(rotl(Math.imul(this.k, C1), 15), C2);
      this.h = (Math.imul(rotl(this.h ^ k, 13), 5) + 0xe6546b64) | 0;
      this.k = 0;
    }
  }

  finish(): number {
    let h = this.h;
    if ((this.count & 3) !== 0) h ^= Math.imul(rotl(Math.imul(this.k, C1), 15), C2);
    return murmur3Mix(h ^ this.count);
  }
}

const stream = new Murmur3Stream();

/** Feeds the code points of the UTF-8 bytes [start, end) (WHATWG decoding), one byte (cp & 0xff) each. */
function feedCodePoints(u8: Uint8Array, start: number, end: number): void {
  let p = start;
  while (p < end) {
    const b = u8[p++];
    if (b <= 0x7f) {
      stream.feed(b);
      continue;
    }
    let needed: number, cp: number, lower = 0x80, upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) { needed = 1; cp = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) { needed = 2; cp = b & 0xf; if (b === 0xe0) lower = 0xa0; if (b === 0xed) upper = 0x9f; }
    else if (b >= 0xf0 && b <= 0xf4) { needed = 3; cp = b & 0x7; if (b === 0xf0) lower = 0x90; if (b === 0xf4) upper = 0x8f; }
    else { stream.feed(REPLACEMENT); continue; }
    while (needed > 0) {
      // A byte out of range ends the bad sequence and is read again as the next code point.
      if (p >= end || u8[p] < lower || u8[p] > upper) { cp = REPLACEMENT; break; }
      cp = (cp << 6) | (u8[p++] & 0x3f);
      lower = 0x80; upper = 0xbf;
      needed--;
    }
    stream.feed(cp);
  }
}

/** The quote Python's repr() puts around the bytes: `"` when they hold a `'` and no `"`, else `'` (CPython's bytes_repr). */
export function reprQuote(u8: Uint8Array, start: number, end: number): number {
  let single = false, double = false;
  for (let p = start; p < end; p++) {
    if (u8[p] === CHAR_QUOTE) single = true;
    else if (u8[p] === CHAR_DOUBLE_QUOTE) double = true;
  }
  return single && !double ? CHAR_DOUBLE_QUOTE : CHAR_QUOTE;
}

const hexDigit = (v: number): number => (v < 10 ? 0x30 + v : 0x57 + v);

/** Feeds repr(bytes) with `quote`: b, the quote, each byte escaped as CPython does, the quote. */
function feedRepr(u8: Uint8Array, start: number, end: number, quote: number): void {
  stream.feed(0x62);
  stream.feed(quote);
  for (let p = start; p < end; p++) {
    const c = u8[p];
    if (c === quote || c === CHAR_BACKSLASH) { stream.feed(CHAR_BACKSLASH); stream.feed(c); }
    else if (c === 0x09) { stream.feed(CHAR_BACKSLASH); stream.feed(0x74); }
    else if (c === 0x0a) { stream.feed(CHAR_BACKSLASH); stream.feed(0x6e); }
    else if (c === 0x0d) { stream.feed(CHAR_BACKSLASH); stream.feed(0x72); }
    else if (c < 0x20 || c >= 0x7f) { stream.feed(CHAR_BACKSLASH); stream.feed(0x78); stream.feed(hexDigit(c >>> 4)); stream.feed(hexDigit(c & 0xf)); }
    else stream.feed(c);
  }
  stream.feed(quote);
}

/** pymemcache's murmur3_32 of the key as a Python str. */
export function murmur3CodePoints(u8: Uint8Array, start: number, end: number): number {
  stream.reset();
  feedCodePoints(u8, start, end);
  return stream.finish();
}

/** pymemcache's murmur3_32 of a bytes key: over the text of its repr(). */
export function murmur3BytesRepr(u8: Uint8Array, start: number, end: number): number {
  stream.reset();
  feedRepr(u8, start, end, reprQuote(u8, start, end));
  return stream.finish();
}

/**
 * The score of the server whose name is bytes [nameStart, nameEnd) for the key [start, end);
 * `quote` 0: a str key, else a bytes key whose repr() takes that quote ({@link reprQuote}).
 */
export function rendezvousScore(u8: Uint8Array, nameStart: number, nameEnd: number, start: number, end: number, quote: number): number {
  stream.reset();
  for (let i = nameStart; i < nameEnd; i++) stream.feed(u8[i]);
  stream.feed(CHAR_DASH);
  if (quote === 0) feedCodePoints(u8, start, end);
  else feedRepr(u8, start, end, quote);
  return stream.finish();
}
