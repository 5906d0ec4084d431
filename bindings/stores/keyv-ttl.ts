/**
 * Keyv's TTLs are milliseconds; memcached's exptime is whole seconds, and above 30 days a Unix
 * time. Keyv stores its own `expires` (to the millisecond) inside every value and checks it on
 * read, so memcached's exptime only has to make sure the item is gone eventually and never
 * before Keyv would call it expired.
 */
import { RELATIVE_TTL_LIMIT } from '../client/ttl.js';
import { InvalidValueError } from '../errors.js';
import { describe } from '../describe.js';

/**
 * The last second a signed 32-bit exptime can name (2038-01-19): memcached refuses a larger
 * number, so an absolute time past it is sent as 0 (no expiry) and Keyv's own `expires` applies.
 */
const LAST_EXPTIME = 0x7fff_ffff;

/**
 * The memcached exptime for a Keyv TTL of `ttlMs` milliseconds set at `nowMs`:
 * - `undefined` (Keyv's "no TTL") → `0`, never expires;
 * - rounded up to whole seconds, so memcached never drops an item before Keyv's `expires`
 *   (a 1 ms TTL lives 1 s in memcached; Keyv stops returning it after 1 ms);
 * - at most 30 days → that many seconds; longer → the Unix time `floor(nowMs / 1000) + seconds`
 *   (memcached reads a number above 30 days as a date), or `0` past 2038;
 * - zero or negative (already expired) → `-1`, which memcached drops at once.
 *
 * @throws InvalidValueError for a TTL that is not a number (NaN included).
 */
export function keyvExptime(ttlMs: number | undefined, nowMs: number): number {
  if (ttlMs === undefined) return 0;
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) {
    throw new InvalidValueError(`a Keyv TTL must be a number of milliseconds (or undefined for none), got ${describe(ttlMs)}`);
  }
  const seconds = Math.ceil(ttlMs / 1000);
  if (seconds <= 0) return -1;
  if (seconds <= RELATIVE_TTL_LIMIT) return seconds;
  const at = Math.floor(nowMs / 1000) + seconds;
  return at > LAST_EXPTIME ? 0 : at;
}
