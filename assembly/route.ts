// Key → entry → server, with the offline bitmap and the failover rules.
// `routeKeys` specializes its loop per (distribution, hash) so the hot path has no dispatch.

import {
  DIST_BUCKETS, DIST_CONSISTENT, DIST_CONTINUUM, DIST_KETAMA, DIST_KETAMA_SORTED, DIST_MODULA, DIST_MODULA_COPIES,
  DIST_CH3, DIST_FAST_COMPATIBLE, DIST_FAST_KETAMA, DIST_HASHRING, DIST_MODULA_SORTED, DIST_PYTHON_BUCKETS, DIST_RENDEZVOUS,
  DIST_RING, DIST_SPY_KETAMA, DIST_SPY_KETAMA_WEIGHTED, DIST_STANDARD,
  FAILOVER_REDISTRIBUTE, HASH_CRC32, HASH_FNV, HASH_MD5, HASH_MURMUR3_BYTES_REPR, NO_SERVER,
} from "./codes";
import { CRC32_INIT, crc15, crc32, crc32Update } from "./crc32";
import { DIGITS, writeDecimal } from "./decimal";
import { dashState, hashBytes, hashDashSuffix, hashDecimalPrefix } from "./hash";
import { bitTest } from "./bitmap";
import { dalliKeyHash, dalliRehashHash } from "./dalli-key";
import { reprQuote, rendezvousScore } from "./rendezvous";
import { furcHash } from "./furc";
import {
  CONSISTENT_BUCKETS, distribution, entryCount, entryServers, fastTotalWeight, hashKind, nameLength, nameOffset,
  offlineBitmap, offlineEntries, pointValues, serverCount,
} from "./table";
import { keysPtr, offsetsPtr, outPtr } from "./layout";

/** PECL rehash attempts: key + "-" + 0 .. 19 (max_failover_attempts). */
const PECL_REHASH_TRIES: u32 = 20;
/** Perl Cache::Memcached: tries of get_sock (the first lookup included). */
const PERL_TRIES: u32 = 20;
/** python-memcached: buckets tried per key (_SERVER_RETRIES). */
const PYTHON_TRIES: u32 = 10;
/** Dalli: rehashes after the first lookup (20 lookups in all; the 20th rehash is never looked up). */
const DALLI_REHASHES: u32 = 19;
/** spymemcached's KetamaIterator: 7 lookups, the first of them the dead primary's. */
const SPY_REHASHES: u32 = 6;
/** Mask for `hash % 1024` of PECL consistent. */
const CONSISTENT_MASK: u32 = CONSISTENT_BUCKETS - 1;

/** The key hash a distribution uses: Buckets crc32, the others `kind` (Md5 for libketama). */
// @ts-ignore: decorator
@inline function keyHash(dist: i32, kind: i32, ptr: usize, len: usize): u32 {
  if (dist == DIST_BUCKETS) return crc32(ptr, len);
  // twemproxy hashes an empty key to 0.
  if ((dist == DIST_MODULA_SORTED || dist == DIST_KETAMA_SORTED) && len == 0) return 0;
  if (dist == DIST_RING) return dalliKeyHash(ptr, len);
  return hashBytes(kind, ptr, len);
}

/** The first point with value >= h, or point 0 when none. */
function ketamaFind(h: u32): u32 {
  let base = pointValues;
  let n = entryCount;
  // Branchless lower bound: the answer stays within [base, base + n] while n halves.
  while (n > 1) {
    let half = n >>> 1;
    let mid = base + (<usize>half << 2);
    base = select<usize>(mid, base, load<u32>(mid) < h);
    n -= half;
  }
  let i = <u32>((base - pointValues) >>> 2);
  if (load<u32>(base) < h) i++;
  return i == entryCount ? 0 : i;
}

/**
 * Dalli's binary search, as it is written: an equal point's index as soon as one is met, else the
 * last point below h, else (upper = -1, Ruby's ary[-1]) the last point.
 */
function ringFind(h: u32): u32 {
  let lower: i32 = 0, upper: i32 = <i32>entryCount - 1;
  while (lower <= upper) {
    let idx = (lower + upper) >> 1;
    let v = load<u32>(pointValues + (<usize>idx << 2));
    if (v == h) return <u32>idx;
    if (v > h) upper = idx - 1;
    else lower = idx + 1;
  }
  return upper < 0 ? entryCount - 1 : <u32>upper;
}

