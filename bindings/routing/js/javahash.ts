// memjs's and spymemcached's key hash: Java's String.hashCode over the key's UTF-16 code units (memjs: then Math.abs); the
// twin of assembly/javahash.ts. The bytes are decoded as UTF-8 the way TextDecoder does (WHATWG:
// each maximal invalid subsequence becomes one U+FFFD), in place, without building a string.

const REPLACEMENT = 0xfffd;

function addCodePoint(h: number, cp: number): number {
  if (cp < 0x10000) return (Math.imul(h, 31) + cp) | 0;
  const v = cp - 0x10000;
  h = (Math.imul(h, 31) + (0xd800 + (v >>> 10))) | 0;
  return (Math.imul(h, 31) + (0xdc00 + (v & 0x3ff))) | 0;
}

/** abs(int32(String.hashCode(utf8Decode(bytes[start, end))))) as a u32 (-2^31 stays 2^31, as in JS): memjs. */
export function javaHashCodeAbs(u8: Uint8Array, start: number, end: number): number {
  return Math.abs(javaHashCode(u8, start, end) | 0) >>> 0;
}

/** String.hashCode(utf8Decode(bytes[start, end))) as a u32 (spymemcached's NATIVE_HASH reads it so). */
export function javaHashCode(u8: Uint8Array, start: number, end: number): number {
  return javaHashCodeFrom(0, u8, start, end);
}

/**
 * String.hashCode continued from the hash `h` of a string before the decoded bytes: the hash of
 * that string and these bytes joined (spymemcached's rehash of decimal(try) + key), as a u32.
 */
export function javaHashCodeFrom(h: number, u8: Uint8Array, start: number, end: number): number {
  let cp = 0, needed = 0, seen = 0, lower = 0x80, upper = 0xbf;
  let p = start;
  while (p < end) {
    const b = u8[p];
    if (needed === 0) {
      p++;
      if (b <= 0x7f) {
        h = addCodePoint(h, b);
      } else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1; cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2; cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3; cp = b & 0x7;
      } else {
        h = addCodePoint(h, REPLACEMENT);
      }
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence so far is one U+FFFD; this byte starts over (not consumed).
      cp = 0; needed = 0; seen = 0; lower = 0x80; upper = 0xbf;
      h = addCodePoint(h, REPLACEMENT);
      continue;
    }
    p++;
    lower = 0x80; upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen === needed) {
      h = addCodePoint(h, cp);
      cp = 0; needed = 0; seen = 0;
    }
  }
  if (needed !== 0) h = addCodePoint(h, REPLACEMENT);
  return h >>> 0;
}
