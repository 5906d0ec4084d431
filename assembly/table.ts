// Building the routing table (the four distributions) and the down marks on its entries.
//
// Table layout at layout.tablePtr:
//   Standard / Buckets / Consistent: entryServers i32[entries], bitmap
//   Ketama:                          pointValues u32[points], entryServers i32[points], bitmap
// Points being built are u64 items (value | server << 32) in the scratch space after the table.

import {
  DIST_BUCKETS, DIST_CONSISTENT, DIST_CONTINUUM, DIST_KETAMA, DIST_KETAMA_SORTED, DIST_MODULA, DIST_MODULA_COPIES,
  DIST_CH3, DIST_FAST_COMPATIBLE, DIST_FAST_KETAMA, DIST_HASHRING, DIST_MODULA_SORTED, DIST_PYTHON_BUCKETS, DIST_RENDEZVOUS, DIST_STANDARD,
  DIST_RING, DIST_SPY_KETAMA, DIST_SPY_KETAMA_WEIGHTED, HASH_MD5, HASH_SHA1,
} from "./codes";
import { useNamespace } from "./dalli-key";
import { CRC32_INIT, crc32Byte, crc32Update } from "./crc32";
import { DASH, dashState, hashBytes, hashDashSuffix } from "./hash";
import { md5A, md5B, md5C, md5D, md5Final, md5Init, md5Update } from "./md5";
import { DIGITS, writeDecimal } from "./decimal";
import { bitAssign, bitmapBytes, bitmapClear } from "./bitmap";
import { sortPoints } from "./sort";
import { SERVER_RECORD_BYTES, align, ensureMemory, namesPtr, serversPtr, setTableEnd, tablePtr } from "./layout";

/** PECL consistent: points per unit of weight (MMC_CONSISTENT_POINTS). */
const CONSISTENT_POINTS_PER_WEIGHT: u32 = 160;
/** PECL consistent: buckets sampled from the continuum (MMC_CONSISTENT_BUCKETS). */
export const CONSISTENT_BUCKETS: u32 = 1024;
/** Distance between two bucket samples: floor(0xFFFFFFFF / 1024). */
const CONSISTENT_STEP: u32 = 0xFFFFFFFF / CONSISTENT_BUCKETS;
/** libmemcached weighted ketama: points per server at equal weights (MEMCACHED_POINTS_PER_SERVER_KETAMA). */
const KETAMA_POINTS_PER_SERVER: f32 = 160;
/** libmemcached: points taken from one MD5 digest (4 little-endian words). */
const KETAMA_POINTS_PER_HASH: u32 = 4;
/** hashring: MD5 digests per server at equal weights (its `vnode` count). */
const HASHRING_DIGESTS_PER_SERVER: f64 = 40;
/** libmemcached unweighted consistent: points per server (MEMCACHED_POINTS_PER_SERVER). */
const CONTINUUM_POINTS_PER_SERVER: u32 = 100;
/** spymemcached: points per server (its nodeRepetitions), 40 MD5 digests of 4 with KETAMA_HASH. */
const SPY_POINTS_PER_SERVER: u32 = 160;
/** Dalli: points per server at equal weights (Ring::POINTS_PER_SERVER). */
const DALLI_POINTS_PER_SERVER: f64 = 160;
/** Room after a point name for "-" and the digits of any u32. */
const SUFFIX_ROOM: usize = 16;
/** Most points a table may have (16 bytes of scratch each must fit in wasm32 memory). */
const MAX_POINTS: u64 = 0x0FFFFFFF;

/** The built table (entryCount == 0: none). */
export let distribution: i32 = DIST_CONSISTENT;
export let hashKind: i32 = 0;
export let serverCount: u32 = 0;
export let entryCount: u32 = 0;
/** i32 server index of each entry. */
export let entryServers: usize = 0;
/** Ketama only: u32 value of each point, ascending. */
export let pointValues: usize = 0;
/** One bit per entry: 1 = offline. */
export let offlineBitmap: usize = 0;
/** Number of set bits in the bitmap (0: the fast path skips it). */
export let offlineEntries: u32 = 0;
/** Cache::Memcached::Fast compatible: the sum of the weights, as its double. */
export let fastTotalWeight: f64 = 0;

// @ts-ignore: decorator
@inline export function nameOffset(s: u32): usize {
  return namesPtr + <usize>load<i32>(serversPtr + <usize>s * SERVER_RECORD_BYTES);
}
// @ts-ignore: decorator
@inline export function nameLength(s: u32): usize {
  return <usize>load<i32>(serversPtr + <usize>s * SERVER_RECORD_BYTES, 4);
}
// @ts-ignore: decorator
@inline function weight(s: u32): u32 {
  let w = load<i32>(serversPtr + <usize>s * SERVER_RECORD_BYTES, 8);
  return w > 0 ? <u32>w : 0;
}

