/**
 * `failback/keyv`: a Keyv storage adapter (`KeyvStoreAdapter`, Keyv 5) over failback's Client,
 * so Keyv and cache-manager get PECL/libmemcached-compatible routing, offline buckets and
 * one-frontend failback.
 *
 * ```ts
 * import Keyv from 'keyv';
 * import { KeyvFailback } from 'failback/keyv';
 *
 * const keyv = new Keyv({ store: new KeyvFailback({ servers: ['10.0.0.1:11211'] }), namespace: 'users' });
 * ```
 *
 * How Keyv's model maps onto memcached:
 * - keys: see `keyv-keys.ts` (the namespace's generation, then Keyv's key; SHA-256 for keys
 *   memcached would refuse);
 * - TTLs: see `keyv-ttl.ts` (milliseconds rounded up to seconds, a Unix time above 30 days);
 * - `clear()`: see `keyv-generation.ts` (a new generation for the namespace, never `flush_all`).
 */
// The package's own entry, not '../client/client.js': importing it registers the runtime's
// transport and WASM core, so `failback/keyv` works alone, and it is the Client users import.
import { Client } from 'failback';
import type { ClientOptions } from '../options.js';
import { CodecError, InvalidOptionError, InvalidValueError } from '../errors.js';
import { Emitter } from '../events.js';
import { describe } from '../describe.js';
import { Generations } from './keyv-generation.js';
import { storeKey, storeKeys } from './keyv-keys.js';
import { keyvExptime } from './keyv-ttl.js';

/** What the store emits; Keyv re-emits `error` on the Keyv instance. */
export type KeyvFailbackEvents = {
  /**
   * A read failed (Keyv turns a failed `get` into a miss without a word, so the store reports
   * it), or the Client reported a background error (a failback attempt, a throwing callback).
   * Failed writes, deletes and clears reject, and Keyv emits those itself.
   */
  error: (error: Error) => void;
};

/** One entry of {@link KeyvFailback.setMany}, as Keyv passes it: `ttl` in milliseconds. */
export interface KeyvEntry {
  key: string;
  value: unknown;
  ttl?: number;
}

/**
 * A Keyv store on memcached through failback's {@link Client}.
 *
 * - Values are the strings Keyv serializes (its `expires` inside), stored as UTF-8.
 * - `clear()` clears this store's namespace only, by a new generation: no `flush_all`, so a
 *   cluster shared with other namespaces, other applications and PHP stays warm.
 * - While the server holding the namespace's generation is down and its keys are offline, the
 *   namespace is offline for this frontend too: reads miss, writes and deletes resolve false,
 *   `clear()` rejects with `OfflineError`.
 * - No `has`/`hasMany`: Keyv's own (a `get`, then its millisecond `expires` check) is exact,
 *   while memcached's whole-second TTL would call an item present up to a second too long.
 * - No iterator: memcached cannot list keys.
 */
export class KeyvFailback extends Emitter<KeyvFailbackEvents> {
  /**
   * Keyv's adapter options bag (Keyv and its test suite read and write it); the store itself
   * reads nothing from it.
   */
  opts: Record<string, unknown> = { dialect: 'memcache' };
  /** Set by Keyv (its `namespace` option; undefined without one). Each namespace has its own generation. */
  namespace: string | undefined;
  /** The Client this store sends through. */
  readonly client: Client<string>;
  /** Whether {@link disconnect} closes the client: only one this store created. */
  private readonly ownsClient: boolean;
  private readonly generations: Generations;
  private readonly relay = (error: Error): void => void this.emit('error', error);

  /**
   * @param client - A Client (with the default `'utf8'` codec) shared with the rest of the
   * application, which `disconnect()` leaves open; or the options of a new one, which the store
   * owns and `disconnect()` closes.
   * @throws InvalidOptionError for bad Client options, or a `codec` other than `'utf8'`.
   */
  constructor(client: Client<string> | ClientOptions) {
    super();
    if (client instanceof Client) {
      this.client = client;
      this.ownsClient = false;
    } else {
      const codec = (client as ClientOptions | undefined)?.codec;
      if (codec !== undefined && codec !== 'utf8') {
        throw new InvalidOptionError('codec', `Keyv serializes values to strings itself: leave codec unset (or 'utf8'), got ${describe(codec)}`);
      }
      // codec named, so that the Client is typed Client<string> (it is the default anyway).
      this.client = new Client({ ...client, codec: 'utf8' });
      this.ownsClient = true;
    }
    this.client.on('error', this.relay);
    this.generations = new Generations(this.client);
  }

