// libhashkit's key hashes (libmemcached 1.1.4, HASHING-2.md §2), each bytes → u32.
// one_at_a_time and the four FNVs read bytes as C's signed char (sign-extended); murmur,
// murmur3 and jenkins read them unsigned; hsieh sign-extends only the third byte of a 3-byte tail.

/** FNV offset bases and primes: 32-bit, and the low 32 bits of the 64-bit ones (what libhashkit keeps). */
const FNV32_INIT: u32 = 0x811C9DC5;
const FNV32_PRIME: u32 = 0x01000193;
const FNV64_INIT_LOW: u32 = 0x84222325;
const FNV64_PRIME_LOW: u32 = 0x000001B3;
/** libhashkit's seed factor for murmur and murmur3 (seed = 0xdeadbeef × len). */
const MURMUR_SEED: u32 = 0xdeadbeef;
/** MurmurHash2's multiplier. */
const MURMUR_M: u32 = 0x5bd1e995;
/** lookup3 hashlittle's initval in libhashkit. */
const JENKINS_INITVAL: u32 = 13;

// @ts-ignore: decorator
@inline function sbyte(p: usize): u32 {
  return <u32>load<i8>(p);
}

// @ts-ignore: decorator
@inline function le16(p: usize): u32 {
  return <u32>load<u16>(p);
}

/** The 1–3 bytes at `p` read little-endian (unsigned). */
// @ts-ignore: decorator
@inline function tailLE(p: usize, n: usize): u32 {
  let v: u32 = 0;
  for (let i = n; i > 0; i--) v = (v << 8) | <u32>load<u8>(p + i - 1);
  return v;
}

/** Bob Jenkins' one-at-a-time over sign-extended bytes. */
export function oneAtATime(ptr: usize, len: usize): u32 {
  let h: u32 = 0;
  for (let p = ptr, end = ptr + len; p < end; p++) {
    h += sbyte(p);
    h += h << 10;
    h ^= h >>> 6;
  }
  h += h << 3;
  h ^= h >>> 11;
  h += h << 15;
  return h;
}

/** FNV-1 (multiply, then xor) with `init`/`prime` over sign-extended bytes. */
// @ts-ignore: decorator
@inline function fnv1(init: u32, prime: u32, ptr: usize, len: usize): u32 {
  let h = init;
  for (let p = ptr, end = ptr + len; p < end; p++) h = (h * prime) ^ sbyte(p);
  return h;
}

/** FNV-1a (xor, then multiply) with `init`/`prime` over sign-extended bytes. */
// @ts-ignore: decorator
@inline function fnv1a(init: u32, prime: u32, ptr: usize, len: usize): u32 {
  let h = init;
  for (let p = ptr, end = ptr + len; p < end; p++) h = (h ^ sbyte(p)) * prime;
  return h;
}

export function fnv1_32(ptr: usize, len: usize): u32 { return fnv1(FNV32_INIT, FNV32_PRIME, ptr, len); }
export function fnv1_64(ptr: usize, len: usize): u32 { return fnv1(FNV64_INIT_LOW, FNV64_PRIME_LOW, ptr, len); }
export function fnv1a_64(ptr: usize, len: usize): u32 { return fnv1a(FNV64_INIT_LOW, FNV64_PRIME_LOW, ptr, len); }

/** libhashkit's MurmurHash2 variant (seed 0xdeadbeef × len). */
export function murmur(ptr: usize, len: usize): u32 {
  let h: u32 = (MURMUR_SEED * <u32>len) ^ <u32>len;
  let p = ptr;
  let blocksEnd = ptr + (len & ~3);
  for (; p < blocksEnd; p += 4) {
    let k = load<u32>(p);
    k *= MURMUR_M;
    k ^= k >>> 24;
    k *= MURMUR_M;
    h *= MURMUR_M;
    h ^= k;
  }
  let rest = len & 3;
  if (rest != 0) {
    h ^= tailLE(p, rest);
    h *= MURMUR_M;
  }
  h ^= h >>> 13;
  h *= MURMUR_M;
  h ^= h >>> 15;
  return h;
}