/** The entry a key hash `h` selects (n > 1). */
// @ts-ignore: decorator
@inline function entryOfHash(dist: i32, h: u32): u32 {
  if (dist == DIST_CONSISTENT) return h & CONSISTENT_MASK;
  if (dist == DIST_STANDARD || dist == DIST_PYTHON_BUCKETS) {
    let h15 = crc15(h);
    return (h15 == 0 ? 1 : h15) % entryCount;
  }
  if (dist == DIST_BUCKETS) return crc15(h) % entryCount;
  if (dist == DIST_KETAMA || dist == DIST_CONTINUUM || dist == DIST_KETAMA_SORTED || dist == DIST_HASHRING || dist == DIST_FAST_KETAMA
    || dist == DIST_SPY_KETAMA || dist == DIST_SPY_KETAMA_WEIGHTED) {
    return ketamaFind(h);
  }
  if (dist == DIST_RING) return ringFind(h);
  if (dist == DIST_FAST_COMPATIBLE) {
    // x = crc15 % trunc(total + 0.5), scaled onto the u32 circle: trunc(x / total * 0xFFFFFFFF + 0.5) + 1.
    let x = crc15(h) % <u32>trunc<f64>(fastTotalWeight + 0.5);
    return ketamaFind(<u32>trunc<f64>(<f64>x / fastTotalWeight * 4294967295.0 + 0.5) + 1);
  }
  // The modula kinds.
  return h % entryCount;
}

/** entryOf(key): entry 0 for a single server, else the distribution's lookup. */
// @ts-ignore: decorator
@inline function entryOf(dist: i32, kind: i32, ptr: usize, len: usize): u32 {
  if (serverCount == 1) return 0;
  if (dist == DIST_RENDEZVOUS) return <u32>rendezvousPick(kind, ptr, len, false);
  if (dist == DIST_CH3) return furcHash(ptr, len, serverCount);
  return entryOfHash(dist, keyHash(dist, kind, ptr, len));
}

// @ts-ignore: decorator
@inline function serverOf(e: u32): i32 {
  return load<i32>(entryServers + (<usize>e << 2));
}

// @ts-ignore: decorator
@inline function online(e: u32): bool {
  return !bitTest(offlineBitmap, e);
}

/** owner(key): the server of entryOf(key), ignoring health; -1 without a table. */
export function ownerOf(ptr: usize, len: usize): i32 {
  if (entryCount == 0) return NO_SERVER;
  return serverOf(entryOf(distribution, hashKind, ptr, len));
}

/** The server for a key whose entry `e` is offline. */
function failover(ptr: usize, len: usize, e: u32, mode: i32): i32 {
  if (mode != FAILOVER_REDISTRIBUTE || offlineEntries >= entryCount) return NO_SERVER;
  let dist = distribution;
  if (dist == DIST_BUCKETS) return perlRehash(ptr, len);
  if (dist == DIST_PYTHON_BUCKETS) return pythonRehash(ptr, len);
  if (dist == DIST_RENDEZVOUS) return rendezvousPick(hashKind, ptr, len, true);
  if (dist == DIST_CONSISTENT || dist == DIST_STANDARD) return peclRehash(dist, ptr, len);
  if (dist == DIST_RING) return dalliRehash(ptr, len);
  if (dist == DIST_SPY_KETAMA || dist == DIST_SPY_KETAMA_WEIGHTED) return spyRehash(ptr, len);
  // Ketama, KetamaSorted, Continuum: the next live point; the modula kinds: the next live entry.
  return nextOnlinePoint(e);
}

/** PECL: the first online entryOf(key + "-" + i), i = 0 .. 19. */
function peclRehash(dist: i32, ptr: usize, len: usize): i32 {
  let kind = hashKind;
  let state = dashState(kind, ptr, len);
  for (let i: u32 = 0; i < PECL_REHASH_TRIES; i++) {
    let e: u32 = serverCount == 1 ? 0 : entryOfHash(dist, hashDashSuffix(kind, state, ptr, len, i));
    if (online(e)) return serverOf(e);
  }
  return NO_SERVER;
}

