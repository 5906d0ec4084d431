// MD5 (RFC 1321), streaming: md5Init, md5Update (any number of times), md5Final.
// The digest is left in md5A..md5D: digest bytes 4k..4k+3 read little-endian are word k,
// so md5A is "the first 4 bytes of MD5, little-endian" and ketama's 4 points are A, B, C, D.
// The round constants are the RFC's K[i] = floor(abs(sin(i + 1)) * 2^32), written inline.

/** MD5 block size in bytes. */
const BLOCK: usize = 64;
/** Offset of the 64-bit bit-length in the last block. */
const LENGTH_AT: usize = 56;
/** The byte that starts the padding. */
const PAD_START: u8 = 0x80;
/** Initial chaining values (RFC 1321 §3.3). */
const INIT_A: u32 = 0x67452301;
const INIT_B: u32 = 0xEFCDAB89;
const INIT_C: u32 = 0x98BADCFE;
const INIT_D: u32 = 0x10325476;

/** Partial block waiting for more input. */
const PENDING: usize = memory.data(<i32>BLOCK, 8);

/** The chaining values; after md5Final, the digest words. */
export let md5A: u32 = INIT_A;
export let md5B: u32 = INIT_B;
export let md5C: u32 = INIT_C;
export let md5D: u32 = INIT_D;
/** Bytes hashed so far. */
let hashedBytes: u64 = 0;

// @ts-ignore: decorator
@inline function ff(a: u32, b: u32, c: u32, d: u32, x: u32, s: u32, k: u32): u32 {
  return b + rotl<u32>(a + (d ^ (b & (c ^ d))) + x + k, s);
}
// @ts-ignore: decorator
@inline function gg(a: u32, b: u32, c: u32, d: u32, x: u32, s: u32, k: u32): u32 {
  return b + rotl<u32>(a + (c ^ (d & (b ^ c))) + x + k, s);
}
// @ts-ignore: decorator
@inline function hh(a: u32, b: u32, c: u32, d: u32, x: u32, s: u32, k: u32): u32 {
  return b + rotl<u32>(a + (b ^ c ^ d) + x + k, s);
}
// @ts-ignore: decorator
@inline function ii(a: u32, b: u32, c: u32, d: u32, x: u32, s: u32, k: u32): u32 {
  return b + rotl<u32>(a + (c ^ (b | ~d)) + x + k, s);
}

/** Runs the compression function over the 64 bytes at `p`. */
function block(p: usize): void {
  let a = md5A, b = md5B, c = md5C, d = md5D;
  let x0 = load<u32>(p, 0), x1 = load<u32>(p, 4), x2 = load<u32>(p, 8), x3 = load<u32>(p, 12);
  let x4 = load<u32>(p, 16), x5 = load<u32>(p, 20), x6 = load<u32>(p, 24), x7 = load<u32>(p, 28);
  let x8 = load<u32>(p, 32), x9 = load<u32>(p, 36), x10 = load<u32>(p, 40), x11 = load<u32>(p, 44);
  let x12 = load<u32>(p, 48), x13 = load<u32>(p, 52), x14 = load<u32>(p, 56), x15 = load<u32>(p, 60);

  a = ff(a, b, c, d, x0, 7, 0xd76aa478); d = ff(d, a, b, c, x1, 12, 0xe8c7b756);
  c = ff(c, d, a, b, x2, 17, 0x242070db); b = ff(b, c, d, a, x3, 22, 0xc1bdceee);
  a = ff(a, b, c, d, x4, 7, 0xf57c0faf); d = ff(d, a, b, c, x5, 12, 0x4787c62a);
  c = ff(c, d, a, b, x6, 17, 0xa8304613); b = ff(b, c, d, a, x7, 22, 0xfd469501);
  a = ff(a, b, c, d, x8, 7, 0x698098d8); d = ff(d, a, b, c, x9, 12, 0x8b44f7af);
  c = ff(c, d, a, b, x10, 17, 0xffff5bb1); b = ff(b, c, d, a, x11, 22, 0x895cd7be);
  a = ff(a, b, c, d, x12, 7, 0x6b901122); d = ff(d, a, b, c, x13, 12, 0xfd987193);
  c = ff(c, d, a, b, x14, 17, 0xa679438e); b = ff(b, c, d, a, x15, 22, 0x49b40821);

  a = gg(a, b, c, d, x1, 5, 0xf61e2562); d = gg(d, a, b, c, x6, 9, 0xc040b340);
  c = gg(c, d, a, b, x11, 14, 0x265e5a51); b = gg(b, c, d, a, x0, 20, 0xe9b6c7aa);
  a = gg(a, b, c, d, x5, 5, 0xd62f105d); d = gg(d, a, b, c, x10, 9, 0x02441453);
  c = gg(c, d, a, b, x15, 14, 0xd8a1e681); b = gg(b, c, d, a, x4, 20, 0xe7d3fbc8);
  a = gg(a, b, c, d, x9, 5, 0x21e1cde6); d = gg(d, a, b, c, x14, 9, 0xc33707d6);
  c = gg(c, d, a, b, x3, 14, 0xf4d50d87); b = gg(b, c, d, a, x8, 20, 0x455a14ed);
  a = gg(a, b, c, d, x13, 5, 0xa9e3e905); d = gg(d, a, b, c, x2, 9, 0xfcefa3f8);
  c = gg(c, d, a, b, x7, 14, 0x676f02d9); b = gg(b, c, d, a, x12, 20, 0x8d2a4c8a);

  a = hh(a, b, c, d, x5, 4, 0xfffa3942); d = hh(d, a, b, c, x8, 11, 0x8771f681);
  c = hh(c, d, a, b, x11, 16, 0x6d9d6122); b = hh(b, c, d, a, x14, 23, 0xfde5380c);
  a = hh(a, b, c, d, x1, 4, 0xa4beea44); d = hh(d, a, b, c, x4, 11, 0x4bdecfa9);
  c = hh(c, d, a, b, x7, 16, 0xf6bb4b60); b = hh(b, c, d, a, x10, 23, 0xbebfbc70);
  a = hh(a, b, c, d, x13, 4, 0x289b7ec6); d = hh(d, a, b, c, x0, 11, 0xeaa127fa);
  c = hh(c, d, a, b, x3, 16, 0xd4ef3085); b = hh(b, c, d, a, x6, 23, 0x04881d05);
  a = hh(a, b, c, d, x9, 4, 0xd9d4d039); d = hh(d, a, b, c, x12, 11, 0xe6db99e5);
  c = hh(c, d, a, b, x15, 16, 0x1fa27cf8); b = hh(b, c, d, a, x2, 23, 0xc4ac5665);

  a = ii(a, b, c, d, x0, 6, 0xf4292244); d = ii(d, a, b, c, x7, 10, 0x432aff97);
  c = ii(c, d, a, b, x14, 15, 0xab9423a7); b = ii(b, c, d, a, x5, 21, 0xfc93a039);
  a = ii(a, b, c, d, x12, 6, 0x655b59c3); d = ii(d, a, b, c, x3, 10, 0x8f0ccc92);
  c = ii(c, d, a, b, x10, 15, 0xffeff47d); b = ii(b, c, d, a, x1, 21, 0x85845dd1);
  a = ii(a, b, c, d, x8, 6, 0x6fa87e4f); d = ii(d, a, b, c, x15, 10, 0xfe2ce6e0);
  c = ii(c, d, a, b, x6, 15, 0xa3014314); b = ii(b, c, d, a, x13, 21, 0x4e0811a1);
  a = ii(a, b, c, d, x4, 6, 0xf7537e82); d = ii(d, a, b, c, x11, 10, 0xbd3af235);
  c = ii(c, d, a, b, x2, 15, 0x2ad7d2bb); b = ii(b, c, d, a, x9, 21, 0xeb86d391);

  md5A += a; md5B += b; md5C += c; md5D += d;
}