/** Builds the table for `n` servers and returns its entry count. All down marks are cleared. */
export function buildTable(dist: i32, hash: i32, n: u32): u32 {
  distribution = dist;
  hashKind = hash;
  serverCount = n;
  offlineEntries = 0;
  let entries: u32 = 0;
  if (n != 0) {
    if (dist == DIST_CONSISTENT) entries = buildConsistent(hash, n);
    else if (dist == DIST_KETAMA || dist == DIST_KETAMA_SORTED || dist == DIST_HASHRING || dist == DIST_SPY_KETAMA_WEIGHTED) entries = buildKetama(dist, n);
    // spymemcached makes MD5 digests only with KETAMA_HASH; another hash hashes 160 point names.
    else if (dist == DIST_SPY_KETAMA) entries = hash == HASH_MD5 ? buildKetama(dist, n) : buildNamedPoints(dist, hash, n);
    else if (dist == DIST_RING) entries = buildRing(n);
    else if (dist == DIST_STANDARD || dist == DIST_BUCKETS || dist == DIST_MODULA_COPIES || dist == DIST_PYTHON_BUCKETS) entries = buildCopies(n);
    else if (dist == DIST_MODULA || dist == DIST_RENDEZVOUS || dist == DIST_CH3) entries = buildModula(n);
    else if (dist == DIST_MODULA_SORTED) entries = buildSortedCopies(n);
    else if (dist == DIST_CONTINUUM) entries = buildNamedPoints(dist, hash, n);
    else if (dist == DIST_FAST_COMPATIBLE) entries = buildFastCompatible(n);
    else if (dist == DIST_FAST_KETAMA) entries = buildFastKetama(n);
  }
  entryCount = entries;
  if (entries == 0) {
    entryServers = tablePtr;
    offlineBitmap = tablePtr;
    setTableEnd(tablePtr);
  }
  return entries;
}

/** Places entryServers (and pointValues for ketama) and the bitmap; returns the table end. */
function placeTable(entries: u32, withValues: bool): u64 {
  let p = <u64>tablePtr;
  pointValues = <usize>p;
  if (withValues) p = align(p + (<u64>entries << 2));
  entryServers = <usize>p;
  p = align(p + (<u64>entries << 2));
  offlineBitmap = <usize>p;
  return align(p + bitmapBytes(entries));
}

/** Standard / Buckets: `weight` copies of each server index, in server order. */
function buildCopies(n: u32): u32 {
  let total: u64 = 0;
  for (let s: u32 = 0; s < n; s++) total += weight(s);
  if (total > 0xFFFFFFFF) unreachable();
  let entries = <u32>total;
  let end = placeTable(entries, false);
  setTableEnd(end);
  let p = entryServers;
  for (let s: u32 = 0; s < n; s++) {
    for (let c = weight(s); c > 0; c--) {
      store<i32>(p, s);
      p += 4;
    }
  }
  bitmapClear(offlineBitmap, entries);
  return entries;
}

/** libmemcached modula: one entry per server, in server order (weights ignored). */
function buildModula(n: u32): u32 {
  let end = placeTable(n, false);
  setTableEnd(end);
  for (let s: u32 = 0; s < n; s++) store<i32>(entryServers + (<usize>s << 2), s);
  bitmapClear(offlineBitmap, n);
  return n;
}

/** twemproxy's order: a shorter name first, then the bytes compared unsigned, then server order. */
function nameBefore(a: u32, b: u32): bool {
  let la = nameLength(a), lb = nameLength(b);
  if (la != lb) return la < lb;
  let pa = nameOffset(a), pb = nameOffset(b);
  for (let i: usize = 0; i < la; i++) {
    let x = load<u8>(pa + i), y = load<u8>(pb + i);
    if (x != y) return x < y;
  }
  return a < b;
}

/** Writes the n server indexes at `order` (u32 each): list order, or twemproxy's name order (insertion sort: lists are short). */
function writeServerOrder(order: usize, n: u32, byName: bool): void {
  for (let i: u32 = 0; i < n; i++) {
    let j = i;
    while (byName && j > 0 && nameBefore(i, load<u32>(order + (<usize>(j - 1) << 2)))) {
      store<u32>(order + (<usize>j << 2), load<u32>(order + (<usize>(j - 1) << 2)));
      j--;
    }
    store<u32>(order + (<usize>j << 2), i);
  }
}

