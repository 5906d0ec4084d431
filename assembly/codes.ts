// Integer codes shared with `bindings/routing/core.ts` (Distribution, HashKind, Failover).

/** PECL memcache `consistent`: 160 points per weight unit, sampled into 1024 buckets. */
export const DIST_CONSISTENT: i32 = 0;
/** PECL memcache `standard`: weight copies, 15-bit hash with 0 → 1, modulo the entries. */
export const DIST_STANDARD: i32 = 1;
/** Perl Cache::Memcached buckets: crc15 modulo the entries. */
export const DIST_BUCKETS: i32 = 2;
/** libmemcached weighted ketama: md5 points, float32 point counts. */
export const DIST_KETAMA: i32 = 3;
/** libmemcached modula: one entry per server in list order (weights ignored), hash % n. */
export const DIST_MODULA: i32 = 4;
/** gomemcache: `weight` copies of each server in list order, hash % entries. */
export const DIST_MODULA_COPIES: i32 = 5;
/** twemproxy modula: `weight` copies in twemproxy's name order, hash % entries; empty key → hash 0. */
export const DIST_MODULA_SORTED: i32 = 6;
/** libmemcached unweighted consistent: 100 points per server at keyhash(name + "-" + i); successor lookup. */
export const DIST_CONTINUUM: i32 = 7;
/** twemproxy ketama: Ketama's points generated in twemproxy's name order (ties), empty key → hash 0. */
export const DIST_KETAMA_SORTED: i32 = 8;
/** python-memcached: Standard's table and lookup, its own failover (rehash the previous hash, 10 tries). */
export const DIST_PYTHON_BUCKETS: i32 = 9;
/** hashring (npm memcached, memcache-plus): Ketama's points with floor(w / total * 40 * n) digests in double. */
export const DIST_HASHRING: i32 = 10;
/** pymemcache rendezvous: one entry per server; the highest murmur3(name + "-" + key) wins. */
export const DIST_RENDEZVOUS: i32 = 11;
/** Cache::Memcached::Fast compatible: one point per server, rescaled in doubles as servers are added. */
export const DIST_FAST_COMPATIBLE: i32 = 12;
/** Cache::Memcached::Fast ketama: a crc32 chain of points per server (the weight field holds the count). */
export const DIST_FAST_KETAMA: i32 = 13;
/** mcrouter Ch3: one entry per server, entry = furc_hash(key, n). */
export const DIST_CH3: i32 = 14;
/** Dalli: floor(n * 160 * w / total) SHA-1 points per server on name + ":" + i; crc32 of the final key, predecessor. */
export const DIST_RING: i32 = 15;
/** spymemcached ketama: 40 MD5 digests per server (160 hashed names with another hash); an equal point keeps the later server. */
export const DIST_SPY_KETAMA: i32 = 16;
/** spymemcached weighted ketama: libmemcached's float32 digest counts; an equal point keeps the later server. */
export const DIST_SPY_KETAMA_WEIGHTED: i32 = 17;

/** Standard CRC-32 (IEEE, reflected). */
export const HASH_CRC32: i32 = 0;
/** PECL's FNV-1a 32 over sign-extended bytes. */
export const HASH_FNV: i32 = 1;
/** First 4 bytes of MD5, little-endian. */
export const HASH_MD5: i32 = 2;
/** libhashkit one_at_a_time (sign-extended bytes). */
export const HASH_ONE_AT_A_TIME: i32 = 3;
/** libhashkit crc: (crc32 >>> 16) & 0x7fff. */
export const HASH_CRC15: i32 = 4;
/** libhashkit fnv1_32 (sign-extended bytes). */
export const HASH_FNV1_32: i32 = 5;
/** libhashkit fnv1_64, low 32 bits. */
export const HASH_FNV1_64: i32 = 6;
/** libhashkit fnv1a_64, low 32 bits. */
export const HASH_FNV1A_64: i32 = 7;
/** libhashkit murmur (MurmurHash2, seed 0xdeadbeef × len). */
export const HASH_MURMUR: i32 = 8;
/** libhashkit murmur3 (MurmurHash3_x86_32, seed 0xdeadbeef × len). */
export const HASH_MURMUR3: i32 = 9;
/** libhashkit jenkins (lookup3 hashlittle, initval 13). */
export const HASH_JENKINS: i32 = 10;
/** twemproxy hsieh (SuperFastHash, h = 0). */
export const HASH_HSIEH: i32 = 11;
/** memjs: abs(Java String.hashCode) over the UTF-16 units of the UTF-8-decoded key. */
export const HASH_JAVA_HASHCODE_ABS: i32 = 12;
/** spymemcached NATIVE_HASH: Java String.hashCode of the UTF-8-decoded key, read as u32. */
export const HASH_JAVA_HASHCODE: i32 = 13;
/** pymemcache murmur3_32: MurmurHash3_x86_32, seed 0, one byte (code point & 0xff) per code point. */
export const HASH_MURMUR3_CODE_POINTS: i32 = 14;
/** First 4 bytes of SHA-1, big-endian (Dalli's point values). */
export const HASH_SHA1: i32 = 15;
/** pymemcache's murmur3_32 of a bytes key: MurmurHash3_x86_32, seed 0, over the text of Python's repr() of the bytes. */
export const HASH_MURMUR3_BYTES_REPR: i32 = 16;

/** A down owner's keys go nowhere: -1. */
export const FAILOVER_OFFLINE: i32 = 0;
/** Rehash (PECL), additive rehash (Perl) or next live point (ketama). */
export const FAILOVER_REDISTRIBUTE: i32 = 1;

/** What `route` returns when no server can take the key. */
export const NO_SERVER: i32 = -1;
