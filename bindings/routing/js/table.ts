// Builds the four table kinds of docs/routing-core.md in linear memory, after the names.
// A table is an array of entries, each naming a server, followed by the offline bitmap
// (one bit per entry). Ketama entries are continuum points, kept as two parallel arrays
// (values, then servers) so the binary search reads a dense Uint32Array.

import { Distribution, HashKind } from '../core.js';
import { crc32Byte, crc32Decimal, crc32Final, crc32Update, CRC32_INIT } from './crc32.js';
import { CHAR_DASH, writeDecimal } from './decimal.js';
import { DalliKeys } from './dalli-key.js';
import { fnvByte, fnvDecimal, fnvUpdate, FNV_INIT } from './fnv.js';
import { hashOf } from './hash.js';
import { md5Words } from './md5.js';
import { align8, type LinearMemory, type Regions } from './memory.js';
import { radixSortPoints } from './sort.js';

/** PECL consistent: points per unit of weight (MMC_CONSISTENT_POINTS). */
const CONSISTENT_POINTS = 160;
/** PECL consistent: the continuum is sampled at this many positions (MMC_CONSISTENT_BUCKETS). */
const CONSISTENT_BUCKETS = 1024;
/** floor(0xFFFFFFFF / 1024): the distance between two sampled positions. */
const CONSISTENT_STEP = 4194303;
/** libmemcached: MEMCACHED_POINTS_PER_SERVER_KETAMA (each MD5 digest gives 4 of them). */
const KETAMA_POINTS = 160;
/** Bytes of one entry (an i32 server index, or a u32 point value). */
const ENTRY_BYTES = 4;

/** Where a built table's parts live in memory (byte offsets) and what it routes by. */
export interface TableLayout {
  readonly distribution: Distribution;
  readonly hash: HashKind;
  /** Number of servers (1 means: no hashing, always entry 0). */
  readonly servers: number;
  /** Number of entries. */
  readonly count: number;
  readonly entriesPtr: number;
  /** Ketama point values (the other kinds have none: 0). */
  readonly valuesPtr: number;
  readonly offlinePtr: number;
  /** The end of the table; what lies after it (build scratch) is free again. */
  readonly end: number;
}

/** A built table: its layout plus views on it (re-bound whenever memory grows). */
export class Table {
  readonly distribution: Distribution;
  readonly hash: HashKind;
  readonly servers: number;
  readonly count: number;
  readonly layout: TableLayout;
  /** The server of each entry (Standard/Buckets: weight copies; Consistent: buckets; Ketama: points). */
  entries = new Int32Array(0);
  /** Ketama point values, ascending (empty for the other kinds). */
  values = new Uint32Array(0);
  /** Offline bitmap: bit e & 31 of word e >>> 5 is set while entry e's server is down. */
  offline = new Int32Array(0);
  /** Entries currently offline: lets the common all-up case skip the bitmap. */
  offlineCount = 0;
  /** Rendezvous only: where each server's name starts and ends in memory (the names region outlives the build). */
  nameStarts: Int32Array = new Int32Array(0);
  nameEnds: Int32Array = new Int32Array(0);
  /** FastCompatible only: the sum of the weights. */
  totalWeight = 0;
  /** Ring only: Dalli's final keys under the table's namespace. */
  dalli: DalliKeys | undefined;

  constructor(layout: TableLayout) {
    this.layout = layout;
    this.distribution = layout.distribution;
    this.hash = layout.hash;
    this.servers = layout.servers;
    this.count = layout.count;
  }

  /** The end of the table in memory. */
  get end(): number {
    return this.layout.end;
  }

  /** (Re-)creates the views on `memory`'s current buffer. */
  bind(memory: LinearMemory): void {
    const { buffer } = memory;
    const { entriesPtr, valuesPtr, offlinePtr, count } = this.layout;
    this.entries = new Int32Array(buffer, entriesPtr, count);
    this.values = new Uint32Array(buffer, valuesPtr, hasPoints(this.distribution) ? count : 0);
    this.offline = new Int32Array(buffer, offlinePtr, offlineWords(count));
  }
}

/** Whether a table's entries are continuum points (values + servers). */
export function hasPoints(distribution: Distribution): boolean {
  return distribution === Distribution.Ketama || distribution === Distribution.Continuum || distribution === Distribution.KetamaSorted
    || distribution === Distribution.Hashring || distribution === Distribution.FastCompatible || distribution === Distribution.FastKetama
    || distribution === Distribution.Ring || distribution === Distribution.SpyKetama || distribution === Distribution.SpyKetamaWeighted;
}

