// libhashkit's key hashes (libmemcached 1.1.4, HASHING-2.md §2), each bytes → u32, the twin of
// assembly/libhashkit.ts. one_at_a_time and the FNVs sign-extend bytes (C's signed char);
// murmur, murmur3 and jenkins read them unsigned; hsieh sign-extends only a 3-byte tail's last byte.

const FNV32_INIT = 0x811c9dc5 | 0;
const FNV32_PRIME = 0x01000193;
/** The low 32 bits of FNV-64's offset basis and prime: all libhashkit keeps of them. */
const FNV64_INIT_LOW = 0x84222325 | 0;
const FNV64_PRIME_LOW = 0x000001b3;
/** libhashkit seeds murmur and murmur3 with 0xdeadbeef × len. */
const MURMUR_SEED = 0xdeadbeef | 0;
const MURMUR_M = 0x5bd1e995 | 0;
/** lookup3 hashlittle's initval in libhashkit. */
const JENKINS_INITVAL = 13;

const sbyte = (b: number): number => (b << 24) >> 24;
export const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const le32 = (u8: Uint8Array, p: number): number => u8[p] | (u8[p + 1] << 8) | (u8[p + 2] << 16) | (u8[p + 3] << 24);
const le16 = (u8: Uint8Array, p: number): number => u8[p] | (u8[p + 1] << 8);
/** Bytes [p, end) (at most 4), little-endian, missing bytes zero. */
function tail(u8: Uint8Array, p: number, end: number): number {
  let v = 0;
  for (let i = Math.min(end, p + 4) - 1; i >= p; i--) v = (v << 8) | u8[i];
  return v;
}

export function oneAtATime(u8: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) {
    h = (h + sbyte(u8[i])) | 0;
    h = (h + (h << 10)) | 0;
    h ^= h >>> 6;
  }
  h = (h + (h << 3)) | 0;
  h ^= h >>> 11;
  h = (h + (h << 15)) | 0;
  return h >>> 0;
}

function fnv1(init: number, prime: number, u8: Uint8Array, start: number, end: number): number {
  let h = init;
  for (let i = start; i < end; i++) h = Math.imul(h, prime) ^ sbyte(u8[i]);
  return h >>> 0;
}

function fnv1a(init: number, prime: number, u8: Uint8Array, start: number, end: number): number {
  let h = init;
  for (let i = start; i < end; i++) h = Math.imul(h ^ sbyte(u8[i]), prime);
  return h >>> 0;
}

export const fnv1_32 = (u8: Uint8Array, start: number, end: number): number => fnv1(FNV32_INIT, FNV32_PRIME, u8, start, end);
export const fnv1_64 = (u8: Uint8Array, start: number, end: number): number => fnv1(FNV64_INIT_LOW, FNV64_PRIME_LOW, u8, start, end);
export const fnv1a_64 = (u8: Uint8Array, start: number, end: number): number => fnv1a(FNV64_INIT_LOW, FNV64_PRIME_LOW, u8, start, end);

export function murmur(u8: Uint8Array, start: number, end: number): number {
  const len = end - start;
  let h = Math.imul(MURMUR_SEED, len) ^ len;
  let p = start;
  for (; p + 4 <= end; p += 4) {
    let k = Math.imul(le32(u8, p), MURMUR_M);
    k ^= k >>> 24;
    k = Math.imul(k, MURMUR_M);
    h = Math.imul(h, MURMUR_M) ^ k;
  }
  if (p < end) h = Math.imul(h ^ tail(u8, p, end), MURMUR_M);
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR_M);
  h ^= h >>> 15;
  return h >>> 0;
}

export function murmur3(u8: Uint8Array, start: number, end: number): number {
  const c1 = 0xcc9e2d51 | 0, c2 = 0x1b873593;
  const len = end - start;
  let h = Math.imul(MURMUR_SEED, len);
  let p = start;
  for (; p + 4 <= end; p += 4) {
    const k = Math.imul(rotl(Math.imul(le32(u8, p), c1), 15), c2);
    h = rotl(h ^ k, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (p < end) h ^= Math.imul(rotl(Math.imul(tail(u8, p, end), c1), 15), c2);
  return murmur3Mix(h ^ len);
}

/** MurmurHash3's finalizer (fmix32), shared with the rendezvous hash's streaming murmur3; u32. */
export function murmur3Mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b | 0);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35 | 0);
  h ^= h >>> 16;
  return h >>> 0;
}

/** lookup3 hashlittle(key, len, 13), returning c. */
export function jenkins(u8: Uint8Array, start: number, end: number): number {
  let a = (0xdeadbeef + (end - start) + JENKINS_INITVAL) | 0;
  let b = a, c = a;
  if (end === start) return c >>> 0;
  let p = start;
  while (end - p > 12) {
    a = (a + le32(u8, p)) | 0;
    b = (b + le32(u8, p + 4)) | 0;
    c = (c + le32(u8, p + 8)) | 0;
    a = (a - c) | 0; a ^= rotl(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rotl(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rotl(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rotl(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rotl(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rotl(b, 4); b = (b + a) | 0;
    p += 12;
  }
  a = (a + tail(u8, p, end)) | 0;
  b = (b + tail(u8, p + 4, end)) | 0;
  c = (c + tail(u8, p + 8, end)) | 0;
  c ^= b; c = (c - rotl(b, 14)) | 0;
  a ^= c; a = (a - rotl(c, 11)) | 0;
  b ^= a; b = (b - rotl(a, 25)) | 0;
  c ^= b; c = (c - rotl(b, 16)) | 0;
  a ^= c; a = (a - rotl(c, 4)) | 0;
  b ^= a; b = (b - rotl(a, 14)) | 0;
  c ^= b; c = (c - rotl(b, 24)) | 0;
  return c >>> 0;
}

/** SuperFastHash as twemproxy has it: h starts at 0, a 3-byte tail's last byte signed. */
export function hsieh(u8: Uint8Array, start: number, end: number): number {
  if (end === start) return 0;
  let h = 0;
  let p = start;
  for (; p + 4 <= end; p += 4) {
    h = (h + le16(u8, p)) | 0;
    const t = (le16(u8, p + 2) << 11) ^ h;
    h = (h << 16) ^ t;
    h = (h + (h >>> 11)) | 0;
  }
  const rest = end - p;
  if (rest === 3) {
    h = (h + le16(u8, p)) | 0;
    h ^= h << 16;
    h ^= sbyte(u8[p + 2]) << 18;
    h = (h + (h >>> 11)) | 0;
  } else if (rest === 2) {
    h = (h + le16(u8, p)) | 0;
    h ^= h << 11;
    h = (h + (h >>> 17)) | 0;
  } else if (rest === 1) {
    h = (h + u8[p]) | 0;
    h ^= h << 10;
    h = (h + (h >>> 1)) | 0;
  }
  h ^= h << 3;
  h = (h + (h >>> 5)) | 0;
  h ^= h << 4;
  h = (h + (h >>> 17)) | 0;
  h ^= h << 25;
  h = (h + (h >>> 6)) | 0;
  return h >>> 0;
}
