// Decimal counters ("-" + decimal(i) in point names and rehash suffixes) are fed to the hashes
// digit by digit, most significant first, so no string is ever built on the routing path.

/** ASCII '0': digit d is the byte `CHAR_0 + d`. */
export const CHAR_0 = 0x30;
/** ASCII '-', the separator between a key or server name and its counter. */
export const CHAR_DASH = 0x2d;

/**
 * The largest power of ten not above `value` (1 for values below 10): the place value of the
 * first digit of `decimal(value)`. `value` is a non-negative integer below 2^31.
 */
export function leadingPlace(value: number): number {
  let place = 1;
  while (place * 10 <= value) place *= 10;
  return place;
}

/** Writes the ASCII digits of `value` (a non-negative integer below 2^31) at `bytes[at]`; returns the end. */
export function writeDecimal(bytes: Uint8Array, at: number, value: number): number {
  for (let place = leadingPlace(value); place >= 1; place = (place / 10) | 0) bytes[at++] = CHAR_0 + (((value / place) | 0) % 10);
  return at;
}
