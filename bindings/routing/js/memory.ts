// The twin's stand-in for a WebAssembly.Memory, and where its regions go. Growing replaces
// `buffer` with a bigger copy and detaches the old one, as memory.grow does, so a caller that
// keeps a stale view fails the same way on both engines instead of silently reading old bytes.

/** WebAssembly page size: memory grows in whole pages, like the WASM core's. */
export const PAGE_BYTES = 65536;
/**
 * Where the first region starts. The WASM core keeps its static tables below its regions; the
 * twin's tables are module constants shared by every core, so only a small gap remains, kept so
 * that no region ever starts at 0.
 */
export const HEAP_BASE = 8;

/** Rounds a byte offset up to the 8-byte alignment every region has. */
export function align8(offset: number): number {
  return (offset + 7) & ~7;
}

/** Growable linear memory with cached views (re-created on every growth). */
export class LinearMemory {
  /** The current bytes; replaced (and the old one detached) when the memory grows. */
  buffer: ArrayBuffer;
  u8: Uint8Array;
  i32: Int32Array;
  u32: Uint32Array;

  constructor(bytes = PAGE_BYTES) {
    this.buffer = new ArrayBuffer(bytes);
    this.u8 = new Uint8Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
  }

  /**
   * Makes bytes `[0, end)` addressable. Returns true when the buffer was replaced: every view
   * anyone holds on the old buffer is then dead.
   */
  ensure(end: number): boolean {
    const old = this.buffer;
    if (end <= old.byteLength) return false;
    // At least doubling keeps a run of growing reservations linear overall.
    const pages = Math.ceil(Math.max(end, old.byteLength * 2) / PAGE_BYTES);
    const next = new ArrayBuffer(pages * PAGE_BYTES);
    new Uint8Array(next).set(this.u8);
    this.buffer = next;
    this.u8 = new Uint8Array(next);
    this.i32 = new Int32Array(next);
    this.u32 = new Uint32Array(next);
    detach(old);
    return true;
  }
}

/** Detaches `buffer` (as WebAssembly.Memory.grow does to its old buffer) where the runtime can. */
function detach(buffer: ArrayBuffer): void {
  if (typeof structuredClone === 'function') {
    // Transferring moves the backing store to a clone we drop: no copy, and `buffer` is detached.
    structuredClone(buffer, { transfer: [buffer] });
  }
}

/**
 * The byte offsets of the regions, in memory order:
 * `[HEAP_BASE] servers | names | table (+ build scratch) | keys | offsets | out`.
 */
export class Regions {
  servers = HEAP_BASE;
  /** Servers reserved by the last reserveServers (build reads at most this many). */
  serverCapacity = 0;
  names = HEAP_BASE;
  /** Where the table starts; the end of names. */
  table = HEAP_BASE;
  /** The end of the table (its entries and offline bitmap); keys start here. */
  tableEnd = HEAP_BASE;
  keys = HEAP_BASE;
  offsets = HEAP_BASE;
  out = HEAP_BASE;
  /** The end of `out`: every byte the core uses lies below. */
  end = HEAP_BASE;

  /** Places servers and names, and forgets the table and keys placed after them. */
  placeServers(servers: number, nameBytes: number): void {
    this.servers = HEAP_BASE;
    this.serverCapacity = servers;
    this.names = align8(this.servers + servers * 12);
    this.table = align8(this.names + nameBytes);
    this.placeTableEnd(this.table);
  }

  /** Records where the built table ends; the key regions restart there, empty. */
  placeTableEnd(tableEnd: number): void {
    this.tableEnd = tableEnd;
    this.keys = this.offsets = this.out = this.end = tableEnd;
  }

  /** Places `keyBytes` of keys, `keys + 1` offsets and `keys` results after the table. */
  placeKeys(keyBytes: number, keys: number): void {
    this.keys = this.tableEnd;
    this.offsets = align8(this.keys + keyBytes);
    this.out = align8(this.offsets + (keys + 1) * 4);
    this.end = align8(this.out + keys * 4);
  }
}
