// MD5 (RFC 1321), for libmemcached's ketama: the points are the four little-endian words of
// MD5("name-i") and a key's hash is the first word of MD5(key). Works on a byte range of any
// Uint8Array (the core's memory) without allocating: the tail block is padded in a static buffer.

/** MD5 initial state A, B, C, D (RFC 1321 §3.3), as i32. */
const INIT_A = 0x67452301;
const INIT_B = 0xefcdab89 | 0;
const INIT_C = 0x98badcfe | 0;
const INIT_D = 0x10325476;

/** Room for the last one or two blocks: the tail bytes, 0x80, zeros, the 64-bit bit length. */
const PAD = new Uint8Array(128);
/** The state, shared by every call (single-threaded, never re-entered). */
const STATE = new Int32Array(4);
/** Digest words of the last {@link md5Word0} call. */
const WORDS = new Int32Array(4);

/** Little-endian i32 at `p` (any alignment). */
function le32(bytes: Uint8Array, p: number): number {
  return bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
}

/**
 * Folds the 64-byte block at `bytes[p]` into STATE. Unrolled and written out (no helper calls,
 * constants as i32) because ketama hashes every key: helper calls past V8's inlining budget and
 * constants above 2^31 (doubles) made it several times slower.
 */
function compress(bytes: Uint8Array, p: number): void {
  const x0 = le32(bytes, p), x1 = le32(bytes, p + 4), x2 = le32(bytes, p + 8), x3 = le32(bytes, p + 12);
  const x4 = le32(bytes, p + 16), x5 = le32(bytes, p + 20), x6 = le32(bytes, p + 24), x7 = le32(bytes, p + 28);
  const x8 = le32(bytes, p + 32), x9 = le32(bytes, p + 36), x10 = le32(bytes, p + 40), x11 = le32(bytes, p + 44);
  const x12 = le32(bytes, p + 48), x13 = le32(bytes, p + 52), x14 = le32(bytes, p + 56), x15 = le32(bytes, p + 60);
  let a = STATE[0], b = STATE[1], c = STATE[2], d = STATE[3];
  // The 64 steps of RFC 1321 §3.4; the additive constants are its T[i] = floor(2^32 * abs(sin(i))) as i32.

  a = (a + ((b & c) | (~b & d)) + x0 + -680876936) | 0;
  a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + ((a & b) | (~a & c)) + x1 + -389564586) | 0;
  d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + ((d & a) | (~d & b)) + x2 + 606105819) | 0;
  c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + ((c & d) | (~c & a)) + x3 + -1044525330) | 0;
  b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + ((b & c) | (~b & d)) + x4 + -176418897) | 0;
  a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + ((a & b) | (~a & c)) + x5 + 1200080426) | 0;
  d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + ((d & a) | (~d & b)) + x6 + -1473231341) | 0;
  c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + ((c & d) | (~c & a)) + x7 + -45705983) | 0;
  b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + ((b & c) | (~b & d)) + x8 + 1770035416) | 0;
  a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + ((a & b) | (~a & c)) + x9 + -1958414417) | 0;
  d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + ((d & a) | (~d & b)) + x10 + -42063) | 0;
  c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + ((c & d) | (~c & a)) + x11 + -1990404162) | 0;
  b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + ((b & c) | (~b & d)) + x12 + 1804603682) | 0;
  a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + ((a & b) | (~a & c)) + x13 + -40341101) | 0;
  d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + ((d & a) | (~d & b)) + x14 + -1502002290) | 0;
  c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + ((c & d) | (~c & a)) + x15 + 1236535329) | 0;
  b = ((b << 22) | (b >>> 10)) + c | 0;

  a = (a + ((b & d) | (c & ~d)) + x1 + -165796510) | 0;
  a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + ((a & c) | (b & ~c)) + x6 + -1069501632) | 0;
  d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + ((d & b) | (a & ~b)) + x11 + 643717713) | 0;
  c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + ((c & a) | (d & ~a)) + x0 + -373897302) | 0;
  b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + ((b & d) | (c & ~d)) + x5 + -701558691) | 0;
  a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + ((a & c) | (b & ~c)) + x10 + 38016083) | 0;
  d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + ((d & b) | (a & ~b)) + x15 + -660478335) | 0;
  c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + ((c & a) | (d & ~a)) + x4 + -405537848) | 0;
  b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + ((b & d) | (c & ~d)) + x9 + 568446438) | 0;
  a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + ((a & c) | (b & ~c)) + x14 + -1019803690) | 0;
  d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + ((d & b) | (a & ~b)) + x3 + -187363961) | 0;
  c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + ((c & a) | (d & ~a)) + x8 + 1163531501) | 0;
  b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + ((b & d) | (c & ~d)) + x13 + -1444681467) | 0;
  a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + ((a & c) | (b & ~c)) + x2 + -51403784) | 0;
  d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + ((d & b) | (a & ~b)) + x7 + 1735328473) | 0;
  c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + ((c & a) | (d & ~a)) + x12 + -1926607734) | 0;
  b = ((b << 20) | (b >>> 12)) + c | 0;

  a = (a + (b ^ c ^ d) + x5 + -378558) | 0;
  a = ((a << 4) | (a >>> 28)) + b | 0;
  d = (d + (a ^ b ^ c) + x8 + -2022574463) | 0;
  d = ((d << 11) | (d >>> 21)) + a | 0;
  c = (c + (d ^ a ^ b) + x11 + 1839030562) | 0;
  c = ((c << 16) | (c >>> 16)) + d | 0;
  b = (b + (c ^ d ^ a) + x14 + -35309556) | 0;
  b = ((b << 23) | (b >>> 9)) + c | 0;
  a = (a + (b ^ c ^ d) + x1 + -1530992060) | 0;
  a = ((a << 4) | (a >>> 28)) + b | 0;
  d = (d + (a ^ b ^ c) + x4 + 1272893353) | 0;
  d = ((d << 11) | (d >>> 21)) + a | 0;
  c = (c + (d ^ a ^ b) + x7 + -155497632) | 0;
  c = ((c << 16) | (c >>> 16)) + d | 0;
  b = (b + (c ^ d ^ a) + x10 + -1094730640) | 0;
  b = ((b << 23) | (b >>> 9)) + c | 0;
  a = (a + (b ^ c ^ d) + x13 + 681279174) | 0;
  a = ((a << 4) | (a >>> 28)) + b | 0;
  d = (d + (a ^ b ^ c) + x0 + -358537222) | 0;
  d = ((d << 11) | (d >>> 21)) + a | 0;
  c = (c + (d ^ a ^ b) + x3 + -722521979) | 0;
  c = ((c << 16) | (c >>> 16)) + d | 0;
  b = (b + (c ^ d ^ a) + x6 + 76029189) | 0;
  b = ((b << 23) | (b >>> 9)) + c | 0;
  a = (a + (b ^ c ^ d) + x9 + -640364487) | 0;
  a = ((a << 4) | (a >>> 28)) + b | 0;
  d = (d + (a ^ b ^ c) + x12 + -421815835) | 0;
  d = ((d << 11) | (d >>> 21)) + a | 0;
  c = (c + (d ^ a ^ b) + x15 + 530742520) | 0;
  c = ((c << 16) | (c >>> 16)) + d | 0;
  b = (b + (c ^ d ^ a) + x2 + -995338651) | 0;
  b = ((b << 23) | (b >>> 9)) + c | 0;

  a = (a + (c ^ (b | ~d)) + x0 + -198630844) | 0;
  a = ((a << 6) | (a >>> 26)) + b | 0;
  d = (d + (b ^ (a | ~c)) + x7 + 1126891415) | 0;
  d = ((d << 10) | (d >>> 22)) + a | 0;
  c = (c + (a ^ (d | ~b)) + x14 + -1416354905) | 0;
  c = ((c << 15) | (c >>> 17)) + d | 0;
  b = (b + (d ^ (c | ~a)) + x5 + -57434055) | 0;
  b = ((b << 21) | (b >>> 11)) + c | 0;
  a = (a + (c ^ (b | ~d)) + x12 + 1700485571) | 0;
  a = ((a << 6) | (a >>> 26)) + b | 0;
  d = (d + (b ^ (a | ~c)) + x3 + -1894986606) | 0;
  d = ((d << 10) | (d >>> 22)) + a | 0;
  c = (c + (a ^ (d | ~b)) + x10 + -1051523) | 0;
  c = ((c << 15) | (c >>> 17)) + d | 0;
  b = (b + (d ^ (c | ~a)) + x1 + -2054922799) | 0;
  b = ((b << 21) | (b >>> 11)) + c | 0;
  a = (a + (c ^ (b | ~d)) + x8 + 1873313359) | 0;
  a = ((a << 6) | (a >>> 26)) + b | 0;
  d = (d + (b ^ (a | ~c)) + x15 + -30611744) | 0;
  d = ((d << 10) | (d >>> 22)) + a | 0;
  c = (c + (a ^ (d | ~b)) + x6 + -1560198380) | 0;
  c = ((c << 15) | (c >>> 17)) + d | 0;
  b = (b + (d ^ (c | ~a)) + x13 + 1309151649) | 0;
  b = ((b << 21) | (b >>> 11)) + c | 0;
  a = (a + (c ^ (b | ~d)) + x4 + -145523070) | 0;
  a = ((a << 6) | (a >>> 26)) + b | 0;
  d = (d + (b ^ (a | ~c)) + x11 + -1120210379) | 0;
  d = ((d << 10) | (d >>> 22)) + a | 0;
  c = (c + (a ^ (d | ~b)) + x2 + 718787259) | 0;
  c = ((c << 15) | (c >>> 17)) + d | 0;
  b = (b + (d ^ (c | ~a)) + x9 + -343485551) | 0;
  b = ((b << 21) | (b >>> 11)) + c | 0;

  STATE[0] = (STATE[0] + a) | 0;
  STATE[1] = (STATE[1] + b) | 0;
  STATE[2] = (STATE[2] + c) | 0;
  STATE[3] = (STATE[3] + d) | 0;
}

