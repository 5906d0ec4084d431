// failback's routing core: the `Core` interface of bindings/routing/core.ts, compiled to WASM.
// Integers only across the boundary; see docs/routing-core.md for the algorithms.

import * as layout from "./layout";
import { buildTable, markServer } from "./table";
import { ownerOf, routeKey, routeKeys } from "./route";
import { hashBytes } from "./hash";
import { fastlzDecompress } from "./fastlz";

/** Places `servers` (n × 3 i32) and `names` (nameBytes); discards the table. */
export function reserveServers(servers: u32, nameBytes: u32): void {
  layout.placeServers(servers, nameBytes);
  buildTable(0, 0, 0);
}

/** Builds the table from the servers and names; clears every down mark; returns the entry count. */
export function build(distribution: i32, hash: i32, servers: u32): u32 {
  return buildTable(distribution, hash, servers);
}

/** Places `keys` (keyBytes), `offsets` ((keys + 1) × i32) and `out` (keys × i32) after the table. */
export function reserveKeys(keyBytes: u32, keys: u32): void {
  layout.reserveKeyRegions(keyBytes, keys);
}

export function serversPtr(): usize { return layout.serversPtr; }
export function namesPtr(): usize { return layout.namesPtr; }
export function keysPtr(): usize { return layout.keysPtr; }
export function offsetsPtr(): usize { return layout.offsetsPtr; }
export function outPtr(): usize { return layout.outPtr; }

/** Marks server `server` down (1) or up (0). */
export function setDown(server: i32, down: i32): void {
  markServer(server, down != 0);
}

/** The server owning the key at [ptr, ptr + len), ignoring health; -1 without a table. */
export function owner(ptr: usize, len: usize): i32 {
  return ownerOf(ptr, len);
}

/** The server to use now for the key under `failover` (0 Offline, 1 Redistribute), or -1. */
export function route(ptr: usize, len: usize, failover: i32): i32 {
  return routeKey(ptr, len, failover);
}

/** route() of `count` keys: key i is keys[offsets[i] .. offsets[i+1]); result in out[i]. */
export function routeMany(count: u32, failover: i32): void {
  routeKeys(count, failover);
}

/** Hash `kind` (HashKind of bindings/routing/core.ts) of `len` bytes at `ptr`, as i32 (apply `>>> 0`). */
export function hash(kind: i32, ptr: usize, len: usize): u32 {
  return hashBytes(kind, ptr, len);
}

/** Reserves `bytes` of scratch after the key regions (valid until the next reserve or build); returns its start. */
export function reserveScratch(bytes: u32): usize {
  return layout.reserveScratch(bytes);
}

/** FastLZ-decompresses `srcLen` bytes at `src` into at most `dstCap` bytes at `dst`; bytes written, or -1. */
export function fastlz(src: usize, srcLen: usize, dst: usize, dstCap: usize): i32 {
  return fastlzDecompress(src, srcLen, dst, dstCap);
}