  /**
   * Keyv's serialized value under `key`, or undefined (a miss, or the namespace is offline).
   *
   * @typeParam Value - Keyv's adapter signature; what resolves is always the string Keyv serialized.
   */
  async get<Value = string>(key: string): Promise<Value | undefined> {
    return (await this.read([key]))[0] as Value | undefined;
  }

  /** The values of `keys`, in order (undefined for each miss): one pipelined `get` per server. */
  async getMany<Value = string>(keys: string[]): Promise<(Value | undefined)[]> {
    return (await this.read(keys)) as (Value | undefined)[];
  }

  /**
   * Stores Keyv's serialized `value` for `ttl` milliseconds (none when undefined); true when
   * memcached stored it.
   *
   * @throws InvalidValueError when `value` is not a string (Keyv's `serialize` option was unset).
   */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const write = this.writer(value, ttl);
    return this.generations.run(this.namespace, async (generation) => write(await storeKey(generation, key)), false);
  }

  /** {@link set} for each entry, all at once (pipelined per server); one boolean per entry. */
  async setMany(entries: KeyvEntry[]): Promise<boolean[]> {
    const writes = entries.map(({ key, value, ttl }) => [key, this.writer(value, ttl)] as const);
    return this.generations.run(
      this.namespace,
      (generation) => Promise.all(writes.map(async ([key, write]) => write(await storeKey(generation, key)))),
      entries.map(() => false),
    );
  }

  /** Deletes `key`; true when it existed. */
  async delete(key: string): Promise<boolean> {
    return (await this.remove([key]))[0];
  }

  /** Deletes `keys` (the Client's deleteMany: pipelined per server); true when every one of them existed. */
  async deleteMany(keys: string[]): Promise<boolean> {
    return (await this.remove(keys)).every(Boolean);
  }

  /**
   * Clears this store's namespace (a new generation; other namespaces and other applications'
   * keys are untouched).
   *
   * @throws OfflineError when the server holding the namespace's generation is down and its keys
   * are offline.
   */
  clear(): Promise<void> {
    return this.generations.bump(this.namespace);
  }

  /** Stops relaying the Client's errors; closes the Client if this store created it. */
  async disconnect(): Promise<void> {
    this.client.off('error', this.relay);
    if (this.ownsClient) await this.client.close();
  }

  private async read(keys: readonly string[]): Promise<(string | undefined)[]> {
    try {
      return await this.generations.run(this.namespace, async (generation) => {
        const names = await storeKeys(generation, keys);
        if (names.length === 1) return [text(await this.client.get(names[0]))];
        const hits = await this.client.getMany(names);
        return names.map((name) => text(hits.get(name)));
      }, keys.map(() => undefined));
    } catch (err) {
      this.emit('error', err as Error);
      throw err;
    }
  }

  private remove(keys: readonly string[]): Promise<boolean[]> {
    return this.generations.run(this.namespace, async (generation) => {
      const names = await storeKeys(generation, keys);
      const deleted = await this.client.deleteMany(names);
      return names.map((name) => deleted.get(name) === true);
    }, keys.map(() => false));
  }

  /** Checks a write's value and TTL now (once, however often the write is sent) and returns the send. */
  private writer(value: unknown, ttl: number | undefined): (name: string) => Promise<boolean> {
    if (typeof value !== 'string') {
      throw new InvalidValueError(`the failback Keyv store stores the strings Keyv serializes: keep Keyv's serialize option (its default), got ${describe(value)}`);
    }
    const options = { ttl: keyvExptime(ttl, Date.now()) };
    return (name) => this.client.set(name, value, options);
  }
}

/** A value read back: the store only reads strings (a Client with another codec decodes others). */
function text(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new CodecError(`the Keyv store read ${describe(value)} where Keyv's serialized string was expected: give it a Client with the default 'utf8' codec`);
}
