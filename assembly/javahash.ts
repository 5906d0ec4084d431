// memjs's and spymemcached's key hash: Java's String.hashCode over the key's UTF-16 code units
// (memjs then takes Math.abs).
// The key arrives as bytes, so they are decoded as UTF-8 the way TextDecoder does (WHATWG:
// each maximal invalid subsequence becomes one U+FFFD), and the hash runs over the units.

/** U+FFFD REPLACEMENT CHARACTER. */
const REPLACEMENT: u32 = 0xfffd;
/** Java's String.hashCode multiplier. */
const MULTIPLIER: u32 = 31;

// @ts-ignore: decorator
@inline function addCodePoint(h: u32, cp: u32): u32 {
  if (cp < 0x10000) return h * MULTIPLIER + cp;
  let v = cp - 0x10000;
  h = h * MULTIPLIER + (0xd800 + (v >>> 10));
  return h * MULTIPLIER + (0xdc00 + (v & 0x3ff));
}

/** abs(int32(String.hashCode(utf8Decode(bytes)))) as u32 (-2^31 stays 2^31, as in JS): memjs. */
export function javaHashCodeAbs(ptr: usize, len: usize): u32 {
  let s = <i32>javaHashCode(ptr, len);
  return <u32>(s < 0 ? -s : s);
}

/** String.hashCode(utf8Decode(bytes)) as a u32 (spymemcached's NATIVE_HASH reads it so). */
export function javaHashCode(ptr: usize, len: usize): u32 {
  return javaHashCodeFrom(0, ptr, len);
}

/**
 * String.hashCode continued from the hash `h` of a string before the decoded bytes: the hash of
 * that string and these bytes joined (spymemcached's rehash of decimal(try) + key).
 */
export function javaHashCodeFrom(h: u32, ptr: usize, len: usize): u32 {
  let cp: u32 = 0, needed: u32 = 0, seen: u32 = 0, lower: u32 = 0x80, upper: u32 = 0xbf;
  let end = ptr + len;
  let p = ptr;
  while (p < end) {
    let b = <u32>load<u8>(p);
    if (needed == 0) {
      p++;
      if (b <= 0x7f) {
        h = h * MULTIPLIER + b;
      } else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1; cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b == 0xe0) lower = 0xa0;
        if (b == 0xed) upper = 0x9f;
        needed = 2; cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b == 0xf0) lower = 0x90;
        if (b == 0xf4) upper = 0x8f;
        needed = 3; cp = b & 0x7;
      } else {
        h = h * MULTIPLIER + REPLACEMENT;
      }
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence so far is one U+FFFD; this byte starts over (not consumed).
      cp = 0; needed = 0; seen = 0; lower = 0x80; upper = 0xbf;
      h = h * MULTIPLIER + REPLACEMENT;
      continue;
    }
    p++;
    lower = 0x80; upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    seen++;
    if (seen == needed) {
      h = addCodePoint(h, cp);
      cp = 0; needed = 0; seen = 0;
    }
  }
  if (needed != 0) h = h * MULTIPLIER + REPLACEMENT;
  return h;
}
