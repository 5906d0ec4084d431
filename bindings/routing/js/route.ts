// Key lookups over a built table (docs/routing-core.md, "Lookups"). This is the hot path:
// no allocation, no string building. Rehash suffixes and prefixes are hashed by continuing
// or starting the hash state over the counter's digits, never by concatenating bytes.

import { Distribution, Failover, HashKind } from '../core.js';
import { crc32Byte, crc32Decimal, crc32Update, CRC32_INIT } from './crc32.js';
import { CHAR_DASH } from './decimal.js';
import { fnvByte, fnvDecimal, fnvUpdate, FNV_INIT } from './fnv.js';
import { hashDecimalPrefix, hashOf } from './hash.js';
import { reprQuote, rendezvousScore } from './rendezvous.js';
import { furcHash } from './furc.js';
import { md5Word0 } from './md5.js';
import type { Table } from './table.js';

/** PECL's `max_failover_attempts` and Perl's try count: both clients give up after 20. */
const REHASH_ATTEMPTS = 20;
/** python-memcached's _SERVER_RETRIES. */
const PYTHON_TRIES = 10;
/** Dalli: rehashes after the first lookup (20 lookups in all; the 20th rehash is never looked up). */
const DALLI_REHASHES = 19;
/** spymemcached's KetamaIterator: 7 lookups, the first of them the dead primary's. */
const SPY_REHASHES = 6;

/** The unfinished hash state of a Consistent/Standard key (CRC register or FNV state). */
function keyState(t: Table, bytes: Uint8Array, start: number, end: number): number {
  return t.hash === HashKind.Fnv ? fnvUpdate(FNV_INIT, bytes, start, end) : crc32Update(CRC32_INIT, bytes, start, end);
}

/** Finishes a key state into the u32 hash. */
function finish(t: Table, state: number): number {
  return (t.hash === HashKind.Fnv ? state : ~state) >>> 0;
}

/** The entry a Consistent/Standard key hash selects (n > 1). */
function entryOfHash(t: Table, h: number): number {
  if (t.distribution === Distribution.Consistent) return h & 1023;
  // PECL standard: a 15-bit hash of 0 becomes 1.
  return (((h >>> 16) & 0x7fff) || 1) % t.count;
}

/** The first point >= `h` (u32), wrapping to point 0: libmemcached's continuum lookup. */
function ketamaSearch(values: Uint32Array, h: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === values.length ? 0 : lo;
}

/**
 * Dalli's binary search, as it is written: an equal point's index as soon as one is met, else the
 * last point below h, else (upper = -1, Ruby's ary[-1]) the last point.
 */
function ringSearch(values: Uint32Array, h: number): number {
  let lower = 0;
  let upper = values.length - 1;
  while (lower <= upper) {
    const idx = (lower + upper) >>> 1;
    const v = values[idx];
    if (v === h) return idx;
    if (v > h) upper = idx - 1;
    else lower = idx + 1;
  }
  return upper < 0 ? values.length - 1 : upper;
}

/** Whether entry `e` is offline. */
function isOffline(t: Table, e: number): boolean {
  return ((t.offline[e >>> 5] >>> (e & 31)) & 1) !== 0;
}

