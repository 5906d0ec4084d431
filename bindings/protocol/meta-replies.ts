/**
 * What the meta protocol's lease building blocks answer (meta-leases.ts), beyond the text
 * protocol's results in replies.ts: the facts memcached gives a reader so that one caller
 * recomputes a missing or stale value while the others keep serving, and the answer to an
 * invalidation.
 */
import type { Item, Key } from './replies.js';

/** An item read with lease flags (`mg … v f c t`, with `N`, `R` or `T`). */
export interface LeaseItem<K extends Key = string> extends Item<K> {
  /** The CAS unique: what a recomputed value is stored against (`leaseSet`). Always present. */
  readonly cas: bigint;
  /** Seconds the item has left, as of this read; `-1` when it never expires. */
  readonly ttl: number;
  /**
   * `W`: this caller won the right to recompute the value (it vivified a miss, the TTL fell
   * below the recache threshold, or the item is stale and nobody has been told yet).
   * Exactly one reader is told, until the item is stored or invalidated again.
   */
  readonly win: boolean;
  /** `X`: the item was invalidated (`md … I`) or stored by an outdated `leaseSet`; its value is old. */
  readonly stale: boolean;
  /** `Z`: another caller already won (and is presumably recomputing); serve the value, or wait. */
  readonly alreadyWon: boolean;
}

/** Answer to `invalidate` (`md … I`): the item is now stale, or there was none. */
export type InvalidateStatus = 'INVALIDATED' | 'NOT_FOUND';