/** MurmurHash3_x86_32 with libhashkit's seed (0xdeadbeef × len). */
export function murmur3(ptr: usize, len: usize): u32 {
  const c1: u32 = 0xcc9e2d51, c2: u32 = 0x1b873593;
  let h: u32 = MURMUR_SEED * <u32>len;
  let p = ptr;
  let blocksEnd = ptr + (len & ~3);
  for (; p < blocksEnd; p += 4) {
    let k = load<u32>(p);
    k *= c1;
    k = rotl<u32>(k, 15);
    k *= c2;
    h ^= k;
    h = rotl<u32>(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  let rest = len & 3;
  if (rest != 0) {
    let k = tailLE(p, rest);
    k *= c1;
    k = rotl<u32>(k, 15);
    k *= c2;
    h ^= k;
  }
  return murmur3Mix(h ^ <u32>len);
}

/** MurmurHash3's finalizer (fmix32), shared with the rendezvous hash's streaming murmur3. */
// @ts-ignore: decorator
@inline export function murmur3Mix(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/** The 0–12 bytes at `p + at` (0 ≤ at, missing bytes zero), as the little-endian word `word`. */
// @ts-ignore: decorator
@inline function padded(p: usize, n: usize, word: usize): u32 {
  let v: u32 = 0;
  for (let i: usize = 4; i > 0; i--) {
    let at = word * 4 + i - 1;
    v = (v << 8) | (at < n ? <u32>load<u8>(p + at) : 0);
  }
  return v;
}

/** lookup3 hashlittle(key, len, 13), returning c (libhashkit's jenkins). */
export function jenkins(ptr: usize, len: usize): u32 {
  let a: u32 = 0xdeadbeef + <u32>len + JENKINS_INITVAL;
  let b = a, c = a;
  if (len == 0) return c;
  let p = ptr, n = len;
  while (n > 12) {
    a += load<u32>(p);
    b += load<u32>(p, 4);
    c += load<u32>(p, 8);
    // mix
    a -= c; a ^= rotl<u32>(c, 4); c += b;
    b -= a; b ^= rotl<u32>(a, 6); a += c;
    c -= b; c ^= rotl<u32>(b, 8); b += a;
    a -= c; a ^= rotl<u32>(c, 16); c += b;
    b -= a; b ^= rotl<u32>(a, 19); a += c;
    c -= b; c ^= rotl<u32>(b, 4); b += a;
    p += 12;
    n -= 12;
  }
  a += padded(p, n, 0);
  b += padded(p, n, 1);
  c += padded(p, n, 2);
  // final
  c ^= b; c -= rotl<u32>(b, 14);
  a ^= c; a -= rotl<u32>(c, 11);
  b ^= a; b -= rotl<u32>(a, 25);
  c ^= b; c -= rotl<u32>(b, 16);
  a ^= c; a -= rotl<u32>(c, 4);
  b ^= a; b -= rotl<u32>(a, 14);
  c ^= b; c -= rotl<u32>(b, 24);
  return c;
}

/** Paul Hsieh's SuperFastHash as twemproxy has it: h starts at 0, a 3-byte tail's last byte signed. */
export function hsieh(ptr: usize, len: usize): u32 {
  if (len == 0) return 0;
  let h: u32 = 0;
  let p = ptr;
  for (let blocks = len >>> 2; blocks > 0; blocks--) {
    h += le16(p);
    let t = (le16(p + 2) << 11) ^ h;
    h = (h << 16) ^ t;
    h += h >>> 11;
    p += 4;
  }
  let rest = len & 3;
  if (rest == 3) {
    h += le16(p);
    h ^= h << 16;
    h ^= sbyte(p + 2) << 18;
    h += h >>> 11;
  } else if (rest == 2) {
    h += le16(p);
    h ^= h << 11;
    h += h >>> 17;
  } else if (rest == 1) {
    h += <u32>load<u8>(p);
    h ^= h << 10;
    h += h >>> 1;
  }
  h ^= h << 3;
  h += h >>> 5;
  h ^= h << 4;
  h += h >>> 17;
  h ^= h << 25;
  h += h >>> 6;
  return h;
}