/** The entry owning the key `bytes[start, end)`, ignoring health. */
export function entryOf(t: Table, bytes: Uint8Array, start: number, end: number): number {
  // Every client sends everything to a lone server without hashing.
  if (t.servers === 1) return 0;
  switch (t.distribution) {
    case Distribution.Rendezvous:
      return rendezvousPick(t, bytes, start, end, false);
    case Distribution.Ch3:
      return furcHash(bytes, start, end, t.servers);
    case Distribution.Ketama:
    case Distribution.SpyKetama:
    case Distribution.SpyKetamaWeighted:
      return ketamaSearch(t.values, t.hash === HashKind.Md5 ? md5Word0(bytes, start, end) : hashOf(t.hash, bytes, start, end));
    case Distribution.Ring:
      return ringSearch(t.values, t.dalli!.hash(bytes, start, end));
    case Distribution.Continuum:
      return ketamaSearch(t.values, hashOf(t.hash, bytes, start, end));
    case Distribution.Hashring:
      return ketamaSearch(t.values, md5Word0(bytes, start, end));
    case Distribution.FastKetama:
      return ketamaSearch(t.values, ~crc32Update(CRC32_INIT, bytes, start, end) >>> 0);
    case Distribution.FastCompatible: {
      // x = crc15 % trunc(total + 0.5), scaled onto the u32 circle: trunc(x / total * 0xFFFFFFFF + 0.5) + 1.
      const x = ((~crc32Update(CRC32_INIT, bytes, start, end) >>> 16) & 0x7fff) % Math.trunc(t.totalWeight + 0.5);
      return ketamaSearch(t.values, (Math.trunc((x / t.totalWeight) * 0xffffffff + 0.5) + 1) >>> 0);
    }
    case Distribution.KetamaSorted:
      // twemproxy hashes an empty key to 0.
      return ketamaSearch(t.values, end === start ? 0 : hashOf(t.hash, bytes, start, end));
    case Distribution.Buckets:
      return ((~crc32Update(CRC32_INIT, bytes, start, end) >>> 16) & 0x7fff) % t.count;
    case Distribution.Modula:
    case Distribution.ModulaCopies:
      return hashOf(t.hash, bytes, start, end) % t.count;
    case Distribution.ModulaSorted:
      // twemproxy hashes an empty key to 0.
      return (end === start ? 0 : hashOf(t.hash, bytes, start, end)) % t.count;
    default:
      return entryOfHash(t, finish(t, keyState(t, bytes, start, end)));
  }
}

/** The server owning the key `bytes[start, end)`, ignoring health; -1 with no table entries. */
export function ownerOf(t: Table, bytes: Uint8Array, start: number, end: number): number {
  return t.count === 0 ? -1 : t.entries[entryOf(t, bytes, start, end)];
}

/** The server to use for the key `bytes[start, end)` under `failover`, or -1. */
export function routeKey(t: Table, bytes: Uint8Array, start: number, end: number, failover: Failover): number {
  if (t.count === 0) return -1;
  const e = entryOf(t, bytes, start, end);
  if (t.offlineCount === 0 || !isOffline(t, e)) return t.entries[e];
  if (failover !== Failover.Redistribute || t.offlineCount === t.count) return -1;
  switch (t.distribution) {
    case Distribution.Ketama:
    case Distribution.Continuum:
    case Distribution.KetamaSorted:
    case Distribution.Hashring:
    case Distribution.FastCompatible:
    case Distribution.FastKetama:
    case Distribution.Ch3:
    case Distribution.Modula:
    case Distribution.ModulaCopies:
    case Distribution.ModulaSorted:
      return nextLivePoint(t, e);
    case Distribution.Buckets:
      return perlRehash(t, bytes, start, end);
    case Distribution.PythonBuckets:
      return pythonRehash(t, bytes, start, end);
    case Distribution.Rendezvous:
      return rendezvousPick(t, bytes, start, end, true);
    case Distribution.Ring:
      return dalliRehash(t, bytes, start, end);
    case Distribution.SpyKetama:
    case Distribution.SpyKetamaWeighted:
      return spyRehash(t, bytes, start, end);
    default:
      return peclRehash(t, bytes, start, end);
  }
}

/** Dalli: after a dead server, the predecessor of crc32(decimal(tries) + final key), tries = 0 .. 18. */
function dalliRehash(t: Table, bytes: Uint8Array, start: number, end: number): number {
  for (let tries = 0; tries < DALLI_REHASHES; tries++) {
    const e = ringSearch(t.values, t.dalli!.rehash(tries, bytes, start, end));
    if (!isOffline(t, e)) return t.entries[e];
  }
  return -1;
}

/**
 * spymemcached's KetamaIterator: h += hash(decimal(t) + key) (mod 2^32), t = 0 .. 5, each the
 * successor of h; none online: -1 (spymemcached then queues the key on its dead primary).
 */
function spyRehash(t: Table, bytes: Uint8Array, start: number, end: number): number {
  let h = hashOf(t.hash, bytes, start, end);
  for (let i = 0; i < SPY_REHASHES; i++) {
    h = (h + hashDecimalPrefix(t.hash, i, bytes, start, end)) >>> 0;
    const e = ketamaSearch(t.values, h);
    if (!isOffline(t, e)) return t.entries[e];
  }
  return -1;
}