function offlineWords(entries: number): number {
  return (entries + 31) >>> 5;
}

/** What build reads from the servers region: server i's name and weight. */
interface ServerList {
  readonly n: number;
  readonly weights: Int32Array;
  readonly nameStarts: Int32Array;
  readonly nameEnds: Int32Array;
}

function readServers(memory: LinearMemory, regions: Regions, n: number): ServerList {
  const i32 = memory.i32;
  const weights = new Int32Array(n);
  const nameStarts = new Int32Array(n);
  const nameEnds = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const at = (regions.servers >> 2) + s * 3;
    nameStarts[s] = regions.names + i32[at];
    nameEnds[s] = nameStarts[s] + i32[at + 1];
    weights[s] = i32[at + 2];
    if (!(weights[s] >= 1)) throw new RangeError(`build: server ${s} has weight ${weights[s]}; weights are integers >= 1`);
  }
  return { n, weights, nameStarts, nameEnds };
}

function totalWeight(list: ServerList): number {
  let total = 0;
  for (let s = 0; s < list.n; s++) total += list.weights[s];
  return total;
}

/**
 * Builds the table for `distribution` over the first `n` servers of the servers region, at
 * `regions.table`, growing memory as needed. Every entry starts online.
 *
 * @throws RangeError for an unknown distribution, a hash the distribution cannot use
 * (Consistent/Standard take Crc32 or Fnv; Buckets and Ketama fix their own), or n outside
 * 1 .. the reserved server count. The router validates its options, so this means a bug.
 */
export function buildTable(
  memory: LinearMemory,
  regions: Regions,
  distribution: Distribution,
  hash: HashKind,
  n: number,
): Table {
  if (!Number.isInteger(n) || n < 1 || n > regions.serverCapacity) {
    throw new RangeError(`build: ${n} servers, but ${regions.serverCapacity} were reserved`);
  }
  const list = readServers(memory, regions, n);
  let table: Table;
  switch (distribution) {
    case Distribution.Standard:
    case Distribution.Buckets:
    case Distribution.PythonBuckets:
      table = buildCopies(memory, regions, list, distribution, checkedKeyHash(distribution, hash));
      break;
    case Distribution.Consistent:
      table = buildConsistent(memory, regions, list, checkedKeyHash(distribution, hash));
      break;
    case Distribution.Ketama:
      table = buildKetama(memory, regions, list, hash, Distribution.Ketama, Array.from({ length: n }, (_, s) => s));
      break;
    case Distribution.KetamaSorted:
      table = buildKetama(memory, regions, list, hash, Distribution.KetamaSorted, twemproxyOrder(memory.u8, list));
      break;
    case Distribution.Hashring:
    case Distribution.SpyKetamaWeighted:
      table = buildKetama(memory, regions, list, hash, distribution, Array.from({ length: n }, (_, s) => s));
      break;
    case Distribution.SpyKetama:
      // spymemcached makes MD5 digests only with KETAMA_HASH; another hash hashes 160 point names.
      table = hash === HashKind.Md5
        ? buildKetama(memory, regions, list, hash, distribution, Array.from({ length: n }, (_, s) => s))
        : buildNamedPoints(memory, regions, list, distribution, hash);
      break;
    case Distribution.Continuum:
      table = buildNamedPoints(memory, regions, list, distribution, hash);
      break;
    case Distribution.Ring:
      table = buildRing(memory, regions, list);
      break;
    case Distribution.Modula:
      table = buildEntries(memory, regions, list, distribution, hash, Array.from({ length: n }, (_, s) => s));
      break;
    case Distribution.Ch3:
      table = buildEntries(memory, regions, list, distribution, hash, Array.from({ length: n }, (_, s) => s));
      break;
    case Distribution.Rendezvous:
      table = buildEntries(memory, regions, list, distribution, hash, Array.from({ length: n }, (_, s) => s));
      table.nameStarts = list.nameStarts;
      table.nameEnds = list.nameEnds;
      break;
    case Distribution.FastCompatible:
      table = buildFastCompatible(memory, regions, list);
      break;
    case Distribution.FastKetama:
      table = buildFastKetama(memory, regions, list);
      break;
    case Distribution.ModulaCopies:
      table = buildEntries(memory, regions, list, distribution, hash, copies(list, Array.from({ length: n }, (_, s) => s)));
      break;
    case Distribution.ModulaSorted:
      table = buildEntries(memory, regions, list, distribution, hash, copies(list, twemproxyOrder(memory.u8, list)));
      break;
    default:
      throw new RangeError(`build: unknown distribution ${String(distribution)}`);
  }
  table.bind(memory);
  table.offline.fill(0);
  return table;
}

