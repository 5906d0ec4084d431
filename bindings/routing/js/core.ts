// The pure-TypeScript routing core: the same `Core` contract and memory layout as the WASM
// build of assembly/, for runtimes where WASM cannot load and as the benchmark baseline.
// Both are specified by docs/routing-core.md and must agree bit for bit.

import { Distribution, HashKind, type Core, type Failover } from '../core.js';
import { fastlzDecompress } from './fastlz.js';
import { hashOf } from './hash.js';
import { LinearMemory, Regions } from './memory.js';
import { ownerOf, routeKey } from './route.js';
import { buildTable, Table } from './table.js';

class JsCore implements Core {
  readonly memory = new LinearMemory();
  private readonly regions = new Regions();
  private table = this.noTable();

  /** Stands in for a table before build (and after reserveServers): every lookup answers -1. */
  private noTable(): Table {
    const table = new Table({
      distribution: Distribution.Consistent, hash: HashKind.Crc32, servers: 0, count: 0, entriesPtr: 0, valuesPtr: 0, offlinePtr: 0, end: 0,
    });
    table.bind(this.memory);
    return table;
  }

  reserveServers(servers: number, nameBytes: number): void {
    this.regions.placeServers(servers, nameBytes);
    this.memory.ensure(this.regions.table);
    this.table = this.noTable();
  }

  build(distribution: Distribution, hash: HashKind, servers: number): number {
    this.table = buildTable(this.memory, this.regions, distribution, hash, servers);
    this.regions.placeTableEnd(this.table.end);
    return this.table.count;
  }

  reserveKeys(keyBytes: number, keys: number): void {
    this.regions.placeKeys(keyBytes, keys);
    if (this.memory.ensure(this.regions.end)) this.table.bind(this.memory);
  }

  serversPtr(): number {
    return this.regions.servers;
  }

  namesPtr(): number {
    return this.regions.names;
  }

  keysPtr(): number {
    return this.regions.keys;
  }

  offsetsPtr(): number {
    return this.regions.offsets;
  }

  outPtr(): number {
    return this.regions.out;
  }

  setDown(server: number, down: number): void {
    const { entries, offline, count } = this.table;
    let changed = 0;
    for (let e = 0; e < count; e++) {
      if (entries[e] !== server) continue;
      const bit = 1 << (e & 31);
      const word = offline[e >>> 5];
      if (down !== 0 && (word & bit) === 0) {
        offline[e >>> 5] = word | bit;
        changed++;
      } else if (down === 0 && (word & bit) !== 0) {
        offline[e >>> 5] = word & ~bit;
        changed--;
      }
    }
    this.table.offlineCount += changed;
  }

  owner(ptr: number, len: number): number {
    return ownerOf(this.table, this.memory.u8, ptr, ptr + len);
  }

  route(ptr: number, len: number, failover: Failover): number {
    return routeKey(this.table, this.memory.u8, ptr, ptr + len, failover);
  }

  routeMany(count: number, failover: Failover): void {
    const { u8, i32 } = this.memory;
    const table = this.table;
    const keys = this.regions.keys;
    const offsets = this.regions.offsets >> 2;
    const out = this.regions.out >> 2;
    let start = keys + i32[offsets];
    for (let i = 0; i < count; i++) {
      const end = keys + i32[offsets + i + 1];
      i32[out + i] = routeKey(table, u8, start, end, failover);
      start = end;
    }
  }

  hash(kind: HashKind, ptr: number, len: number): number {
    return hashOf(kind, this.memory.u8, ptr, ptr + len);
  }

  reserveScratch(bytes: number): number {
    const start = this.regions.end;
    if (this.memory.ensure(start + bytes)) this.table.bind(this.memory);
    return start;
  }

  fastlz(src: number, srcLen: number, dst: number, dstCap: number): number {
    return fastlzDecompress(this.memory.u8, src, srcLen, dst, dstCap);
  }
}

/**
 * A fresh pure-TypeScript core with its own memory: drop-in for the WASM core (same `Core`
 * contract, same regions and results), used where WASM cannot load and as the baseline it is
 * benchmarked against.
 */
export function createJsCore(): Core {
  return new JsCore();
}
