// Linear memory after the static data, in this order (every region 8-byte aligned):
//
//   [static: hash tables] [servers] [names] [table: entries + offline bitmap] [keys] [offsets] [out] [scratch]
//
// `build` uses the space after the table as scratch while it sorts points; the key regions
// are placed after the finished table. Each placement grows memory when needed.

/** Alignment of every region. */
const REGION_ALIGN: usize = 8;
/** Bytes per page of linear memory. */
const PAGE_BYTES_LOG2: u64 = 16;
/** Bytes per server record: nameOffset, nameLength, weight (i32 each). */
export const SERVER_RECORD_BYTES: usize = 12;

/** Start of the first region: the heap base, aligned. */
const REGIONS_START: usize = (__heap_base + REGION_ALIGN - 1) & ~(REGION_ALIGN - 1);

export let serversPtr: usize = REGIONS_START;
export let namesPtr: usize = REGIONS_START;
/** Start of the table (entries + bitmap), right after the names. */
export let tablePtr: usize = REGIONS_START;
/** End of the built table (== tablePtr while no table is built). */
export let tableEnd: usize = REGIONS_START;
export let keysPtr: usize = REGIONS_START;
export let offsetsPtr: usize = REGIONS_START;
export let outPtr: usize = REGIONS_START;

/** Capacities of the last reserveKeys, kept so the key regions follow the table when it moves. */
let keyBytesCapacity: u64 = 0;
let keysCapacity: u64 = 0;

/** `p` rounded up to the region alignment. */
// @ts-ignore: decorator
@inline export function align(p: u64): u64 {
  return (p + <u64>(REGION_ALIGN - 1)) & ~<u64>(REGION_ALIGN - 1);
}

/** Grows memory so that bytes [0, end) exist; traps when that is impossible. */
export function ensureMemory(end: u64): usize {
  let pages = (end + (1 << PAGE_BYTES_LOG2) - 1) >> PAGE_BYTES_LOG2;
  let have = <u64>memory.size();
  if (pages > have) {
    if (pages > 0x10000 || memory.grow(<i32>(pages - have)) < 0) unreachable();
  }
  return <usize>end;
}

/** Places `servers` and `names`; the table is gone, the key regions follow the names. */
export function placeServers(servers: u32, nameBytes: u32): void {
  serversPtr = REGIONS_START;
  let names = align(<u64>serversPtr + <u64>servers * SERVER_RECORD_BYTES);
  let end = align(names + <u64>nameBytes);
  ensureMemory(end);
  namesPtr = <usize>names;
  tablePtr = <usize>end;
  tableEnd = <usize>end;
  placeKeys();
}

/** Marks the table as ending at `end` (from tablePtr) and moves the key regions after it. */
export function setTableEnd(end: u64): void {
  tableEnd = ensureMemory(align(end));
  placeKeys();
}

/** Records the key capacities and places the key regions after the table. */
export function reserveKeyRegions(keyBytes: u32, keys: u32): void {
  keyBytesCapacity = keyBytes;
  keysCapacity = keys;
  placeKeys();
}

function placeKeys(): void {
  let keys = <u64>tableEnd;
  let offsets = align(keys + keyBytesCapacity);
  let out = align(offsets + ((keysCapacity + 1) << 2));
  ensureMemory(out + (keysCapacity << 2));
  keysPtr = <usize>keys;
  offsetsPtr = <usize>offsets;
  outPtr = <usize>out;
}

/**
 * Grows memory for `bytes` of scratch after the key regions and returns where it starts. It is
 * valid until the next placement (servers, table or keys).
 */
export function reserveScratch(bytes: u32): usize {
  let start = align(<u64>outPtr + (keysCapacity << 2));
  ensureMemory(start + <u64>bytes);
  return <usize>start;
}
