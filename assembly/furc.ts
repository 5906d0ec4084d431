// mcrouter's Ch3 (furc_hash, mcrouter/lib/fbi/hash.c): a server index drawn from a stream of
// pseudo-random bits; word 0 = MurmurHash64A(key, seed), word w = MurmurHash64A(word w-1's 8 bytes).
// Words are made as the bits are read, into a static cache.

/** MurmurHash64A's multiplier. */
const M: u64 = 0xc6a4a7935bd1e995;
/** furc_hash's seed. */
const SEED: u64 = 4193360111;
/** Bits skipped between two bits of one draw. */
const SKIP: u32 = 23;
/** Draws before giving up (0). */
const TRIES: u32 = 32;
/** Words cached: 32 draws of up to 32 bits, 23 apart, need fewer than 400. */
const MAX_WORDS: u32 = 512;
const WORDS: usize = memory.data(<i32>(MAX_WORDS << 3), 8);
let wordsMade: u32 = 0;

/** MurmurHash64A of `len` bytes at `ptr`. */
function murmur64A(ptr: usize, len: usize, seed: u64): u64 {
  let h: u64 = seed ^ (<u64>len * M);
  let p = ptr;
  let blocksEnd = ptr + (len & ~7);
  for (; p < blocksEnd; p += 8) {
    let k = load<u64>(p);
    k *= M;
    k ^= k >> 47;
    k *= M;
    h ^= k;
    h *= M;
  }
  let rest = len & 7;
  if (rest != 0) {
    let t: u64 = 0;
    for (let i = rest; i > 0; i--) t = (t << 8) | <u64>load<u8>(p + i - 1);
    h ^= t;
    h *= M;
  }
  h ^= h >> 47;
  h *= M;
  h ^= h >> 47;
  return h;
}

/** Bit i of the stream (words made on demand; past the cache: 0, which ends the draw). */
function bit(i: u32): u32 {
  let w = i >>> 6;
  if (w >= MAX_WORDS) return 0;
  while (wordsMade <= w) {
    store<u64>(WORDS + (<usize>wordsMade << 3), murmur64A(WORDS + (<usize>(wordsMade - 1) << 3), 8, SEED));
    wordsMade++;
  }
  return <u32>(load<u64>(WORDS + (<usize>w << 3)) >> (i & 63)) & 1;
}

/** furc_hash(key, n): mcrouter's Ch3 index of the key among n servers. */
export function furcHash(ptr: usize, len: usize, n: u32): u32 {
  if (n <= 1) return 0;
  store<u64>(WORDS, murmur64A(ptr, len, SEED));
  wordsMade = 1;
  let d: u32 = 32 - clz<u32>(n - 1);
  let a = d;
  for (let t: u32 = 0; t < TRIES; t++) {
    while (bit(a) == 0) {
      d--;
      if (d == 0) return 0;
      a = d;
    }
    a += SKIP;
    let num: u32 = 1;
    for (let j: u32 = 1; j < d; j++) {
      num = (num << 1) | bit(a);
      a += SKIP;
    }
    if (num < n) return num;
  }
  return 0;
}