/**
 * MD5 of `bytes[start, end)` as its four little-endian digest words (i32; `>>> 0` for u32),
 * written to `out[0..3]`: word k is digest bytes 4k..4k+3 read little-endian.
 */
export function md5Words(bytes: Uint8Array, start: number, end: number, out: Int32Array): void {
  STATE[0] = INIT_A;
  STATE[1] = INIT_B;
  STATE[2] = INIT_C;
  STATE[3] = INIT_D;
  let p = start;
  for (; p + 64 <= end; p += 64) compress(bytes, p);
  const rest = end - p;
  for (let i = 0; i < rest; i++) PAD[i] = bytes[p + i];
  PAD[rest] = 0x80;
  // The 8-byte length must fit after the 0x80: 56 tail bytes or more spill into a second block.
  const padEnd = rest < 56 ? 64 : 128;
  for (let i = rest + 1; i < padEnd - 8; i++) PAD[i] = 0;
  const length = end - start;
  const bitsLow = (length * 8) >>> 0;
  const bitsHigh = Math.floor(length / 0x20000000) >>> 0;
  PAD[padEnd - 8] = bitsLow;
  PAD[padEnd - 7] = bitsLow >>> 8;
  PAD[padEnd - 6] = bitsLow >>> 16;
  PAD[padEnd - 5] = bitsLow >>> 24;
  PAD[padEnd - 4] = bitsHigh;
  PAD[padEnd - 3] = bitsHigh >>> 8;
  PAD[padEnd - 2] = bitsHigh >>> 16;
  PAD[padEnd - 1] = bitsHigh >>> 24;
  compress(PAD, 0);
  if (padEnd === 128) compress(PAD, 64);
  out[0] = STATE[0];
  out[1] = STATE[1];
  out[2] = STATE[2];
  out[3] = STATE[3];
}

/** The first 4 bytes of MD5(`bytes[start, end)`) read little-endian, as a u32 (ketama's key hash). */
export function md5Word0(bytes: Uint8Array, start = 0, end = bytes.length): number {
  md5Words(bytes, start, end, WORDS);
  return WORDS[0] >>> 0;
}

/** MD5 digest (16 bytes) of `bytes[start, end)`. Allocates the result; the core uses {@link md5Words}. */
export function md5(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  const words = new Int32Array(4);
  md5Words(bytes, start, end, words);
  const digest = new Uint8Array(16);
  for (let i = 0; i < 16; i++) digest[i] = words[i >> 2] >>> ((i & 3) * 8);
  return digest;
}