/** The key hash a distribution uses: PECL's two choices, or the one Perl's client hardwires. */
function checkedKeyHash(distribution: Distribution, hash: HashKind): HashKind {
  if (distribution === Distribution.Buckets || distribution === Distribution.PythonBuckets) return HashKind.Crc32;
  if (hash === HashKind.Crc32 || hash === HashKind.Fnv) return hash;
  throw new RangeError(`build: distribution ${distribution} hashes with crc32 or fnv, not hash ${String(hash)}`);
}

/** Standard and Buckets: `weight` copies of each server index, in server order. */
function buildCopies(memory: LinearMemory, regions: Regions, list: ServerList, distribution: Distribution, hash: HashKind): Table {
  const count = totalWeight(list);
  const entriesPtr = regions.table;
  const offlinePtr = align8(entriesPtr + count * ENTRY_BYTES);
  const end = align8(offlinePtr + offlineWords(count) * 4);
  memory.ensure(end);
  const i32 = memory.i32;
  let e = entriesPtr >> 2;
  for (let s = 0; s < list.n; s++) {
    for (let w = list.weights[s]; w > 0; w--) i32[e++] = s;
  }
  return new Table({ distribution, hash, servers: list.n, count, entriesPtr, valuesPtr: 0, offlinePtr, end });
}

/** `weight` copies of each server index, in `order`. */
function copies(list: ServerList, order: readonly number[]): number[] {
  const out: number[] = [];
  for (const s of order) for (let w = list.weights[s]; w > 0; w--) out.push(s);
  return out;
}

/** twemproxy's server order (conf_validate_server): shorter names first, then bytewise, then list order. */
function twemproxyOrder(u8: Uint8Array, list: ServerList): number[] {
  const order = Array.from({ length: list.n }, (_, s) => s);
  return order.sort((a, b) => {
    const la = list.nameEnds[a] - list.nameStarts[a], lb = list.nameEnds[b] - list.nameStarts[b];
    if (la !== lb) return la - lb;
    for (let i = 0; i < la; i++) {
      const d = u8[list.nameStarts[a] + i] - u8[list.nameStarts[b] + i];
      if (d !== 0) return d;
    }
    return a - b;
  });
}

/** The modula kinds: the entries are the given server indexes, looked up by hash % count. */
function buildEntries(memory: LinearMemory, regions: Regions, list: ServerList, distribution: Distribution, hash: HashKind, servers: readonly number[]): Table {
  const count = servers.length;
  const entriesPtr = regions.table;
  const offlinePtr = align8(entriesPtr + count * ENTRY_BYTES);
  const end = align8(offlinePtr + offlineWords(count) * 4);
  memory.ensure(end);
  memory.i32.set(servers, entriesPtr >> 2);
  return new Table({ distribution, hash, servers: list.n, count, entriesPtr, valuesPtr: 0, offlinePtr, end });
}

/**
 * PECL consistent: 160 points per weight unit at hash(name + "-" + i), sorted, then sampled at
 * 1024 evenly spaced positions. The points live in scratch after the table and are dropped.
 */
