// PECL memcache's FNV-1a 32: its bytes go through a (signed on x86) `char`, so every byte
// >= 0x80 is sign-extended before the xor. For UTF-8 keys this differs from textbook FNV-1a,
// and the vectors prove PECL's form. Like CRC-32, the state can be continued over a suffix.

import { CHAR_0, leadingPlace } from './decimal.js';

/** FNV-1a 32 offset basis 0x811C9DC5, as an i32. */
export const FNV_INIT = 0x811c9dc5 | 0;
/** FNV 32 prime. */
const FNV_PRIME = 0x01000193;

/** Continues the FNV state `h` over bytes `[start, end)` (bytes sign-extended, as C's `char`). */
export function fnvUpdate(h: number, bytes: Uint8Array, start: number, end: number): number {
  let x = h | 0;
  for (let i = start; i < end; i++) x = Math.imul(x ^ ((bytes[i] << 24) >> 24), FNV_PRIME);
  return x;
}

/** Continues the FNV state `h` over one byte (sign-extended). */
export function fnvByte(h: number, byte: number): number {
  return Math.imul(h ^ ((byte << 24) >> 24), FNV_PRIME);
}

/** Continues the FNV state `h` over the ASCII digits of `value` (a non-negative integer). */
export function fnvDecimal(h: number, value: number): number {
  let x = h;
  for (let place = leadingPlace(value); place >= 1; place = (place / 10) | 0) {
    x = Math.imul(x ^ (CHAR_0 + (((value / place) | 0) % 10)), FNV_PRIME);
  }
  return x;
}

/** PECL's FNV-1a 32 of `bytes[start, end)`, as a u32. */
export function fnv1a(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return fnvUpdate(FNV_INIT, bytes, start, end) >>> 0;
}
