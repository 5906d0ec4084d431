/** memcached reads an exptime above 30 days as a Unix time rather than a number of seconds. */
export const RELATIVE_TTL_LIMIT = 60 * 60 * 24 * 30;

/**
 * Caps an exptime at `cap` seconds from now: `0` (never expires) and absolute times further away
 * than the cap become the cap; negative (expire at once) stays as it is.
 */
export function capTtl(ttl: number, cap: number, nowMs: number): number {
  if (ttl < 0) return ttl;
  if (ttl === 0) return cap;
  const remaining = ttl > RELATIVE_TTL_LIMIT ? ttl - Math.floor(nowMs / 1000) : ttl;
  return remaining <= 0 ? -1 : Math.min(remaining, cap);
}