function buildConsistent(memory: LinearMemory, regions: Regions, list: ServerList, hash: HashKind): Table {
  const points = totalWeight(list) * CONSISTENT_POINTS;
  const entriesPtr = regions.table;
  const offlinePtr = align8(entriesPtr + CONSISTENT_BUCKETS * ENTRY_BYTES);
  const end = align8(offlinePtr + offlineWords(CONSISTENT_BUCKETS) * 4);
  const valuesPtr = end;
  const serversPtr = align8(valuesPtr + points * 4);
  const tmpValuesPtr = align8(serversPtr + points * 4);
  const tmpServersPtr = align8(tmpValuesPtr + points * 4);
  memory.ensure(tmpServersPtr + points * 4);
  const { buffer, u8 } = memory;
  const values = new Uint32Array(buffer, valuesPtr, points);
  const servers = new Int32Array(buffer, serversPtr, points);

  const fnv = hash === HashKind.Fnv;
  let p = 0;
  for (let s = 0; s < list.n; s++) {
    const start = list.nameStarts[s];
    const nameEnd = list.nameEnds[s];
    // The name and its "-" are common to all of a server's points: hash them once.
    const prefix = fnv
      ? fnvByte(fnvUpdate(FNV_INIT, u8, start, nameEnd), CHAR_DASH)
      : crc32Byte(crc32Update(CRC32_INIT, u8, start, nameEnd), CHAR_DASH);
    const own = list.weights[s] * CONSISTENT_POINTS;
    for (let i = 0; i < own; i++) {
      values[p] = fnv ? fnvDecimal(prefix, i) >>> 0 : crc32Final(crc32Decimal(prefix, i));
      servers[p++] = s;
    }
  }
  radixSortPoints(values, servers, new Uint32Array(buffer, tmpValuesPtr, points), new Int32Array(buffer, tmpServersPtr, points), points);

  // Positions rise with b, so one forward scan finds every "first point >= position".
  const i32 = memory.i32;
  const e0 = entriesPtr >> 2;
  let first = 0;
  for (let b = 0; b < CONSISTENT_BUCKETS; b++) {
    const position = b * CONSISTENT_STEP;
    while (first < points && values[first] < position) first++;
    i32[e0 + b] = servers[first < points ? first : 0];
  }
  return new Table({
    distribution: Distribution.Consistent, hash, servers: list.n, count: CONSISTENT_BUCKETS, entriesPtr, valuesPtr: 0, offlinePtr, end,
  });
}

/**
 * libmemcached's weighted ketama point count for one server, in float32 as its C code computes
 * it (`floor(pct * 160 / 4 * (float)n + 0.0000000001) * 4`). The double 1e-10 is left out: it is
 * added after the float32 product, and no float32 below an integer k >= 1 lies within 1e-10 of k,
 * so it never changes the floor.
 */
export function ketamaPointCount(weight: number, total: number, n: number): number {
  const f = Math.fround;
  const pct = f(f(weight) / f(total));
  const x = f(f(f(pct * KETAMA_POINTS) / 4) * f(n));
  return Math.floor(x) * 4;
}

/** hashring (npm memcached, memcache-plus): floor(w / total * 40 * n) digests in double precision, 4 points each. */
export function hashringPointCount(weight: number, total: number, n: number): number {
  return Math.floor((weight / total) * HASHRING_DIGESTS * n) * 4;
}

/** hashring's digests per server at equal weights. */
const HASHRING_DIGESTS = 40;
/** spymemcached: points per server (its nodeRepetitions), 40 MD5 digests of 4 with KETAMA_HASH. */
const SPY_POINTS = 160;

/** How a ketama-family table counts a server's MD5-digest points: hashring's, spymemcached's fixed 160, or libmemcached's. */
function digestPointCount(distribution: Distribution): (weight: number, total: number, n: number) => number {
  if (distribution === Distribution.Hashring) return hashringPointCount;
  if (distribution === Distribution.SpyKetama) return () => SPY_POINTS;
  return ketamaPointCount;
}

/** spymemcached puts its points in a TreeMap: an equal point replaces the one before it, so the later server keeps it. */
function isTreeMap(distribution: Distribution): boolean {
  return distribution === Distribution.SpyKetama || distribution === Distribution.SpyKetamaWeighted;
}

/** Scratch for one point name, `name + "-" + decimal(i)`; grows with the longest name. */
let nameScratch = new Uint8Array(256);

/**
 * The server name at [start, end) of `u8` followed by `separator`, in a shared scratch buffer with
 * room for the point number after it (up to 10 digits); valid until the next call.
 */
function pointNamePrefix(u8: Uint8Array, start: number, end: number, separator: number): Uint8Array {
  const nameLength = end - start;
  if (nameScratch.length < nameLength + 11) nameScratch = new Uint8Array(nameLength + 11);
  nameScratch.set(u8.subarray(start, end));
  nameScratch[nameLength] = separator;
  return nameScratch;
}
const digest = new Int32Array(4);

/**
 * Ketama: points (4 per MD5 digest of name + "-" + i), sorted; the points are the entries; keys hashed with `hash`.
 * The servers' points are made in `order` (twemproxy: name order), which settles equal points;
 * spymemcached's TreeMap keeps one server per point value.
 */
