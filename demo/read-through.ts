/**
 * The cache pattern every frontend runs, the one the 2006 thread is about:
 * - read: `get`; on a miss, load the current version from the origin and `set` it (read-through);
 * - write: update the origin first, then `set` the new value (write-through).
 * Values carry their version and when they were stored, so every read can be judged later.
 *
 * The leases row reads with `mc.fetch` instead (same write path): a miss is loaded by the one
 * reader that wins memcached's lease, across every frontend; the others wait for its value.
 */
import type { Client } from 'failback';
import type { ReadPath } from './policies.js';
import { decodeValue, encodeValue, keyName } from './workload.js';

/** The origin as a frontend reaches it (over IPC in the demo). */
export interface OriginAccess {
  /** The current version of `key`. */
  load(key: number): Promise<number>;
  /** Bumps `key`'s version; resolves with the new one. */
  write(key: number): Promise<number>;
}

/** What one read saw. */
export interface ReadObservation {
  /** Epoch ms the read began. */
  startedAt: number;
  /** The version the cache returned, or undefined on a miss. */
  version: number | undefined;
  /** Epoch ms the returned copy was stored, or undefined on a miss. */
  storedAt: number | undefined;
}

/** The read-through / write-through cache over one failback Client. */
export class ReadThroughCache {
  constructor(
    private readonly mc: Pick<Client<string>, 'get' | 'set' | 'fetch'>,
    private readonly origin: OriginAccess,
    /** Filler that makes values payload-sized. */
    private readonly padding: string,
    private readonly path: ReadPath = 'get-set',
  ) {}

  /**
   * Reads `key` through the cache. The observation is handed to `observe` as soon as the `get`
   * answers (before any refill), so a refill that fails does not lose what the read saw.
   */
  async read(key: number, observe: (seen: ReadObservation) => void): Promise<void> {
    if (this.path === 'fetch') return this.fetch(key, observe);
    const startedAt = Date.now();
    const value = await this.mc.get(keyName(key));
    const cached = value === undefined ? undefined : decodeValue(value);
    observe({ startedAt, version: cached?.version, storedAt: cached?.storedAt });
    if (cached) return;
    await this.store(key, await this.origin.load(key));
  }

  /**
   * Reads `key` with `mc.fetch`. A read whose own loader ran counts as a miss (as a get-then-set
   * miss does); one that got a cached value, or waited for another reader's load, is judged by
   * the copy it returned. The loader's value is stored by `fetch` itself (`ms … I C<cas>`).
   */
  private async fetch(key: number, observe: (seen: ReadObservation) => void): Promise<void> {
    const startedAt = Date.now();
    let loaded = false;
    const value = await this.mc.fetch(keyName(key), async () => {
      loaded = true;
      return encodeValue(await this.origin.load(key), Date.now(), this.padding);
    });
    const cached = loaded ? undefined : decodeValue(value);
    observe({ startedAt, version: cached?.version, storedAt: cached?.storedAt });
  }

  /** Writes `key`: origin first (the source of truth), then the cache. */
  async write(key: number): Promise<void> {
    await this.store(key, await this.origin.write(key));
  }

  private async store(key: number, version: number): Promise<void> {
    // No TTL, as in the thread: a copy lives until it is overwritten, evicted or flushed.
    await this.mc.set(keyName(key), encodeValue(version, Date.now(), this.padding));
  }
}
