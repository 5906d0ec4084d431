/**
 * The routing core's contract: the same functions, integers only, implemented twice —
 * in AssemblyScript (`assembly/`, compiled to WASM) and in TypeScript (`bindings/routing/js/`).
 * The router (`router.ts`) drives either one through this interface and nothing else, so the
 * two engines can be swapped and compared bit for bit.
 *
 * Memory layout (byte offsets into `memory.buffer`, all 8-byte aligned, owned by the core):
 *
 *   [static: hash tables] [servers] [names] [table: entries + offline bitmap] [keys] [offsets] [out] [scratch]
 *
 * - `reserveServers(n, nameBytes)` places `servers` (n × 3 i32: nameOffset, nameLength, weight;
 *   nameOffset is relative to `namesPtr()`) and `names`, and discards any table built before.
 * - `build(distribution, hash, n)` reads them and builds the table after `names`
 *   (growing memory as needed), clears every down mark, and returns the number of entries
 *   (buckets for standard/buckets/consistent, points for ketama).
 * - `reserveKeys(keyBytes, keys)` places `keys` (capacity keyBytes), `offsets` ((keys + 1) × i32)
 *   and `out` (keys × i32) after the table, growing memory as needed. Call after `build`.
 *
 * - `reserveScratch(bytes)` grows memory for `bytes` of scratch after `out` and returns its start;
 *   it is valid until the next of the three calls above. Value codecs decompress there.
 *
 * Memory may grow in any of these calls: views on `memory.buffer` must be re-created after them.
 */
export interface Core {
  /** The engine's linear memory (a WebAssembly.Memory for WASM). */
  readonly memory: { readonly buffer: ArrayBuffer };
  reserveServers(servers: number, nameBytes: number): void;
  build(distribution: Distribution, hash: HashKind, servers: number): number;
  reserveKeys(keyBytes: number, keys: number): void;
  serversPtr(): number;
  namesPtr(): number;
  keysPtr(): number;
  offsetsPtr(): number;
  outPtr(): number;
  /** Marks server `server` down (1) or up (0): its table entries go offline/online. */
  setDown(server: number, down: number): void;
  /** The server owning the `len` key bytes at `ptr`, ignoring health. */
  owner(ptr: number, len: number): number;
  /** The server to use now under `failover`, or -1. */
  route(ptr: number, len: number, failover: Failover): number;
  /** route() of `count` keys: key i is bytes [offsets[i], offsets[i+1]) of keys; result in out[i]. */
  routeMany(count: number, failover: Failover): void;
  /** The hash `kind` of `len` bytes at `ptr` (u32; WASM returns it as i32, callers apply `>>> 0`). */
  hash(kind: HashKind, ptr: number, len: number): number;
  /** Reserves `bytes` of scratch after the key regions; returns where it starts. */
  reserveScratch(bytes: number): number;
  /** FastLZ (level 1 or 2) decompression of `srcLen` bytes at `src` into ≤ `dstCap` bytes at `dst`: bytes written, or -1. */
  fastlz(src: number, srcLen: number, dst: number, dstCap: number): number;
}

