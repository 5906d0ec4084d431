/**
 * Building blocks of leases over the meta protocol (issue 12, part 2): the reads and writes with
 * which one caller recomputes a missing or stale value while the others keep serving the old one,
 * and with which an invalidation cannot be undone by a slow writer ("stale sets" in Facebook's
 * memcache paper). Exported for the read-through built on them; the client does not use them yet.
 *
 * The cycle, as memcached 1.6.18 runs it:
 * 1. {@link leaseGet} with `vivify`: on a miss memcached creates an empty item and tells exactly
 *    one reader it won (`win`); later readers see `alreadyWon` until the item is stored.
 * 2. The winner recomputes and stores with {@link leaseSet}, against the CAS unique it read.
 * 3. {@link invalidate} marks the item stale (and bumps its CAS): readers get the old value with
 *    `stale`, and the first of them wins the recompute.
 * 4. A {@link leaseSet} whose CAS unique is older than the item's (it read before the
 *    invalidation) is stored but stays stale, so it cannot pass an old value off as fresh.
 */
import { checkExptime, checkU64 } from './arguments.js';
import { metaKeyCommand, metaRequest, metaStorage } from './meta-encode.js';
import type { InvalidateStatus, LeaseItem } from './meta-replies.js';
import type { Key, StoreStatus } from './replies.js';
import { ReplyShape, type Request } from './request.js';

/** What a lease read may do besides reading. Times are seconds, as `exptime`. */
export interface LeaseOptions {
  /** `N<ttl>`: on a miss, create an empty item living this long and win the right to fill it. */
  readonly vivify?: number;
  /** `R<ttl>`: win the right to recompute when the item has fewer seconds left than this. */
  readonly recache?: number;
  /** `T<ttl>`: set the item's remaining time to live (as `gat` does). */
  readonly ttl?: number;
}

/**
 * `mg <key> [N<ttl>] [R<ttl>] [T<ttl>] v f c t` → the item with its CAS unique, its TTL and the
 * `W`/`X`/`Z` lease flags, or `null` on a miss that was not vivified. A vivified miss reads as an
 * empty value with `win` set (the item memcached just created; its flags are 0).
 */
export function leaseGet(key: string, options?: LeaseOptions): Request<LeaseItem | null>;
/** A lease read of a binary key. */
export function leaseGet(key: Uint8Array, options?: LeaseOptions): Request<LeaseItem<Uint8Array> | null>;
export function leaseGet(key: Key, options?: LeaseOptions): Request<LeaseItem<Key> | null>;
export function leaseGet(key: Key, options: LeaseOptions = {}): Request<LeaseItem<Key> | null> {
  // The modifying flags come first: memcached computes `t` where it meets it, after them.
  const args = `${timeFlag(' N', options.vivify)}${timeFlag(' R', options.recache)}${timeFlag(' T', options.ttl)} v f c t`;
  return metaRequest({ command: 'leaseGet', verb: 'mg', key, args, shape: ReplyShape.META_LEASE, retrieval: true, quiet: false, mutates: options.vivify !== undefined || options.recache !== undefined });
}

/**
 * `md <key> I [T<ttl>]`: marks the item stale instead of deleting it, bumps its CAS unique and
 * optionally caps how long it lives while stale → `INVALIDATED` (HD) or `NOT_FOUND` (NF).
 * With `noreply`, quiet (`q`, then `mn`).
 */
export function invalidate(key: Key, ttl?: number, noreply?: false): Request<InvalidateStatus>;
export function invalidate(key: Key, ttl: number | undefined, noreply: true): Request<undefined>;
export function invalidate(key: Key, ttl?: number, noreply = false): Request<InvalidateStatus | undefined> {
  return metaKeyCommand('invalidate', 'md', key, ` I${timeFlag(' T', ttl)}`, ReplyShape.META_INVALIDATE, noreply);
}

/**
 * `ms <key> <bytes> [F<flags>] [T<exptime>] I C<cas unique>` + data: the stale-set guard. With
 * the CAS unique the item has now, it is stored as a `cas` would (`STORED`); with an older one
 * (an invalidation came in between) it is stored but stays stale, keeping its TTL (`STORED` too:
 * readers see `stale`); otherwise `EXISTS`, or `NOT_FOUND` without an item.
 */
export function leaseSet(key: Key, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply?: false): Request<StoreStatus>;
export function leaseSet(key: Key, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply: true): Request<undefined>;
export function leaseSet(key: Key, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply = false): Request<StoreStatus | undefined> {
  return metaStorage('leaseSet', key, value, flags, exptime, ` I C${checkU64('cas unique', unique)}`, noreply);
}

function timeFlag(flag: string, seconds: number | undefined): string {
  return seconds === undefined ? '' : `${flag}${checkExptime(seconds)}`;
}
