/**
 * Unsigned decimal numbers read straight out of reply bytes, shared by the text parser and the
 * meta line reader: no string is made unless the number needs more than 15 digits (a CAS unique
 * or a counter past 2^53, rare), and the caller decides what a malformed number means.
 */

const ZERO = 48, NINE = 57;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** One reader per parser: `read` leaves its result in `value` and `big`, so nothing is allocated. */
export class Decimal {
  /** The last number read; `Infinity` when it is above 2^53 − 1 (then see `big`). */
  value = 0;
  /** The last number read when it is above 2^53 − 1, else `undefined`. */
  big: bigint | undefined = undefined;

  /**
   * Reads the digits of `b[p ..)` up to `end` or the first non-digit. Returns where it stopped, or
   * `-1` when there was no digit or more than `maxDigits` of them.
   */
  read(b: Uint8Array, p: number, end: number, maxDigits: number): number {
    const start = p;
    let n = 0;
    while (p < end) {
      const c = b[p];
      if (c < ZERO || c > NINE) break;
      n = n * 10 + (c - ZERO);
      p++;
    }
    const digits = p - start;
    if (digits === 0 || digits > maxDigits) return -1;
    if (digits > 15) {
      let text = '';
      for (let i = start; i < p; i++) text += String.fromCharCode(b[i]);
      const big = BigInt(text);
      this.big = big <= MAX_SAFE ? undefined : big;
      this.value = big <= MAX_SAFE ? Number(big) : Infinity;
    } else {
      this.big = undefined;
      this.value = n;
    }
    return p;
  }

  /** The last number read as a bigint. */
  get bigint(): bigint {
    return this.big ?? BigInt(this.value);
  }
}