/** Integer codes shared by both engines (plain objects: const enums do not survive per-file transpilers). */
export const Distribution = {
  /** PECL memcache `consistent`: 160 points per weight unit on "name-i", sampled into 1024 buckets. */
  Consistent: 0,
  /** PECL memcache `standard`: weight copies, (hash >> 16) & 0x7fff with 0 → 1, modulo buckets. */
  Standard: 1,
  /** Perl Cache::Memcached: like Standard without the 0 → 1 rule. */
  Buckets: 2,
  /** libmemcached weighted ketama (LIBKETAMA_COMPATIBLE): md5 points, float32 point counts; keys hashed with `hash` (Md5 for libketama). */
  Ketama: 3,
  /** libmemcached modula: one entry per server in list order (weights ignored), hash % n. */
  Modula: 4,
  /** gomemcache: `weight` copies of each server in list order, hash % entries. */
  ModulaCopies: 5,
  /** twemproxy modula: `weight` copies in twemproxy's name order, hash % entries; an empty key hashes to 0. */
  ModulaSorted: 6,
  /** libmemcached unweighted consistent: 100 points per server at hash(name + "-" + i) with the key hash; first point >= hash(key). */
  Continuum: 7,
  /** twemproxy ketama: Ketama with the servers taken in twemproxy's name order (it settles equal points); an empty key hashes to 0. */
  KetamaSorted: 8,
  /** python-memcached: Standard's table and lookup (crc15, 0 → 1); failover rehashes the previous hash: crc15or1(decimal(h) + decimal(i)). */
  PythonBuckets: 9,
  /** hashring (npm memcached, memcache-plus): Ketama's md5 points, floor(w / total * 40 * n) digests per server in double precision. */
  Hashring: 10,
  /** pymemcache rendezvous: one entry per server; the highest murmur3_32(name + "-" + key) wins (ties: the greater name); failover: the runner-up. */
  Rendezvous: 11,
  /** Cache::Memcached::Fast compatible: one point per server, rescaled in doubles as each is added; crc15 scaled onto the circle. */
  FastCompatible: 12,
  /** Cache::Memcached::Fast ketama: crc32-chained points; a server record's weight field holds its point count. */
  FastKetama: 13,
  /** mcrouter Ch3: one entry per server; entry = furc_hash(key, n) (MurmurHash64A bit stream). */
  Ch3: 14,
  /**
   * Dalli's ring: floor(n * 160 * w / total) points per server (double) at SHA-1(name + ":" + i) read big-endian;
   * keys hashed with crc32 after Dalli's namespace and long-key rules, predecessor lookup (Dalli's binary search);
   * failover crc32(decimal(try) + key). The record after the n servers holds the namespace (weight 1: set, 0: none).
   */
  Ring: 15,
  /**
   * spymemcached ketama (KetamaNodeLocator, weights ignored): 40 MD5 digests (4 points each) of "name-i" per server
   * with Md5, or 160 points hash("name-i") with another hash; an equal point keeps only the later server (a TreeMap);
   * failover: its KetamaIterator (h += hash(decimal(t) + key), 6 more lookups).
   */
  SpyKetama: 16,
  /** spymemcached weighted ketama: libmemcached's float32 digest counts, MD5 points whatever the key hash; otherwise SpyKetama. */
  SpyKetamaWeighted: 17,
} as const;
export type Distribution = (typeof Distribution)[keyof typeof Distribution];

export const HashKind = {
  /** Standard CRC-32 (IEEE, reflected 0xEDB88320). */
  Crc32: 0,
  /** PECL's FNV-1a 32 over sign-extended bytes. */
  Fnv: 1,
  /** First 4 bytes of MD5, little-endian. */
  Md5: 2,
  /** libhashkit one_at_a_time over sign-extended bytes (libmemcached's default). */
  OneAtATime: 3,
  /** libhashkit `crc` = twemproxy `crc32`: (crc32 >>> 16) & 0x7fff. */
  Crc15: 4,
  /** libhashkit fnv1_32 (multiply, then xor; sign-extended bytes). */
  Fnv1_32: 5,
  /** libhashkit fnv1_64: its low 32 bits. */
  Fnv1_64: 6,
  /** libhashkit fnv1a_64: its low 32 bits. */
  Fnv1a_64: 7,
  /** libhashkit murmur (MurmurHash2 variant, seed 0xdeadbeef × len). */
  Murmur: 8,
  /** libhashkit murmur3 (MurmurHash3_x86_32, seed 0xdeadbeef × len). */
  Murmur3: 9,
  /** libhashkit jenkins (lookup3 hashlittle, initval 13). */
  Jenkins: 10,
  /** twemproxy hsieh (SuperFastHash starting from 0). */
  Hsieh: 11,
  /** memjs: Math.abs(Java String.hashCode) over the UTF-16 units of the key decoded as UTF-8 (as TextDecoder does). */
  JavaHashCodeAbs: 12,
  /** spymemcached NATIVE_HASH: Java String.hashCode of the key decoded as UTF-8, as a u32. */
  JavaHashCode: 13,
  /** pymemcache murmur3_32: MurmurHash3_x86_32, seed 0, one byte (code point & 0xff) per code point of the UTF-8-decoded key. */
  Murmur3CodePoints: 14,
  /** The first 4 bytes of SHA-1, big-endian (Dalli's point values). */
  Sha1: 15,
  /** pymemcache murmur3_32 of a Python bytes key: MurmurHash3_x86_32, seed 0, over the text of its repr() (b'...'). */
  Murmur3BytesRepr: 16,
} as const;
export type HashKind = (typeof HashKind)[keyof typeof HashKind];

export const Failover = {
  /** The owner's keys go nowhere while it is down: -1. */
  Offline: 0,
  /** PECL rehash (key + "-" + i, i = 0..19), Perl's additive rehash for Buckets, next live point for Ketama. */
  Redistribute: 1,
} as const;
export type Failover = (typeof Failover)[keyof typeof Failover];
