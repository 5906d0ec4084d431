// Standard CRC-32 (IEEE 802.3): reflected polynomial, init and final xor 0xFFFFFFFF,
// computed slicing-by-8. `crc32Update` works on the raw register, so a hash can be
// continued over more bytes (the "-" + decimal(i) rehash suffixes) without copying.

/** The reflected CRC-32 polynomial. */
const CRC32_POLY: u32 = 0xEDB88320;
/** Initial register value; also the final xor. */
export const CRC32_INIT: u32 = 0xFFFFFFFF;
/** Bytes in one 256-entry u32 table (8 of them: 8 << 10 bytes). */
const TABLE_BYTES: usize = 256 << 2;
/**
 * Eight tables: T0 is the byte-at-a-time table, Tk[b] is the contribution of byte b
 * followed by k zero bytes (Tk[b] = (Tk-1[b] >>> 8) ^ T0[Tk-1[b] & 0xff]).
 */
const CRC_TABLES: usize = memory.data(8 << 10, 64);

function initTables(): void {
  for (let b: u32 = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (CRC32_POLY & (0 - (c & 1)));
    store<u32>(CRC_TABLES + (<usize>b << 2), c);
  }
  for (let t: usize = 1; t < 8; t++) {
    for (let b: usize = 0; b < 256; b++) {
      let prev = load<u32>(CRC_TABLES + (t - 1) * TABLE_BYTES + (b << 2));
      store<u32>(CRC_TABLES + t * TABLE_BYTES + (b << 2), (prev >>> 8) ^ load<u32>(CRC_TABLES + ((<usize>prev & 0xff) << 2)));
    }
  }
}
initTables();

/** Byte offset of entry `byte` within one table; the table's address is the load immediate. */
// @ts-ignore: decorator
@inline function slot(byte: u32): usize {
  return <usize>byte << 2;
}

/** Continues the CRC register `crc` over one byte. */
// @ts-ignore: decorator
@inline export function crc32Byte(crc: u32, byte: u32): u32 {
  return (crc >>> 8) ^ load<u32>(slot((crc ^ byte) & 0xff), CRC_TABLES);
}

/** Continues the CRC register `crc` (not finalized) over `len` bytes at `ptr`. */
// @ts-ignore: decorator
@inline export function crc32Update(crc: u32, ptr: usize, len: usize): u32 {
  let end = ptr + len;
  while (ptr + 8 <= end) {
    let one = load<u32>(ptr) ^ crc;
    let two = load<u32>(ptr, 4);
    crc =
      load<u32>(slot(one & 0xff), CRC_TABLES + 7 * TABLE_BYTES) ^
      load<u32>(slot((one >>> 8) & 0xff), CRC_TABLES + 6 * TABLE_BYTES) ^
      load<u32>(slot((one >>> 16) & 0xff), CRC_TABLES + 5 * TABLE_BYTES) ^
      load<u32>(slot(one >>> 24), CRC_TABLES + 4 * TABLE_BYTES) ^
      load<u32>(slot(two & 0xff), CRC_TABLES + 3 * TABLE_BYTES) ^
      load<u32>(slot((two >>> 8) & 0xff), CRC_TABLES + 2 * TABLE_BYTES) ^
      load<u32>(slot((two >>> 16) & 0xff), CRC_TABLES + TABLE_BYTES) ^
      load<u32>(slot(two >>> 24), CRC_TABLES);
    ptr += 8;
  }
  if (ptr + 4 <= end) {
    let one = load<u32>(ptr) ^ crc;
    crc =
      load<u32>(slot(one & 0xff), CRC_TABLES + 3 * TABLE_BYTES) ^
      load<u32>(slot((one >>> 8) & 0xff), CRC_TABLES + 2 * TABLE_BYTES) ^
      load<u32>(slot((one >>> 16) & 0xff), CRC_TABLES + TABLE_BYTES) ^
      load<u32>(slot(one >>> 24), CRC_TABLES);
    ptr += 4;
  }
  while (ptr < end) {
    crc = crc32Byte(crc, load<u8>(ptr));
    ptr++;
  }
  return crc;
}

/** CRC-32 of `len` bytes at `ptr`. */
// @ts-ignore: decorator
@inline export function crc32(ptr: usize, len: usize): u32 {
  return ~crc32Update(CRC32_INIT, ptr, len);
}

/** The 15-bit hash of PECL standard and Perl: (crc32 >>> 16) & 0x7fff. */
// @ts-ignore: decorator
@inline export function crc15(crc: u32): u32 {
  return (crc >>> 16) & 0x7fff;
}
