/**
 * Checks of the numbers a command carries, shared by the text and the meta serializers so that
 * both refuse exactly the same arguments, with the same messages, before any I/O.
 *
 * Numbers on the wire: `flags` are u32, `exptime` is a signed 32-bit number of seconds (up to 30
 * days relative, above that a Unix time; negative expires at once), `incr`/`decr` deltas and CAS
 * uniques are u64 (`bigint`, or a `number` that is a safe integer).
 */
import { describe } from '../describe.js';
import { InvalidValueError } from '../errors.js';

const MAX_U32 = 0xffff_ffff;
const MIN_I32 = -0x8000_0000;
/** The largest signed 32-bit number: memcached's ceiling for times and delays. */
export const MAX_I32 = 0x7fff_ffff;
const MAX_U64 = (1n << 64n) - 1n;

/** Throws {@link InvalidValueError} unless `flags` is a u32. */
export function checkFlags(flags: number): void {
  if (!Number.isInteger(flags) || flags < 0 || flags > MAX_U32) {
    throw new InvalidValueError(`flags must be an integer from 0 to ${MAX_U32}, got ${describe(flags)}`);
  }
}

/** Returns `exptime` once it is known to be a signed 32-bit integer; throws {@link InvalidValueError} otherwise. */
export function checkExptime(exptime: number): number {
  if (!Number.isInteger(exptime) || exptime < MIN_I32 || exptime > MAX_I32) {
    throw new InvalidValueError(`exptime must be an integer number of seconds from ${MIN_I32} to ${MAX_I32}, got ${describe(exptime)}`);
  }
  return exptime;
}

/** Validates an unsigned 64-bit argument (`what` names it in the message) and returns its decimal text. */
export function checkU64(what: string, n: bigint | number): string {
  if (typeof n === 'number' ? Number.isSafeInteger(n) && n >= 0 : typeof n === 'bigint' && n >= 0n && n <= MAX_U64) return String(n);
  throw new InvalidValueError(`${what} must be an unsigned 64-bit integer (a bigint, or a safe integer number), got ${describe(n)}`);
}

/** Throws {@link InvalidValueError} unless `value` is a Uint8Array (`command` names the command in the message). */
export function checkValue(command: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new InvalidValueError(`${command}: the value must be a Uint8Array, got ${describe(value)}`);
}
