/**
 * Namespace generations: how the Keyv store clears a namespace without `flush_all`.
 *
 * Every key of a namespace carries the namespace's generation, a decimal number kept (with no
 * TTL) under the namespace's generation key. `clear()` increments it: the old keys are then
 * unreachable and memcached's LRU reclaims them, while other namespaces and every other
 * application's keys on a shared cluster stay where they are.
 *
 * A missing generation (never made, evicted, or lost in a restart or a failback's delete) is
 * made anew from 48 random bits, never from 0: a generation used before must not come back, or
 * the keys written under it before a clear would be readable again.
 */
import type { Client } from '../client/client.js';
import { CodecError, OfflineError } from '../errors.js';
import { describe } from '../describe.js';
import { GENERATION_HEAD, storeKey } from './keyv-keys.js';

const encoder = new TextEncoder();

/** Up to 20 digits: what memcached's `incr` keeps in an item (a u64). */
const GENERATION = /^\d{1,20}$/;

/**
 * The generations of the namespaces one store has used. Each operation runs under the generation
 * last seen while the current one is read in parallel (one round trip), and again under the
 * current one when they differ (another frontend cleared the namespace, or it is the first use).
 */
export class Generations {
  /** The generation last seen, by generation key. */
  private readonly seen = new Map<string, string>();

  constructor(private readonly client: Client<string>) {}

  /**
   * Resolves what `op` resolves under the namespace's current generation, or `offline` when no
   * generation can be read or made (its server is down and the client's failover sends it
   * nowhere): then nothing of the namespace is readable, and writes report failure.
   *
   * `op` may run twice (the first time under a generation that turns out to be stale, whose
   * keys nobody reads any more), so it must be safe to repeat: reads, sets and deletes are.
   */
  async run<R>(namespace: string | undefined, op: (generation: string) => Promise<R>, offline: R): Promise<R> {
    const key = await generationKey(namespace);
    const last = this.seen.get(key);
    const [current, result] = await Promise.all([this.current(key), last === undefined ? undefined : op(last)]);
    if (current === undefined) return offline;
    this.seen.set(key, current);
    if (current === last) return result as R;
    // Read during this call, so a clear racing the second run is concurrent with the call: its
    // result stands either way.
    return op(current);
  }

  /**
   * Clears the namespace: increments its generation (or makes one, when there is none: the keys
   * of an earlier generation are unreachable either way).
   *
   * @throws OfflineError when the generation's server is down and the failover policy sends it nowhere.
   */
  async bump(namespace: string | undefined): Promise<void> {
    const key = await generationKey(namespace);
    const next = await this.client.incr(key, 1);
    const generation = next === undefined ? await this.make(key) : String(next);
    if (generation === undefined) {
      const { owner } = await this.client.serverFor(key);
      throw new OfflineError(owner, `the Keyv namespace ${describe(namespace ?? '')} was not cleared: its generation key ${key} lives there`);
    }
    this.seen.set(key, generation);
  }

  /** The stored generation, else a new one; undefined when neither can be had. */
  private async current(key: string): Promise<string | undefined> {
    return parse(key, await this.client.get(key)) ?? this.make(key);
  }

  /**
   * Adds a random generation, or reads the one another frontend added first. Under the `offline`
   * policy the add is journaled by the client, so when the server fails back the generation key
   * is deleted there: a generation that missed this frontend's writes never returns.
   */
  private async make(key: string): Promise<string | undefined> {
    const fresh = randomGeneration();
    // Raw bytes, whatever the client's codec: incr needs the bare decimal.
    if (await this.client.add(key, encoder.encode(fresh))) return fresh;
    return parse(key, await this.client.get(key));
  }
}

/** The key that holds `namespace`'s generation. */
function generationKey(namespace: string | undefined): Promise<string> {
  return storeKey(GENERATION_HEAD, namespace ?? '');
}

/** 48 random bits: far from every earlier generation, and far below 2^64, where incr wraps. */
function randomGeneration(): string {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return String((high & 0xffff) * 2 ** 32 + low);
}

/** A generation read back, checked: the store must be the only writer of its generation keys. */
function parse(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && GENERATION.test(value)) return value;
  throw new CodecError(
    `the Keyv namespace generation key ${key} holds ${describe(value)}, not a decimal number: give the store a Client with the default 'utf8' codec, ` +
      'and leave its keyv-generation keys to it (deleting a broken one starts a new generation, as a clear does)',
  );
}
