// Integer codes shared with `bindings/routing/core.ts` (Distribution, HashKind, Failover).

/** PECL memcache `consistent`: 160 points per weight unit, sampled into 1024 buckets. */
export const DIST_CONSISTENT: i32 = 0;
/** PECL memcache `standard`: weight copies, 15-bit hash with 0 → 1, modulo the entries. */
export const DIST_STANDARD: i32 = 1;
/** Perl Cache::Memcached buckets: crc15 modulo the entries. */
export const DIST_BUCKETS: i32 = 2;
/** libmemcached weighted ketama: md5 points, float32 point counts. */
export const DIST_KETAMA: i32 = 3;

/** Standard CRC-32 (IEEE, reflected). */
export const HASH_CRC32: i32 = 0;
/** PECL's FNV-1a 32 over sign-extended bytes. */
export const HASH_FNV: i32 = 1;
/** First 4 bytes of MD5, little-endian. */
export const HASH_MD5: i32 = 2;

/** A down owner's keys go nowhere: -1. */
export const FAILOVER_OFFLINE: i32 = 0;
/** Rehash (PECL), additive rehash (Perl) or next live point (ketama). */
export const FAILOVER_REDISTRIBUTE: i32 = 1;

/** What `route` returns when no server can take the key. */
export const NO_SERVER: i32 = -1;