function buildKetama(
  memory: LinearMemory, regions: Regions, list: ServerList, hash: HashKind, distribution: Distribution, order: readonly number[],
): Table {
  const total = totalWeight(list);
  let points = 0;
  const count = digestPointCount(distribution);
  for (let s = 0; s < list.n; s++) points += count(list.weights[s], total, list.n);
  const { valuesPtr, entriesPtr, offlinePtr, end, values, servers, sort } = placePoints(memory, regions, points);
  const u8 = memory.u8;

  let p = 0;
  for (const s of order) {
    const nameLength = list.nameEnds[s] - list.nameStarts[s];
    const name = pointNamePrefix(u8, list.nameStarts[s], list.nameEnds[s], CHAR_DASH);
    const digests = count(list.weights[s], total, list.n) / 4;
    for (let i = 0; i < digests; i++) {
      md5Words(name, 0, writeDecimal(name, nameLength + 1, i), digest);
      for (let k = 0; k < 4; k++) {
        values[p] = digest[k] >>> 0;
        servers[p++] = s;
      }
    }
  }
  const kept = sort(isTreeMap(distribution));
  return new Table({ distribution, hash, servers: list.n, count: kept, entriesPtr, valuesPtr, offlinePtr, end });
}

/** Places a points table (values, servers, bitmap) of `points` entries with scratch for sorting after it. */
function placePoints(memory: LinearMemory, regions: Regions, points: number) {
  const valuesPtr = regions.table;
  const entriesPtr = align8(valuesPtr + points * 4);
  const offlinePtr = align8(entriesPtr + points * ENTRY_BYTES);
  const end = align8(offlinePtr + offlineWords(points) * 4);
  const tmpValuesPtr = end;
  const tmpServersPtr = align8(tmpValuesPtr + points * 4);
  memory.ensure(tmpServersPtr + points * 4);
  const { buffer } = memory;
  return {
    valuesPtr, entriesPtr, offlinePtr, end,
    values: new Uint32Array(buffer, valuesPtr, points), servers: new Int32Array(buffer, entriesPtr, points),
    /** Sorts the points (value, then server); `lastOfEqual` (a TreeMap's put) keeps only the last of equal points. Returns the count kept. */
    sort: (lastOfEqual = false): number => {
      const sortedValues = new Uint32Array(buffer, valuesPtr, points);
      const sortedServers = new Int32Array(buffer, entriesPtr, points);
      radixSortPoints(sortedValues, sortedServers, new Uint32Array(buffer, tmpValuesPtr, points), new Int32Array(buffer, tmpServersPtr, points), points);
      if (!lastOfEqual) return points;
      let kept = 0;
      for (let i = 0; i < points; i++) {
        if (kept > 0 && sortedValues[kept - 1] === sortedValues[i]) kept--;
        sortedValues[kept] = sortedValues[i];
        sortedServers[kept++] = sortedServers[i];
      }
      return kept;
    },
  };
}

/** Cache::Memcached::Fast compatible: per server, total += w, earlier points p → trunc(p - p * (w / total)), then 0xFFFFFFFF. */
function buildFastCompatible(memory: LinearMemory, regions: Regions, list: ServerList): Table {
  const t = placePoints(memory, regions, list.n);
  let total = 0;
  for (let s = 0; s < list.n; s++) {
    const w = list.weights[s];
    total += w;
    for (let j = 0; j < s; j++) t.values[j] = Math.trunc(t.values[j] - t.values[j] * (w / total));
    t.values[s] = 0xffffffff;
    t.servers[s] = s;
  }
  const table = new Table({
    distribution: Distribution.FastCompatible, hash: HashKind.Crc32, servers: list.n, count: list.n,
    entriesPtr: t.entriesPtr, valuesPtr: t.valuesPtr, offlinePtr: t.offlinePtr, end: t.end,
  });
  table.totalWeight = total;
  return table;
}