/** Perl: hv = crc15(key); per try hv % entries, then hv += crc15(decimal(tries) + key). */
function perlRehash(ptr: usize, len: usize): i32 {
  if (serverCount == 1) return NO_SERVER;
  let hv = crc15(crc32(ptr, len));
  for (let tries: u32 = 1; tries <= PERL_TRIES; tries++) {
    let e = hv % entryCount;
    if (online(e)) return serverOf(e);
    hv += crc15(hashDecimalPrefix(HASH_CRC32, tries, ptr, len));
  }
  return NO_SERVER;
}

/** Dalli: after a dead server, the predecessor of crc32(decimal(tries) + final key), tries = 0 .. 18. */
function dalliRehash(ptr: usize, len: usize): i32 {
  for (let tries: u32 = 0; tries < DALLI_REHASHES; tries++) {
    let e = ringFind(dalliRehashHash(tries, ptr, len));
    if (online(e)) return serverOf(e);
  }
  return NO_SERVER;
}

/**
 * spymemcached's KetamaIterator: h += hash(decimal(t) + key) (mod 2^32), t = 0 .. 5, each the
 * successor of h; none online: -1 (spymemcached then queues the key on its dead primary).
 */
function spyRehash(ptr: usize, len: usize): i32 {
  let kind = hashKind;
  let h = hashBytes(kind, ptr, len);
  for (let t: u32 = 0; t < SPY_REHASHES; t++) {
    h += hashDecimalPrefix(kind, t, ptr, len);
    let e = ketamaFind(h);
    if (online(e)) return serverOf(e);
  }
  return NO_SERVER;
}

/** Whether server a's name is greater than server b's (bytewise, a longer name after its prefix). */
function nameGreater(a: u32, b: u32): bool {
  let la = nameLength(a), lb = nameLength(b);
  let pa = nameOffset(a), pb = nameOffset(b);
  let n = min(la, lb);
  for (let i: usize = 0; i < n; i++) {
    let x = load<u8>(pa + i), y = load<u8>(pb + i);
    if (x != y) return x > y;
  }
  return la > lb;
}

/**
 * pymemcache: the (online, if asked) server with the highest score; an equal score goes to the
 * greater name. `kind` Murmur3BytesRepr: the key is a Python bytes, scored as its repr().
 */
function rendezvousPick(kind: i32, ptr: usize, len: usize, onlineOnly: bool): i32 {
  let best: i32 = NO_SERVER;
  let bestScore: u32 = 0;
  let quote = kind == HASH_MURMUR3_BYTES_REPR ? reprQuote(ptr, len) : 0;
  for (let s: u32 = 0; s < serverCount; s++) {
    if (onlineOnly && !online(s)) continue;
    let score = rendezvousScore(nameOffset(s), nameLength(s), ptr, len, quote);
    if (best < 0 || score > bestScore || (score == bestScore && nameGreater(s, <u32>best))) {
      best = <i32>s;
      bestScore = score;
    }
  }
  return best;
}

/** python-memcached: h = crc15or1(key); per try h % entries, then h = crc15or1(decimal(h) + decimal(i)), i = 0 .. 9. */
function pythonRehash(ptr: usize, len: usize): i32 {
  let h = crc15or1(crc32(ptr, len));
  for (let i: u32 = 0; i < PYTHON_TRIES; i++) {
    let e = h % entryCount;
    if (online(e)) return serverOf(e);
    let state = crc32Update(CRC32_INIT, DIGITS, writeDecimal(h));
    h = crc15or1(~crc32Update(state, DIGITS, writeDecimal(i)));
  }
  return NO_SERVER;
}

// @ts-ignore: decorator
@inline function crc15or1(crc: u32): u32 {
  let h = crc15(crc);
  return h == 0 ? 1 : h;
}

/** Ketama: the first online point after `e`, wrapping; the modula kinds: the next online entry (memjs). */
function nextOnlinePoint(e: u32): i32 {
  let entries = entryCount;
  for (let k: u32 = 1; k < entries; k++) {
    let j = e + k;
    if (j >= entries) j -= entries;
    if (online(j)) return serverOf(j);
  }
  return NO_SERVER;
}

// @ts-ignore: decorator
@inline function routeWith(dist: i32, kind: i32, ptr: usize, len: usize, mode: i32): i32 {
  let e = entryOf(dist, kind, ptr, len);
  if (offlineEntries == 0 || online(e)) return serverOf(e);
  return failover(ptr, len, e, mode);
}

/** route(key, failover): the server to use now, or -1. */
export function routeKey(ptr: usize, len: usize, mode: i32): i32 {
  if (entryCount == 0) return NO_SERVER;
  return routeWith(distribution, hashKind, ptr, len, mode);
}