/** twemproxy modula: `weight` copies of each server, the servers sorted by name (conf_validate_server). */
function buildSortedCopies(n: u32): u32 {
  let total: u64 = 0;
  for (let s: u32 = 0; s < n; s++) total += weight(s);
  if (total > 0xFFFFFFFF) unreachable();
  let entries = <u32>total;
  let end = placeTable(entries, false);
  let order = placeScratch(end, <u64>n);
  writeServerOrder(order, n, true);
  let p = entryServers;
  for (let k: u32 = 0; k < n; k++) {
    let s = load<u32>(order + (<usize>k << 2));
    for (let c = weight(s); c > 0; c--) {
      store<i32>(p, s);
      p += 4;
    }
  }
  bitmapClear(offlineBitmap, entries);
  setTableEnd(end);
  return entries;
}

/** Grows memory for two point arrays after `tableEnd` and returns the first. */
function placeScratch(tableEnd: u64, points: u64): usize {
  let items = align(tableEnd);
  ensureMemory(items + (points << 4));
  return <usize>items;
}

/** PECL consistent: 160 × weight points per server on hash(base + "-" + i), sampled into 1024 buckets. */
function buildConsistent(hash: i32, n: u32): u32 {
  let total: u64 = 0;
  for (let s: u32 = 0; s < n; s++) total += <u64>weight(s) * CONSISTENT_POINTS_PER_WEIGHT;
  if (total > MAX_POINTS) unreachable();
  if (total == 0) return 0;
  let points = <u32>total;
  let end = placeTable(CONSISTENT_BUCKETS, false);
  let items = placeScratch(end, points);
  let p = items;
  for (let s: u32 = 0; s < n; s++) {
    let base = nameOffset(s), len = nameLength(s);
    let state = dashState(hash, base, len);
    let count = weight(s) * CONSISTENT_POINTS_PER_WEIGHT;
    let high = <u64>s << 32;
    for (let i: u32 = 0; i < count; i++) {
      store<u64>(p, high | hashDashSuffix(hash, state, base, len, i));
      p += 8;
    }
  }
  sortPoints(items, items + (<usize>points << 3), points);
  // Bucket b = server of the first point with value >= b * step, else of point 0. The
  // targets ascend, so one forward walk over the sorted points serves every bucket.
  let j: u32 = 0;
  for (let b: u32 = 0; b < CONSISTENT_BUCKETS; b++) {
    let target = b * CONSISTENT_STEP;
    while (j < points && load<u32>(items + (<usize>j << 3)) < target) j++;
    let at = j < points ? j : 0;
    store<i32>(entryServers + (<usize>b << 2), load<i32>(items + (<usize>at << 3), 4));
  }
  bitmapClear(offlineBitmap, CONSISTENT_BUCKETS);
  setTableEnd(end);
  return CONSISTENT_BUCKETS;
}

/**
 * libmemcached weighted ketama's points for server `s`, in float32 arithmetic at each step:
 * pct = w / total; floor(pct * 160 / 4 * n) * 4.
 */
function ketamaPoints(s: u32, totalWeight: u32, n: u32): u32 {
  let pct: f32 = <f32>weight(s) / <f32>totalWeight;
  let x: f32 = pct * KETAMA_POINTS_PER_SERVER;
  x = x / <f32>KETAMA_POINTS_PER_HASH;
  x = x * <f32>n;
  return <u32>floor<f32>(x) * KETAMA_POINTS_PER_HASH;
}

/** hashring's points for server `s`: floor(w / total * 40 * n) digests, in double, 4 points each. */
function hashringPoints(s: u32, totalWeight: u32, n: u32): u32 {
  let x: f64 = <f64>weight(s) / <f64>totalWeight * HASHRING_DIGESTS_PER_SERVER * <f64>n;
  return <u32>floor<f64>(x) * KETAMA_POINTS_PER_HASH;
}

/** The MD5-digest points of server `s` in a ketama-family table: hashring's, spymemcached's fixed 160, or libmemcached's. */
function digestPoints(dist: i32, s: u32, totalWeight: u32, n: u32): u32 {
  if (dist == DIST_HASHRING) return hashringPoints(s, totalWeight, n);
  if (dist == DIST_SPY_KETAMA) return SPY_POINTS_PER_SERVER;
  return ketamaPoints(s, totalWeight, n);
}