/** Cache::Memcached::Fast ketama: `weights[s]` is the point count; point i = crc32(name + LE32(point i-1)), point -1 = 0. */
function buildFastKetama(memory: LinearMemory, regions: Regions, list: ServerList): Table {
  const points = totalWeight(list);
  const t = placePoints(memory, regions, points);
  const u8 = memory.u8;
  let p = 0;
  for (let s = 0; s < list.n; s++) {
    const base = crc32Update(CRC32_INIT, u8, list.nameStarts[s], list.nameEnds[s]);
    let prev = 0;
    for (let c = list.weights[s]; c > 0; c--) {
      let r = crc32Byte(base, prev & 0xff);
      r = crc32Byte(r, (prev >>> 8) & 0xff);
      r = crc32Byte(r, (prev >>> 16) & 0xff);
      r = crc32Byte(r, prev >>> 24);
      prev = ~r >>> 0;
      t.values[p] = prev;
      t.servers[p++] = s;
    }
  }
  t.sort();
  return new Table({
    distribution: Distribution.FastKetama, hash: HashKind.Crc32, servers: list.n, count: points,
    entriesPtr: t.entriesPtr, valuesPtr: t.valuesPtr, offlinePtr: t.offlinePtr, end: t.end,
  });
}

/** libmemcached unweighted consistent: per server MEMCACHED_POINTS_PER_SERVER points. */
const CONTINUUM_POINTS = 100;
/** Dalli: points per server at equal weights (Ring::POINTS_PER_SERVER). */
const DALLI_POINTS = 160;

/** The points of a server in a table of hashed point names: libmemcached's 100, spymemcached's 160, Dalli's count. */
function namedPointCount(distribution: Distribution, weight: number, total: number, n: number): number {
  if (distribution === Distribution.Continuum) return CONTINUUM_POINTS;
  if (distribution === Distribution.SpyKetama) return SPY_POINTS;
  // Dalli: (n * 160 * w / Float(total)).floor, the product an exact integer.
  return Math.floor((n * DALLI_POINTS * weight) / total);
}

/**
 * Points that each hash a whole name, name + separator + decimal(i) for i = 0 .. count - 1, sorted by value then server:
 * libmemcached's unweighted continuum (100 per server, "-", the key hash), spymemcached ketama with a hash other
 * than MD5 (160, "-", that hash; a TreeMap), Dalli (its count, ":", SHA-1 read big-endian).
 */
function buildNamedPoints(memory: LinearMemory, regions: Regions, list: ServerList, distribution: Distribution, hash: HashKind): Table {
  const ring = distribution === Distribution.Ring;
  const separator = ring ? CHAR_COLON : CHAR_DASH;
  const pointHash = ring ? HashKind.Sha1 : hash;
  const total = totalWeight(list);
  let points = 0;
  for (let s = 0; s < list.n; s++) points += namedPointCount(distribution, list.weights[s], total, list.n);
  const { valuesPtr, entriesPtr, offlinePtr, end, values, servers, sort } = placePoints(memory, regions, points);
  const u8 = memory.u8;

  let p = 0;
  for (let s = 0; s < list.n; s++) {
    const nameLength = list.nameEnds[s] - list.nameStarts[s];
    const name = pointNamePrefix(u8, list.nameStarts[s], list.nameEnds[s], separator);
    const count = namedPointCount(distribution, list.weights[s], total, list.n);
    for (let i = 0; i < count; i++) {
      values[p] = hashOf(pointHash, name, 0, writeDecimal(name, nameLength + 1, i));
      servers[p++] = s;
    }
  }
  const kept = sort(isTreeMap(distribution));
  return new Table({ distribution, hash, servers: list.n, count: kept, entriesPtr, valuesPtr, offlinePtr, end });
}

/** ASCII ':', Dalli's separator in point names ("host:port:i"). */
const CHAR_COLON = 0x3a;

/**
 * Dalli's ring: SHA-1 points on "host:port:i"; the record after the n servers holds its namespace (weight 1:
 * set, 0: none), which the key hash prefixes. Dalli sorts with Ruby's unstable sort: equal points (as rare as
 * 32-bit collisions) stay in server order here.
 */
function buildRing(memory: LinearMemory, regions: Regions, list: ServerList): Table {
  if (list.n >= regions.serverCapacity) throw new RangeError(`build: Ring reads a namespace record after the ${list.n} servers; reserve ${list.n + 1}`);
  const at = (regions.servers >> 2) + list.n * 3;
  const i32 = memory.i32;
  const namespace = i32[at + 2] > 0 ? memory.u8.slice(regions.names + i32[at], regions.names + i32[at] + i32[at + 1]) : undefined;
  const table = buildNamedPoints(memory, regions, list, Distribution.Ring, HashKind.Crc32);
  table.dalli = new DalliKeys(namespace);
  return table;
}