/** PECL: the first of `key-0` .. `key-19` whose entry is online (the same lookup, n == 1 rule included). */
function peclRehash(t: Table, bytes: Uint8Array, start: number, end: number): number {
  const fnv = t.hash === HashKind.Fnv;
  // The key and its "-" are common to all attempts: hash them once, then only the digits.
  const prefix = fnv ? fnvByte(keyState(t, bytes, start, end), CHAR_DASH) : crc32Byte(keyState(t, bytes, start, end), CHAR_DASH);
  for (let i = 0; i < REHASH_ATTEMPTS; i++) {
    const e = t.servers === 1 ? 0 : entryOfHash(t, finish(t, fnv ? fnvDecimal(prefix, i) : crc32Decimal(prefix, i)));
    if (!isOffline(t, e)) return t.entries[e];
  }
  return -1;
}

/**
 * Perl's Cache::Memcached: `hv += crc15(decimal(tries) + key)` after each failed try (a sum of
 * hashes of the *prefixed* key), 20 tries in all including the first.
 */
function perlRehash(t: Table, bytes: Uint8Array, start: number, end: number): number {
  if (t.servers === 1) return -1;
  let hv = (~crc32Update(CRC32_INIT, bytes, start, end) >>> 16) & 0x7fff;
  for (let tries = 1; tries <= REHASH_ATTEMPTS; tries++) {
    const e = hv % t.count;
    if (!isOffline(t, e)) return t.entries[e];
    hv += (~crc32Update(crc32Decimal(CRC32_INIT, tries), bytes, start, end) >>> 16) & 0x7fff;
  }
  return -1;
}

/** Whether server a's name is greater than server b's (bytewise; a longer name after its prefix). */
function nameGreater(t: Table, bytes: Uint8Array, a: number, b: number): boolean {
  const la = t.nameEnds[a] - t.nameStarts[a], lb = t.nameEnds[b] - t.nameStarts[b];
  for (let i = 0; i < Math.min(la, lb); i++) {
    const d = bytes[t.nameStarts[a] + i] - bytes[t.nameStarts[b] + i];
    if (d !== 0) return d > 0;
  }
  return la > lb;
}

/**
 * pymemcache: the (online, if asked) server with the highest score; an equal score goes to the
 * greater name. Hash Murmur3BytesRepr: the key is a Python bytes, scored as its repr().
 */
function rendezvousPick(t: Table, bytes: Uint8Array, start: number, end: number, onlineOnly: boolean): number {
  let best = -1;
  let bestScore = 0;
  // A bytes key (Murmur3BytesRepr) is scored as its repr(), whose quote depends on the whole key.
  const quote = t.hash === HashKind.Murmur3BytesRepr ? reprQuote(bytes, start, end) : 0;
  for (let s = 0; s < t.servers; s++) {
    if (onlineOnly && isOffline(t, s)) continue;
    const score = rendezvousScore(bytes, t.nameStarts[s], t.nameEnds[s], start, end, quote);
    if (best < 0 || score > bestScore || (score === bestScore && nameGreater(t, bytes, s, best))) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/** python-memcached's 10 tries: after a dead bucket, `h = crc15or1(decimal(h) + decimal(i))` (the previous hash, not the key). */
function pythonRehash(t: Table, bytes: Uint8Array, start: number, end: number): number {
  let h = crc15or1(~crc32Update(CRC32_INIT, bytes, start, end));
  for (let i = 0; i < PYTHON_TRIES; i++) {
    const e = h % t.count;
    if (!isOffline(t, e)) return t.entries[e];
    h = crc15or1(~crc32Decimal(crc32Decimal(CRC32_INIT, h), i));
  }
  return -1;
}

function crc15or1(crc: number): number {
  return ((crc >>> 16) & 0x7fff) || 1;
}

/** Ketama: the next online point after `e` along the continuum, wrapping; the modula kinds: the next online entry (memjs). */
function nextLivePoint(t: Table, e: number): number {
  const count = t.count;
  for (let step = 1; step < count; step++) {
    let j = e + step;
    if (j >= count) j -= count;
    if (!isOffline(t, j)) return t.entries[j];
  }
  return -1;
}
