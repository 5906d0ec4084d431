// Standard CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF),
// slicing-by-8. The update functions work on the raw register (not finalized), so a hash can be
// continued over a suffix ("-" + decimal(i)) or started on a prefix (Perl's decimal(tries) + key)
// without concatenating bytes.

import { CHAR_0, leadingPlace } from './decimal.js';

/** The reflected CRC-32 polynomial. */
const CRC32_POLY = 0xedb88320;
/** Initial register value (0xFFFFFFFF as an i32); also the final xor. */
export const CRC32_INIT = -1;

/**
 * Eight 256-entry tables back to back: table 0 is the byte-at-a-time table, table k maps a byte
 * to its contribution after k further zero bytes, so 8 bytes fold into the register with 8 lookups.
 * Int32 rather than Uint32 entries keep every xor in V8's small-integer range.
 */
const TABLES = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CRC32_POLY : c >>> 1;
    t[b] = c;
  }
  for (let i = 256; i < 8 * 256; i++) {
    const prev = t[i - 256];
    t[i] = (prev >>> 8) ^ t[prev & 0xff];
  }
  return t;
}

/** Continues the raw register `crc` over bytes `[start, end)`; returns the new raw register. */
export function crc32Update(crc: number, bytes: Uint8Array, start: number, end: number): number {
  const t = TABLES;
  let c = crc | 0;
  let i = start;
  const end8 = end - 7;
  while (i < end8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    const hi = bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24);
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + (hi & 0xff)] ^
      t[512 + ((hi >>> 8) & 0xff)] ^
      t[256 + ((hi >>> 16) & 0xff)] ^
      t[hi >>> 24];
    i += 8;
  }
  while (i < end) c = t[(c ^ bytes[i++]) & 0xff] ^ (c >>> 8);
  return c;
}

/** Continues the raw register `crc` over one byte. */
export function crc32Byte(crc: number, byte: number): number {
  return TABLES[(crc ^ byte) & 0xff] ^ (crc >>> 8);
}

/** Continues the raw register `crc` over the ASCII digits of `value` (a non-negative integer). */
export function crc32Decimal(crc: number, value: number): number {
  let c = crc;
  for (let place = leadingPlace(value); place >= 1; place = (place / 10) | 0) {
    c = TABLES[(c ^ (CHAR_0 + (((value / place) | 0) % 10))) & 0xff] ^ (c >>> 8);
  }
  return c;
}

/** The CRC-32 (u32) of a raw register. */
export function crc32Final(crc: number): number {
  return ~crc >>> 0;
}

/**
 * Standard CRC-32 of `bytes[start, end)`, as a u32 (`crc32("123456789") === 0xCBF43926`,
 * equal to `zlib.crc32`, PHP's `crc32()` and Perl's String::CRC32).
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return ~crc32Update(CRC32_INIT, bytes, start, end) >>> 0;
}

/** The 15-bit hash of Perl's Cache::Memcached and PECL's `standard`: `(crc32 >>> 16) & 0x7fff`. */
export function crc15(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return (~crc32Update(CRC32_INIT, bytes, start, end) >>> 16) & 0x7fff;
}
