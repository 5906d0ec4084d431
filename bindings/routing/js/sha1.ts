// SHA-1 (FIPS 180-4), the twin of assembly/sha1.ts, for Dalli's ring: a point's value is the
// first four digest bytes read big-endian. Works on a byte range of any Uint8Array without
// allocating (the tail is padded in a static buffer). Points are made at build time only.

/** Room for the last one or two blocks: the tail, 0x80, zeros, the 64-bit big-endian bit length. */
const PAD = new Uint8Array(128);
/** The message schedule. */
const W = new Int32Array(80);
/** The state, shared by every call (single-threaded, never re-entered). */
const H = new Int32Array(5);

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** Folds the 64-byte block at `bytes[p]` into H. */
function compress(bytes: Uint8Array, p: number): void {
  for (let t = 0; t < 16; t++, p += 4) W[t] = (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3];
  for (let t = 16; t < 80; t++) W[t] = rotl(W[t - 3] ^ W[t - 8] ^ W[t - 14] ^ W[t - 16], 1);
  let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4];
  for (let t = 0; t < 80; t++) {
    let f: number, k: number;
    if (t < 20) { f = d ^ (b & (c ^ d)); k = 0x5a827999; }
    else if (t < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
    else if (t < 60) { f = (b & c) | (d & (b | c)); k = 0x8f1bbcdc | 0; }
    else { f = b ^ c ^ d; k = 0xca62c1d6 | 0; }
    const next = (rotl(a, 5) + f + e + k + W[t]) | 0;
    e = d; d = c; c = rotl(b, 30); b = a; a = next;
  }
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + b) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
}

/** The first four bytes of SHA-1(`bytes[start, end)`) read big-endian, as a u32. */
export function sha1Word0(bytes: Uint8Array, start: number, end: number): number {
  H[0] = 0x67452301;
  H[1] = 0xefcdab89 | 0;
  H[2] = 0x98badcfe | 0;
  H[3] = 0x10325476;
  H[4] = 0xc3d2e1f0 | 0;
  let p = start;
  for (; p + 64 <= end; p += 64) compress(bytes, p);
  const rest = end - p;
  PAD.fill(0);
  PAD.set(bytes.subarray(p, end));
  PAD[rest] = 0x80;
  // The 8-byte length must fit after the 0x80: 56 tail bytes or more spill into a second block.
  const padEnd = rest < 56 ? 64 : 128;
  const length = end - start;
  const bitsLow = (length * 8) >>> 0;
  const bitsHigh = Math.floor(length / 0x20000000);
  for (let i = 0; i < 4; i++) {
    PAD[padEnd - 1 - i] = bitsLow >>> (8 * i);
    PAD[padEnd - 5 - i] = bitsHigh >>> (8 * i);
  }
  compress(PAD, 0);
  if (padEnd === 128) compress(PAD, 64);
  return H[0] >>> 0;
}