/**
 * libmemcached weighted ketama: 4 points per MD5(base + "-" + i); the points are the entries.
 * `byName` (twemproxy): the servers' points are made in name order, which settles equal points.
 * spymemcached's TreeMap keeps one server per point value (treeMapPoints).
 */
function buildKetama(dist: i32, n: u32): u32 {
  let byName = dist == DIST_KETAMA_SORTED;
  let totalWeight: u64 = 0;
  for (let s: u32 = 0; s < n; s++) totalWeight += weight(s);
  if (totalWeight == 0 || totalWeight > 0xFFFFFFFF) return 0;
  let total: u64 = 0;
  for (let s: u32 = 0; s < n; s++) total += digestPoints(dist, s, <u32>totalWeight, n);
  if (total > MAX_POINTS) unreachable();
  if (total == 0) return 0;
  let points = <u32>total;
  let end = placeTable(points, true);
  let items = placeScratch(end, points);
  let order = items + (<usize>points << 4);
  ensureMemory(<u64>order + (<u64>n << 2));
  writeServerOrder(order, n, byName);
  let p = items;
  for (let k: u32 = 0; k < n; k++) {
    let s = load<u32>(order + (<usize>k << 2));
    let base = nameOffset(s), len = nameLength(s);
    let digests = digestPoints(dist, s, <u32>totalWeight, n) / KETAMA_POINTS_PER_HASH;
    let high = <u64>s << 32;
    for (let i: u32 = 0; i < digests; i++) {
      let digits = writeDecimal(i);
      md5Init();
      md5Update(base, len);
      md5Update(DASH, 1);
      md5Update(DIGITS, digits);
      md5Final();
      store<u64>(p, high | md5A);
      store<u64>(p, high | md5B, 8);
      store<u64>(p, high | md5C, 16);
      store<u64>(p, high | md5D, 24);
      p += 32;
    }
  }
  return finishPoints(items, points, end, treeMapPoints(dist));
}

/** spymemcached puts its points in a TreeMap: an equal point replaces the one before it, so the later server keeps it. */
// @ts-ignore: decorator
@inline function treeMapPoints(dist: i32): bool {
  return dist == DIST_SPY_KETAMA || dist == DIST_SPY_KETAMA_WEIGHTED;
}

/**
 * Cache::Memcached::Fast compatible: per server in order, total += w; every earlier point p becomes
 * trunc(p - p * (w / total)); then the point 0xFFFFFFFF of this server. The points stay ascending.
 */
function buildFastCompatible(n: u32): u32 {
  let end = placeTable(n, true);
  let total: f64 = 0;
  for (let s: u32 = 0; s < n; s++) {
    let w = <f64>weight(s);
    total += w;
    for (let j: u32 = 0; j < s; j++) {
      let at = pointValues + (<usize>j << 2);
      let p = <f64>load<u32>(at);
      store<u32>(at, <u32>trunc<f64>(p - p * (w / total)));
    }
    store<u32>(pointValues + (<usize>s << 2), 0xFFFFFFFF);
    store<i32>(entryServers + (<usize>s << 2), s);
  }
  fastTotalWeight = total;
  bitmapClear(offlineBitmap, n);
  setTableEnd(end);
  return n;
}

/**
 * Cache::Memcached::Fast ketama: `weight(s)` here is the server's point count (the router computes
 * trunc(points * w + 0.5)). Point 0 = crc32(base + LE32(0)), point i = crc32(base + LE32(point i-1)),
 * base = the name bytes (host, NUL, port). Stable sort: an equal point goes after the earlier server's.
 */
function buildFastKetama(n: u32): u32 {
  let total: u64 = 0;
  for (let s: u32 = 0; s < n; s++) total += weight(s);
  if (total > MAX_POINTS) unreachable();
  if (total == 0) return 0;
  let points = <u32>total;
  let end = placeTable(points, true);
  let items = placeScratch(end, points);
  let p = items;
  for (let s: u32 = 0; s < n; s++) {
    let base = crc32Update(CRC32_INIT, nameOffset(s), nameLength(s));
    let high = <u64>s << 32;
    let prev: u32 = 0;
    for (let c = weight(s); c > 0; c--) {
      let r = crc32Byte(base, prev & 0xff);
      r = crc32Byte(r, (prev >>> 8) & 0xff);
      r = crc32Byte(r, (prev >>> 16) & 0xff);
      r = crc32Byte(r, prev >>> 24);
      prev = ~r;
      store<u64>(p, high | prev);
      p += 8;
    }
  }
  return finishPoints(items, points, end, false);
}