/** The routeMany loop for one (distribution, hash), both compile-time constants once inlined. */
// @ts-ignore: decorator
@inline function routeLoop(dist: i32, kind: i32, count: u32, mode: i32): void {
  let keys = keysPtr, offsets = offsetsPtr, out = outPtr;
  let start = load<u32>(offsets);
  for (let i: usize = 0; i < <usize>count; i++) {
    let end = load<u32>(offsets + (i << 2), 4);
    store<i32>(out + (i << 2), routeWith(dist, kind, keys + start, end - start, mode));
    start = end;
  }
}

/** routeLoop with MD5 keys (libketama's and spymemcached's default) specialized, any other key hash generic. */
// @ts-ignore: decorator
@inline function routeLoopMd5First(dist: i32, kind: i32, count: u32, mode: i32): void {
  if (kind == HASH_MD5) routeLoop(dist, HASH_MD5, count, mode);
  else routeLoop(dist, kind, count, mode);
}

/** routeMany: out[i] = route(keys[offsets[i] .. offsets[i+1]), mode). */
export function routeKeys(count: u32, mode: i32): void {
  if (entryCount == 0) {
    for (let i: usize = 0; i < <usize>count; i++) store<i32>(outPtr + (i << 2), NO_SERVER);
    return;
  }
  let dist = distribution, kind = hashKind;
  if (dist == DIST_CONSISTENT) {
    if (kind == HASH_FNV) routeLoop(DIST_CONSISTENT, HASH_FNV, count, mode);
    else if (kind == HASH_MD5) routeLoop(DIST_CONSISTENT, HASH_MD5, count, mode);
    else routeLoop(DIST_CONSISTENT, HASH_CRC32, count, mode);
  } else if (dist == DIST_STANDARD) {
    if (kind == HASH_FNV) routeLoop(DIST_STANDARD, HASH_FNV, count, mode);
    else if (kind == HASH_MD5) routeLoop(DIST_STANDARD, HASH_MD5, count, mode);
    else routeLoop(DIST_STANDARD, HASH_CRC32, count, mode);
  } else if (dist == DIST_BUCKETS) {
    routeLoop(DIST_BUCKETS, HASH_CRC32, count, mode);
  } else if (dist == DIST_KETAMA) {
    routeLoopMd5First(DIST_KETAMA, kind, count, mode);
  } else if (dist == DIST_CONTINUUM) {
    routeLoop(DIST_CONTINUUM, kind, count, mode);
  } else if (dist == DIST_KETAMA_SORTED) {
    routeLoop(DIST_KETAMA_SORTED, kind, count, mode);
  } else if (dist == DIST_PYTHON_BUCKETS) {
    routeLoop(DIST_PYTHON_BUCKETS, HASH_CRC32, count, mode);
  } else if (dist == DIST_HASHRING) {
    routeLoop(DIST_HASHRING, HASH_MD5, count, mode);
  } else if (dist == DIST_RENDEZVOUS) {
    routeLoop(DIST_RENDEZVOUS, kind, count, mode);
  } else if (dist == DIST_FAST_COMPATIBLE) {
    routeLoop(DIST_FAST_COMPATIBLE, HASH_CRC32, count, mode);
  } else if (dist == DIST_FAST_KETAMA) {
    routeLoop(DIST_FAST_KETAMA, HASH_CRC32, count, mode);
  } else if (dist == DIST_CH3) {
    routeLoop(DIST_CH3, kind, count, mode);
  } else if (dist == DIST_RING) {
    routeLoop(DIST_RING, HASH_CRC32, count, mode);
  } else if (dist == DIST_SPY_KETAMA) {
    routeLoopMd5First(DIST_SPY_KETAMA, kind, count, mode);
  } else if (dist == DIST_SPY_KETAMA_WEIGHTED) {
    routeLoopMd5First(DIST_SPY_KETAMA_WEIGHTED, kind, count, mode);
  } else if (dist == DIST_MODULA) {
    routeLoop(DIST_MODULA, kind, count, mode);
  } else if (dist == DIST_MODULA_COPIES) {
    routeLoop(DIST_MODULA_COPIES, kind, count, mode);
  } else {
    routeLoop(DIST_MODULA_SORTED, kind, count, mode);
  }
}