/** Starts a new digest. */
export function md5Init(): void {
  md5A = INIT_A; md5B = INIT_B; md5C = INIT_C; md5D = INIT_D;
  hashedBytes = 0;
}

/** Hashes `len` more bytes at `ptr`. */
export function md5Update(ptr: usize, len: usize): void {
  let fill = <usize>hashedBytes & (BLOCK - 1);
  hashedBytes += len;
  if (fill != 0) {
    let room = BLOCK - fill;
    if (len < room) {
      memory.copy(PENDING + fill, ptr, len);
      return;
    }
    memory.copy(PENDING + fill, ptr, room);
    block(PENDING);
    ptr += room;
    len -= room;
  }
  while (len >= BLOCK) {
    block(ptr);
    ptr += BLOCK;
    len -= BLOCK;
  }
  if (len != 0) memory.copy(PENDING, ptr, len);
}

/** Pads, appends the bit length and runs the last block(s): the digest is in md5A..md5D. */
export function md5Final(): void {
  let fill = <usize>hashedBytes & (BLOCK - 1);
  store<u8>(PENDING + fill, PAD_START);
  fill++;
  if (fill > LENGTH_AT) {
    memory.fill(PENDING + fill, 0, BLOCK - fill);
    block(PENDING);
    fill = 0;
  }
  memory.fill(PENDING + fill, 0, LENGTH_AT - fill);
  store<u64>(PENDING + LENGTH_AT, hashedBytes << 3);
  block(PENDING);
}

/** The first digest word (first 4 bytes of MD5, little-endian) of `len` bytes at `ptr`. */
export function md5First(ptr: usize, len: usize): u32 {
  md5Init();
  if (len < LENGTH_AT) {
    // One block: the bytes, 0x80, zeros, the bit length (most keys take this path). Built a word
    // at a time: memory.copy and memory.fill are calls out of the engine's code, dearer than
    // the few stores a short key needs.
    let full = len >> 2;
    for (let i: usize = 0; i < full; i++) store<u32>(PENDING + (i << 2), load<u32>(ptr + (i << 2)));
    let rest = len & 3;
    let tail: u32 = <u32>PAD_START << (<u32>rest << 3);
    for (let j: usize = 0; j < rest; j++) tail |= <u32>load<u8>(ptr + (full << 2) + j) << (<u32>j << 3);
    store<u32>(PENDING + (full << 2), tail);
    for (let i: usize = full + 1; i < (LENGTH_AT >> 2); i++) store<u32>(PENDING + (i << 2), 0);
    store<u64>(PENDING + LENGTH_AT, <u64>len << 3);
    block(PENDING);
    return md5A;
  }
  md5Update(ptr, len);
  md5Final();
  return md5A;
}