/**
 * Sorts the built points (value, then server) into pointValues / entryServers; returns their count.
 * `lastOfEqual` (a TreeMap's put): of equal points only the last, the highest server's, stays.
 */
function finishPoints(items: usize, points: u32, end: u64, lastOfEqual: bool): u32 {
  sortPoints(items, items + (<usize>points << 3), points);
  let kept: usize = 0;
  for (let i: usize = 0; i < <usize>points; i++) {
    let item = load<u64>(items + (i << 3));
    if (lastOfEqual && kept > 0 && load<u32>(pointValues + ((kept - 1) << 2)) == <u32>item) kept--;
    store<u32>(pointValues + (kept << 2), <u32>item);
    store<i32>(entryServers + (kept << 2), <i32>(item >>> 32));
    kept++;
  }
  bitmapClear(offlineBitmap, <u32>kept);
  setTableEnd(end);
  return <u32>kept;
}

/** The points of server `s` in a table of hashed point names: libmemcached's 100, spymemcached's 160, Dalli's count. */
function namedPoints(dist: i32, s: u32, totalWeight: u64, n: u32): u32 {
  if (dist == DIST_CONTINUUM) return CONTINUUM_POINTS_PER_SERVER;
  if (dist == DIST_SPY_KETAMA) return SPY_POINTS_PER_SERVER;
  // Dalli: (n * 160 * w / Float(total)).floor, the product an exact integer.
  return <u32>floor<f64>(<f64>n * DALLI_POINTS_PER_SERVER * <f64>weight(s) / <f64>totalWeight);
}

/**
 * Points that each hash a whole name, base + separator + decimal(i) for i = 0 .. count - 1:
 * libmemcached's unweighted continuum (100 per server, "-", the key hash), spymemcached ketama
 * with a hash other than MD5 (160, "-", that hash), Dalli (its count, ":", SHA-1 read big-endian).
 * The name is written out whole, so any hash kind serves.
 */
function buildNamedPoints(dist: i32, hash: i32, n: u32): u32 {
  let separator: u8 = dist == DIST_RING ? 0x3a : 0x2d;
  let pointHash = dist == DIST_RING ? HASH_SHA1 : hash;
  let totalWeight: u64 = 0;
  for (let s: u32 = 0; s < n; s++) totalWeight += weight(s);
  let total: u64 = 0;
  for (let s: u32 = 0; s < n; s++) total += namedPoints(dist, s, totalWeight, n);
  if (total > MAX_POINTS) unreachable();
  if (total == 0) return 0;
  let points = <u32>total;
  let longest: usize = 0;
  for (let s: u32 = 0; s < n; s++) longest = max(longest, nameLength(s));
  let end = placeTable(points, true);
  let items = placeScratch(end, points);
  // One point name at a time, written after the points' scratch.
  let name = items + (<usize>points << 4);
  ensureMemory(<u64>name + <u64>longest + SUFFIX_ROOM);
  let p = items;
  for (let s: u32 = 0; s < n; s++) {
    let len = nameLength(s);
    memory.copy(name, nameOffset(s), len);
    store<u8>(name + len, separator);
    let high = <u64>s << 32;
    let count = namedPoints(dist, s, totalWeight, n);
    for (let i: u32 = 0; i < count; i++) {
      let digits = writeDecimal(i);
      memory.copy(name + len + 1, DIGITS, digits);
      store<u64>(p, high | hashBytes(pointHash, name, len + 1 + digits));
      p += 8;
    }
  }
  return finishPoints(items, points, end, treeMapPoints(dist));
}

/**
 * Dalli's ring: SHA-1 points on "host:port:i"; the record after the n servers holds its namespace
 * (weight 1: set, 0: none), which the key hash prefixes. Dalli sorts with Ruby's unstable sort:
 * equal points (as rare as 32-bit collisions) stay in server order here.
 */
function buildRing(n: u32): u32 {
  useNamespace(nameOffset(n), nameLength(n), load<i32>(serversPtr + <usize>n * SERVER_RECORD_BYTES, 8) > 0);
  return buildNamedPoints(DIST_RING, HASH_SHA1, n);
}

/** Sets (down = true) or clears the offline bit of every entry of server `s`. */
export function markServer(s: i32, down: bool): void {
  let entries = entryCount;
  let offline = offlineEntries;
  for (let e: u32 = 0; e < entries; e++) {
    if (load<i32>(entryServers + (<usize>e << 2)) == s && bitAssign(offlineBitmap, e, down)) {
      if (down) offline++;
      else offline--;
    }
  }
  offlineEntries = offline;
}
