// mcrouter's Ch3 (furc_hash), the twin of assembly/furc.ts. MurmurHash64A needs 64-bit
// multiplies, done here in BigInt: correct, and slower than the WASM core by far (the one scheme
// where the twin is not a fair baseline).

const M = 0xc6a4a7935bd1e995n;
const SEED = 4193360111n;
const MASK = (1n << 64n) - 1n;
const SKIP = 23;
const TRIES = 32;
const MAX_WORDS = 512;

function murmur64A(bytes: Uint8Array, start: number, end: number, seed: bigint): bigint {
  const len = end - start;
  let h = (seed ^ (BigInt(len) * M)) & MASK;
  let p = start;
  for (; p + 8 <= end; p += 8) {
    let k = 0n;
    for (let i = 7; i >= 0; i--) k = (k << 8n) | BigInt(bytes[p + i]);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  if (p < end) {
    let t = 0n;
    for (let i = end - 1; i >= p; i--) t = (t << 8n) | BigInt(bytes[i]);
    h = ((h ^ t) * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

const wordBytes = new Uint8Array(8);
const wordView = new DataView(wordBytes.buffer);

/** furc_hash(key, n): mcrouter's Ch3 index of the key among n servers. */
export function furcHash(bytes: Uint8Array, start: number, end: number, n: number): number {
  if (n <= 1) return 0;
  const words: bigint[] = [murmur64A(bytes, start, end, SEED)];
  const bit = (i: number): number => {
    const w = i >>> 6;
    if (w >= MAX_WORDS) return 0;
    while (words.length <= w) {
      wordView.setBigUint64(0, words[words.length - 1], true);
      words.push(murmur64A(wordBytes, 0, 8, SEED));
    }
    return Number((words[w] >> BigInt(i & 63)) & 1n);
  };
  let d = 32 - Math.clz32(n - 1);
  let a = d;
  for (let t = 0; t < TRIES; t++) {
    while (bit(a) === 0) {
      d--;
      if (d === 0) return 0;
      a = d;
    }
    a += SKIP;
    let num = 1;
    for (let j = 1; j < d; j++) {
      num = (num << 1) | bit(a);
      a += SKIP;
    }
    if (num < n) return num;
  }
  return 0;
}
