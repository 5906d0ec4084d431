// SHA-1 (FIPS 180-4) over bytes in memory, for Dalli's ring: a point's value is the first four
// digest bytes read big-endian (Ruby's Integer("0x" + hexdigest[0, 8])). Only that word is kept,
// but every round runs: SHA-1 has no shortcut to its first word. Points are made at build time
// only, so this favours a small loop over unrolled rounds.

/** SHA-1 block size in bytes. */
const BLOCK: usize = 64;
/** Offset of the 64-bit big-endian bit length in the last block. */
const LENGTH_AT: usize = 56;
/** Room for the last one or two blocks: the tail, 0x80, zeros, the bit length. */
const PAD: usize = memory.data(<i32>(BLOCK << 1), 8);
/** The message schedule: 80 words. */
const SCHEDULE: usize = memory.data(80 << 2, 8);

let h0: u32 = 0;
let h1: u32 = 0;
let h2: u32 = 0;
let h3: u32 = 0;
let h4: u32 = 0;

// @ts-ignore: decorator
@inline function w(t: usize): u32 {
  return load<u32>(SCHEDULE + (t << 2));
}

/** Folds the 64-byte block at `p` into h0..h4. */
function block(p: usize): void {
  for (let t: usize = 0; t < 16; t++) store<u32>(SCHEDULE + (t << 2), bswap<u32>(load<u32>(p + (t << 2))));
  for (let t: usize = 16; t < 80; t++) store<u32>(SCHEDULE + (t << 2), rotl<u32>(w(t - 3) ^ w(t - 8) ^ w(t - 14) ^ w(t - 16), 1));
  let a = h0, b = h1, c = h2, d = h3, e = h4;
  for (let t: usize = 0; t < 80; t++) {
    let f: u32, k: u32;
    if (t < 20) { f = d ^ (b & (c ^ d)); k = 0x5a827999; }
    else if (t < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
    else if (t < 60) { f = (b & c) | (d & (b | c)); k = 0x8f1bbcdc; }
    else { f = b ^ c ^ d; k = 0xca62c1d6; }
    let next = rotl<u32>(a, 5) + f + e + k + w(t);
    e = d; d = c; c = rotl<u32>(b, 30); b = a; a = next;
  }
  h0 += a; h1 += b; h2 += c; h3 += d; h4 += e;
}

/** The first four bytes of SHA-1 of the `len` bytes at `ptr`, read big-endian. */
export function sha1First(ptr: usize, len: usize): u32 {
  h0 = 0x67452301; h1 = 0xefcdab89; h2 = 0x98badcfe; h3 = 0x10325476; h4 = 0xc3d2e1f0;
  let end = ptr + len;
  let p = ptr;
  for (; p + BLOCK <= end; p += BLOCK) block(p);
  let rest = end - p;
  memory.fill(PAD, 0, BLOCK << 1);
  memory.copy(PAD, p, rest);
  store<u8>(PAD + rest, 0x80);
  // The 8-byte length must fit after the 0x80: 56 tail bytes or more spill into a second block.
  let padEnd: usize = rest < LENGTH_AT ? BLOCK : BLOCK << 1;
  store<u64>(PAD + padEnd - 8, bswap<u64>(<u64>len << 3));
  block(PAD);
  if (padEnd > BLOCK) block(PAD + BLOCK);
  return h0;
}
