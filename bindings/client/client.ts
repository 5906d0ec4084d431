import { Emitter } from '../events.js';
import { CallbackError, ClientClosedError, InvalidKeyError, InvalidOptionError, InvalidValueError, TransportError } from '../errors.js';
import type { ServerInfo } from '../health/server-health.js';
import { Cluster, type ServerSlot, type Target } from '../pool/cluster.js';
import { Recovery, type RepairOutcome } from '../pool/recovery.js';
import { RequestSession, SharedSession, type RequestContext, type Session } from '../pool/session.js';
import { runtimeTraits } from '../transport/default.js';
import { loadRequestStorage, requestStorage } from './request-scope.js';
import * as textCommands from '../protocol/commands.js';
import * as metaCommands from '../protocol/meta-commands.js';
import type { Item, Key, Stats, StoreStatus } from '../protocol/replies.js';
import { journalKey } from '../pool/journal-keys.js';
import type { Request } from '../protocol/request.js';
import { MAX_KEY_BYTES, validateKey } from '../protocol/keys.js';
import { metaKeyLength } from '../protocol/meta-keys.js';
import { createRouter } from '../routing/router.js';
import { defaultConnector } from '../transport/default.js';
import { bytesCodec, decodeWith, encodeWith, FLAG_BYTES, utf8Codec, type Codec } from '../codec/codec.js';
import { publishHealth, sendTraced } from './diagnostics.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from '../options.js';
import { capTtl } from './ttl.js';
import { describeThrown, ServerCallbacks, type FailureCallback, type ReconnectCallback } from './callbacks.js';
import { abortable, checkCommandOptions, type CommandOptions, type StoreOptions } from './command-options.js';
import * as leases from '../protocol/meta-leases.js';
import { checkInvalidateOptions, readThrough, type FetchOptions, type InvalidateOptions, type LeaseCommands, type Loader } from './read-through.js';

export type { FailureCallback, ReconnectCallback } from './callbacks.js';

/** Events a client emits (`client.on(name, listener)`). */
export interface ClientEvents {
  /**
   * A server went down (a hard failure, `failureLimit` timeouts in a row, or a restart:
   * `ServerRestartedError`): its keys are offline (or fail over) from now on.
   */
  down: (server: ServerInfo, error: Error) => void;
  /** A probe got an answer from a down server; failback is starting. */
  recovering: (server: ServerInfo) => void;
  /**
   * The returning server is safe for this frontend: it led the flush (`flushed`), followed
   * another frontend's, or needed none (`alone`), and deleted `deleted` keys it may have left stale.
   */
  failback: (server: ServerInfo, outcome: RepairOutcome) => void;
  /** The server's buckets are online again. */
  up: (server: ServerInfo) => void;
  /** A callback threw, or a failback attempt failed (it will be retried). Never thrown at you. */
  error: (error: Error) => void;
}

// Consumers on libs without ES2023's disposable symbols (a browser lib, ES2022) still get a
// declaration of Symbol.asyncDispose, so `[Symbol.asyncDispose]()` below type-checks for them.
declare global {
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/** One server's answer to {@link Client.connect}. */
export interface ConnectReport {
  /** `host:port`. */
  server: string;
  up: boolean;
  /** Its `version` answer, when up. */
  version?: string;
  /** Why not, when down. */
  error?: Error;
}

export type { CommandOptions, StoreOptions } from './command-options.js';

/** What the client sends through: the text or the meta serializers. */
type Commands = Pick<typeof metaCommands, 'get' | 'gets' | 'gat' | 'getMulti' | 'store' | 'cas' | 'del' | 'incr' | 'decr' | 'touch' | 'flushAll' | 'version' | 'stats'>;

const isStored = (status: StoreStatus): boolean => status === 'STORED';

/** Returned by `dispatch` when the key's server is down and the policy sends it nowhere. */
const OFFLINE = Symbol('offline');
type Offline = typeof OFFLINE;

/** Keys per `get` command in getMany: long enough to amortize, short enough to pipeline. */
const MULTI_GET_CHUNK = 100;

/** What append and prepend send: a string (the serializer writes it as UTF-8), bytes as given. */
function rawValue(verb: string, value: unknown): Uint8Array | string {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  throw new InvalidValueError(`${verb} takes a string (sent as UTF-8) or a Uint8Array, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
}

/** A write's TTL: 0 when omitted; anything else (null included) goes to the serializer to be checked. */
function ttlOf(options: StoreOptions | undefined): number {
  return options?.ttl === undefined ? 0 : options.ttl;
}


/** The keys of a non-array iterable; an iterator that throws is refused like any other bad keys argument. */
function spread<K>(keys: Iterable<K>): K[] {
  try {
    return [...keys];
  } catch (err) {
    const error = new InvalidKeyError(`getMany could not iterate its keys: ${err instanceof Error ? err.message : typeof err}`);
    Object.defineProperty(error, 'cause', { value: err, writable: true, configurable: true });
    throw error;
  }
}

/**
 * A memcached client: routes each key like the cluster's other clients (PECL memcache, Perl,
 * libmemcached), keeps a down server's buckets offline (or fails over, per `failover`), and
 * fails a returning server back with one flush across all frontends. Construct it as `Client`,
 * which types `get` by the codec; this is its class.
 *
 * @typeParam V - what `get` returns: `string` with the default codec.
 */
export class FailbackClient<V = string> extends Emitter<ClientEvents> {
  private readonly options: ResolvedClientOptions;
  private cluster: Cluster | undefined;
  private recovery: Recovery | undefined;
  private readonly ready: Promise<Cluster>;
  /** Checked first by every command: a closed client refuses everything, bad input included. */
  private closed = false;
  private warnedUnheard = false;
  /** The serializers of the configured protocol (the two modules have the same functions and results). */
  private readonly cmd: Commands;
  /** The codec stores a string as its UTF-8 bytes, flags 0 (utf8, bytes): the serializer can write it as is. */
  private readonly storesUtf8: boolean;
  /** The one close under way: a second close() waits for it too. */
  private closing: Promise<void> | undefined;
  private readonly callbacks = new ServerCallbacks((error) => this.emit('error', error));
  /** One view per request context (Workers). */
  private readonly views = new WeakMap<RequestContext, this>();

  /** @throws InvalidOptionError at once for a bad option. */
  constructor(options: ClientOptions) {
    super();
    this.options = resolveClientOptions(options);
    // The text serializers take string keys only; given a Uint8Array they throw an InvalidKeyError
    // that says to use meta, so the one signature (Key) serves both.
    this.cmd = this.options.protocol === 'meta' ? metaCommands : (textCommands as unknown as Commands);
    this.storesUtf8 = this.options.codec === utf8Codec || this.options.codec === bytesCodec;
    const connector = this.options.connector ?? defaultConnector();
    const gutter = this.options.gutter.length > 0 ? createRouter({ servers: this.options.gutter, engine: options.engine }) : undefined;
    this.ready = Promise.all([createRouter(this.options.router), gutter]).then(([router, gutterRouter]) => {
      const cluster = new Cluster(this.options, router, gutterRouter, connector, {
        onDown: (slot, error) => this.serverDown(slot, error),
        onUp: (slot) => this.announce('up', slot),
      });
      this.recovery = new Recovery(this.options, cluster, connector, {
        recovering: (slot) => this.announce('recovering', slot),
        failedBack: (slot, outcome) => this.announce('failback', slot, { outcome }),
        reconnected: (slot) => this.callbacks.reconnected(this, slot.address),
        error: (error) => this.emit('error', error),
      }, this.perRequest);
      this.cluster = cluster;
      return cluster;
    });
    this.ready.catch(() => undefined); // surfaced by the first command instead
  }

  /**
   * This client bound to one request: every command of the client, over that request's own
   * connections, with health (up/down, identity, failbacks) shared by all requests. In Cloudflare
   * Workers a socket belongs to the request that opened it, so a module-scope client serves
   * overlapping requests through `mc.forRequest(ctx)`; the request's connections close under
   * `ctx.waitUntil` once idle, and a request that meets a down server whose probe is due runs the
   * probe and failback itself under `ctx.waitUntil`. Elsewhere (Node, Deno, Bun) it returns the
   * client itself, so portable code is written once.
   */
  forRequest(context: RequestContext): this {
    if (!this.perRequest) return this;
    if (context === null || typeof context !== 'object' || typeof context.waitUntil !== 'function') {
      throw new InvalidOptionError('forRequest', 'takes the request\'s context (the ExecutionContext with waitUntil), e.g. fetch(request, env, ctx) → mc.forRequest(ctx)');
    }
    let view = this.views.get(context);
    if (view === undefined) {
      const session = new RequestSession(context);
      // Every command, over this request's connections; state and health are the client's.
      // close() on a view closes only the request's connections.
      view = Object.create(this, { session: { value: () => session }, close: { value: () => session.close() } }) as this;
      this.views.set(context, view);
    }
    return view;
  }

  /**
   * Wraps a Workers handler (`export default mc.wrap({ fetch })`) so that plain `mc.get()` inside
   * it finds its request (AsyncLocalStorage; Workers need the `nodejs_compat` flag).
   */
  wrap<H extends { fetch(request: never, env: never, ctx: RequestContext): unknown }>(handler: H): H {
    const fetch = handler.fetch;
    return {
      ...handler,
      fetch: async (request: never, env: never, ctx: RequestContext) => {
        const storage = await loadRequestStorage();
        return storage.run(this.forRequest(ctx), () => fetch.call(handler, request, env, ctx));
      },
    };
  }

  /** The runtime's sockets belong to requests: commands need a request's own connections. */
  private get perRequest(): boolean {
    return this.options.connector === undefined && runtimeTraits().perRequestSockets === true;
  }

  /** Whose connections this command uses: the request's (a view, or wrap's scope), or the client's own. */
  private session(): Session {
    const scoped = requestStorage()?.getStore();
    return scoped instanceof FailbackClient && scoped !== this && Object.getPrototypeOf(scoped) === this ? (scoped as this).session() : SharedSession;
  }

  /** A request met a down server: recovery goes on (under the request's waitUntil where timers die with it). */
  private meetDown(slot: ServerSlot): void {
    const recovery = this.recovery;
    if (recovery === undefined) return;
    recovery.nudge(slot);
    if (!this.perRequest) return;
    const session = this.session();
    const due = recovery.runDue(slot, session);
    // Unbound (no request to keep it alive) it runs as far as the calling request lets it.
    if (due !== undefined) session.waitUntil?.(due);
  }

  /**
   * Connects to every server that is not known to be down and asks each for its `version`: a
   * readiness check. Resolves (never rejects for a server's failure) with each server's answer
   * or error; a server that fails is down from then on, as after any failed command. Commands do
   * not need it: they connect by themselves.
   */
  async connect(): Promise<ConnectReport[]> {
    const cluster = await this.whenReady();
    return Promise.all(cluster.slots.map(async (slot): Promise<ConnectReport> => {
      const server = slot.address.name;
      if (slot.health.status !== 'up') return { server, up: false, error: slot.health.lastError ?? new Error(`${server} is ${slot.health.status}`) };
      try {
        return { server, up: true, version: await this.send(slot, this.cmd.version()) };
      } catch (err) {
        return { server, up: false, error: err as Error };
      }
    }));
  }

  /**
   * Where `key` goes: its `owner` (by the configured placement, whatever the health) and the
   * `server` a command for it goes to now (the owner, a stand-in under redistribute or gutter,
   * or undefined while its owner is down under `offline`). Both `host:port`.
   * @throws InvalidKeyError for a key no command would accept.
   */
  async serverFor(key: Key): Promise<{ owner: string; server: string | undefined }> {
    this.checkKey(key);
    const cluster = await this.whenReady();
    return { owner: cluster.ownerSlot(key).address.name, server: cluster.target(key)?.slot.address.name };
  }

  /** `await using mc = new Client(…)`: closes the client at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The routing engine in use (`wasm`, or `js` where WASM cannot load). */
  async engine(): Promise<'wasm' | 'js'> {
    return (await this.ready).router.engine;
  }

  // ───────────────────────── retrieval ─────────────────────────

  /** The value of `key`, or `undefined` on a miss (or when its server is down under `offline`). */
  get(key: Key, options?: CommandOptions): Promise<V | undefined> {
    // With options, dispatch checks them first.
    const cluster = options === undefined ? this.directCluster(undefined) : undefined;
    if (cluster !== undefined) {
      let request: Request<Item<Key> | null>;
      try {
        request = this.cmd.get(key);
      } catch (err) {
        return Promise.reject(err);
      }
      // A codec's decode may return a promise: the chain flattens it.
      return this.direct(cluster, key, request, this.answerGet) as Promise<V | undefined>;
    }
    return this.dispatch(key, () => this.cmd.get(key), true, 0, options).then((item) => (item === OFFLINE || item === null ? undefined : this.decode(item)));
  }

  /** A one-key get's answer, counted; made once, not per get. */
  private readonly answerGet = (item: Item<Key> | null, health: ServerSlot['health']): V | Promise<V> | undefined => {
    if (item === null) {
      health.counters.misses++;
      return undefined;
    }
    health.counters.hits++;
    return this.decode(item);
  };

  /** The value and CAS unique of `key`, or `undefined`. */
  async gets(key: Key, options?: CommandOptions): Promise<{ value: V; cas: bigint } | undefined> {
    const item = await this.dispatch(key, () => this.cmd.gets(key), true, 0, options);
    return item === OFFLINE || item === null ? undefined : { value: await this.decode(item), cas: item.cas as bigint };
  }

  /** Gets `key` and sets its TTL to `ttl` seconds (`gat`). */
  async gat(key: Key, ttl: number, options?: CommandOptions): Promise<V | undefined> {
    const item = await this.dispatch(key, (t) => this.cmd.gat(t, key), true, ttl, options);
    return item === OFFLINE || item === null ? undefined : this.decode(item);
  }

  /**
   * Read-through without stampedes: the value of `key`, loaded by `loader` on a miss (or when
   * stale) by exactly one caller across all frontends, the others served the old value or
   * waiting for the new one. Over meta leases (memcached ≥ 1.6), whatever `protocol` says; see
   * {@link FetchOptions} and the README's "Read-through" section.
   */
  fetch(key: string, loader: Loader<V>, options?: FetchOptions): Promise<V> {
    return readThrough(this.leaseCommands(), key, loader, options);
  }

  /**
   * The hits among `keys`, as a Map. One pipelined `get` per server (split every 100 keys),
   * all servers in parallel. Keys whose server is down (under `offline`) are misses. A key listed
   * twice is asked (and counted) once.
   *
   * @throws InvalidKeyError when `keys` is not an array (or other iterable) of valid keys, whatever the servers' health.
   */
  async getMany<K extends Key = string>(keys: Iterable<K>, options?: CommandOptions): Promise<Map<K, V>> {
    if (this.closed) throw new ClientClosedError();
    checkCommandOptions(options);
    if (typeof keys === 'string' || keys === null || typeof (keys as Iterable<K>)?.[Symbol.iterator] !== 'function') {
      throw new InvalidKeyError(`getMany takes an array of keys, got ${keys === null ? 'null' : typeof keys}`);
    }
    const list = Array.isArray(keys) ? (keys as readonly K[]) : spread(keys);
    const cluster = this.cluster ?? (await this.whenReady());
    if (this.closed) throw new ClientClosedError();
    // Building the Set is cheap; spreading it is not, and is only needed when there are duplicates.
    const set = list.length > 1 ? new Set(list) : undefined;
    const unique = set === undefined || set.size === list.length ? list : [...set];
    if (unique.length === 0) return new Map();
    let groups: Map<ServerSlot, readonly Key[]>;
    if (cluster.healthy) {
      // Every key goes to its owner, with no side effect on the way: the serializers check each
      // key as they copy it, before anything is sent. Only what the router itself would refuse is
      // checked ahead (a key that is not a string, or too long to route unmeasured).
      for (const key of unique) if (typeof key !== 'string' || key.length > MAX_KEY_BYTES / 3) this.checkKey(key);
      groups = cluster.byOwner(unique);
    } else {
      // Every key is checked before any is routed: an invalid one must not mark servers met down.
      for (const key of unique) this.checkKey(key);
      groups = this.routedGroups(cluster, unique);
    }
    const batches: [ServerSlot, Request<Item<Key>[]>, number][] = [];
    for (const [slot, group] of groups) {
      for (let i = 0; i < group.length; i += MULTI_GET_CHUNK) {
        const chunk = i === 0 && group.length <= MULTI_GET_CHUNK ? group : group.slice(i, i + MULTI_GET_CHUNK);
        batches.push([slot, this.cmd.getMulti(chunk), chunk.length]);
      }
    }
    const replies = await Promise.all(batches.map(([slot, request]) => this.send(slot, request, undefined, options)));
    const result = new Map<K, V>();
    let pending: Promise<void>[] | undefined;
    replies.forEach((items, b) => {
      const counters = batches[b][0].health.counters;
      counters.hits += items.length;
      counters.misses += batches[b][2] - items.length;
      for (const item of items) {
        const value = this.decode(item);
        // Meta answers carry the caller's own key objects (binary keys included).
        if (value instanceof Promise) (pending ??= []).push(value.then((v) => void result.set(item.key as K, v)));
        else result.set(item.key as K, value);
      }
    });
    if (pending) await Promise.all(pending);
    return result;
  }

  /** Keys grouped by the server each routes to while some server is down, counting what goes elsewhere or nowhere. */
  private routedGroups(cluster: Cluster, keys: readonly Key[]): Map<ServerSlot, readonly Key[]> {
    const groups = new Map<ServerSlot, Key[]>();
    const targets = cluster.targets(keys);
    for (let i = 0; i < keys.length; i++) {
      const target = targets[i];
      if (target === undefined) {
        const owner = cluster.ownerSlot(keys[i]);
        owner.health.counters.offlineSkips++;
        this.meetDown(owner);
        continue;
      }
      if (target.owner) {
        target.owner.health.counters.failovers++;
        this.meetDown(target.owner);
      }
      const group = groups.get(target.slot);
      if (group) group.push(keys[i]);
      else groups.set(target.slot, [keys[i]]);
    }
    return groups;
  }

  // ───────────────────────── storage ─────────────────────────

  /** Stores `value` under `key`; true when `STORED`, false when not (or its server is down under `offline`). */
  set(key: Key, value: V | string | Uint8Array, options?: StoreOptions): Promise<boolean> {
    return this.store('set', key, value, options);
  }

  /** Stores only if `key` does not exist. */
  add(key: Key, value: V | string | Uint8Array, options?: StoreOptions): Promise<boolean> {
    return this.store('add', key, value, options);
  }

  /** Stores only if `key` exists. */
  replace(key: Key, value: V | string | Uint8Array, options?: StoreOptions): Promise<boolean> {
    return this.store('replace', key, value, options);
  }

  /** Appends bytes to an existing value (flags and TTL unchanged); a string is sent as UTF-8 whatever the codec. */
  append(key: Key, value: string | Uint8Array, options?: Omit<StoreOptions, 'ttl' | 'flags'>): Promise<boolean> {
    return this.store('append', key, value, options, true);
  }

  /** Prepends bytes to an existing value (as {@link Client.append}). */
  prepend(key: Key, value: string | Uint8Array, options?: Omit<StoreOptions, 'ttl' | 'flags'>): Promise<boolean> {
    return this.store('prepend', key, value, options, true);
  }

  /**
   * Stores only if nobody changed `key` since `gets` returned `cas`:
   * true `STORED`, false `EXISTS` (changed; also when its server is down), undefined `NOT_FOUND`.
   */
  async cas(key: Key, value: V | string | Uint8Array, cas: bigint, options?: StoreOptions): Promise<boolean | undefined> {
    if (this.closed) throw new ClientClosedError();
    checkCommandOptions(options);
    const { bytes, flags } = this.encode(value, options);
    const noreply = options?.noreply === true;
    const status = await this.dispatch(key, (ttl) => this.cmd.cas(key, bytes, flags, ttl, cas, noreply), false, ttlOf(options), options);
    if (status === OFFLINE) return false;
    if (noreply) return true;
    return status === 'STORED' ? true : status === 'EXISTS' ? false : undefined;
  }

  private store(verb: textCommands.StoreVerb, key: Key, value: unknown, options: StoreOptions | undefined, raw = false): Promise<boolean> {
    let bytes: Uint8Array | string;
    let flags: number;
    let cluster: Cluster | undefined;
    let request: Request<StoreStatus> | undefined;
    try {
      if (this.closed) throw new ClientClosedError();
      checkCommandOptions(options);
      // Raw bytes (append, prepend) join bytes already stored: never through the codec.
      ({ bytes, flags } = raw ? { bytes: rawValue(verb, value), flags: 0 } : this.encode(value, options));
      cluster = this.directCluster(options);
      if (cluster !== undefined) request = this.cmd.store(verb, key, bytes, flags, raw ? 0 : ttlOf(options), false);
    } catch (err) {
      return Promise.reject(err);
    }
    if (request !== undefined) return this.direct(cluster!, key, request, isStored);
    const noreply = options?.noreply === true;
    return this.dispatch(key, (ttl) => this.cmd.store(verb, key, bytes, flags, ttl, noreply), false, raw ? 0 : ttlOf(options), options).then(
      (status) => status === 'STORED' || (noreply && status !== OFFLINE),
    );
  }

  /** Deletes `key`; true when it existed (with `noreply`: once sent). */
  async delete(key: Key, options?: Omit<StoreOptions, 'ttl' | 'flags'>): Promise<boolean> {
    checkCommandOptions(options);
    const noreply = options?.noreply === true;
    const status = await this.dispatch(key, () => this.cmd.del(key, noreply), false, 0, options);
    return status === 'DELETED' || (noreply && status !== OFFLINE);
  }

  /**
   * Marks `key` stale (`md … I T<ttl>`) instead of deleting it: `fetch` serves the old value while
   * one caller reloads it, and a value computed before this call can only be stored as stale.
   * True when the item existed; false when not, or when its server is offline.
   */
  async invalidate(key: string, options?: InvalidateOptions): Promise<boolean> {
    const { ttl, command } = checkInvalidateOptions(options);
    return (await this.dispatch(key, () => leases.invalidate(key, ttl), false, 0, command)) === 'INVALIDATED';
  }

  /**
   * Adds `delta` to a decimal counter; its new value, or undefined when `key` does not exist (or
   * with `noreply`). The value is a number up to 2^53 and a bigint above (memcached counters are 64-bit).
   */
  incr(key: Key, delta: number | bigint = 1, options?: Omit<StoreOptions, 'ttl' | 'flags'>): Promise<number | bigint | undefined> {
    return this.counter('incr', key, delta, options);
  }

  /** Subtracts `delta` (memcached stops at 0); as {@link Client.incr}. */
  decr(key: Key, delta: number | bigint = 1, options?: Omit<StoreOptions, 'ttl' | 'flags'>): Promise<number | bigint | undefined> {
    return this.counter('decr', key, delta, options);
  }

  private async counter(verb: 'incr' | 'decr', key: Key, delta: number | bigint, options: StoreOptions | undefined): Promise<number | bigint | undefined> {
    checkCommandOptions(options);
    const noreply = options?.noreply === true;
    const value = await this.dispatch(key, () => (verb === 'incr' ? this.cmd.incr(key, delta, noreply) : this.cmd.decr(key, delta, noreply)), false, 0, options);
    return value === OFFLINE || value === null ? undefined : value;
  }

  /** Sets a new TTL on `key`; true when it exists (with `noreply`: once sent). */
  async touch(key: Key, ttl: number, options?: Omit<StoreOptions, 'ttl' | 'flags'>): Promise<boolean> {
    checkCommandOptions(options);
    const noreply = options?.noreply === true;
    const status = await this.dispatch(key, (t) => this.cmd.touch(key, t, noreply), false, ttl, options);
    return status === 'TOUCHED' || (noreply && status !== OFFLINE);
  }

  /**
   * Stores every entry (`set`), all pipelined: the commands to each server leave in one write.
   * Resolves with each key's result, as `set` would give it.
   */
  async setMany(entries: Iterable<readonly [string, V | string | Uint8Array]> | Map<string, V | string | Uint8Array>, options?: StoreOptions): Promise<Map<string, boolean>> {
    const list = [...entries];
    const results = await Promise.all(list.map(([key, value]) => this.set(key, value, options)));
    return new Map(list.map(([key], i) => [key, results[i]]));
  }

  /** Deletes every key, all pipelined; resolves with each key's result, as `delete` would give it. */
  async deleteMany(keys: Iterable<string>, options?: Omit<StoreOptions, 'ttl' | 'flags'>): Promise<Map<string, boolean>> {
    const list = [...new Set(keys)];
    const results = await Promise.all(list.map((key) => this.delete(key, options)));
    return new Map(list.map((key, i) => [key, results[i]]));
  }

  // ───────────────────────── whole cluster ─────────────────────────

  /** `flush_all` on every up server; true when there was at least one and all of them answered OK. */
  async flush(): Promise<boolean> {
    const replies = await this.eachUp(() => this.cmd.flushAll());
    return replies.size > 0 && [...replies.values()].every((r) => r === 'OK');
  }

  /** Each up server's version, by `host:port`. */
  version(): Promise<Map<string, string>> {
    return this.eachUp(() => this.cmd.version());
  }

  /** Each up server's `stats [group]`, by `host:port`. */
  async stats(group?: string): Promise<Map<string, Stats>> {
    if (this.closed) throw new ClientClosedError();
    this.cmd.stats(group); // a bad group is an InvalidValueError (a rejection, as elsewhere) whatever the servers' health
    return this.eachUp(() => this.cmd.stats(group));
  }

  /** Health and counters of every server (gutter servers last, with `gutter: true`). */
  servers(): (ServerInfo & { gutter: boolean })[] {
    return (this.cluster?.all() ?? []).map((s) => ({ ...s.health.info(), gutter: s.isGutter }));
  }

  /**
   * Stops probing and closes every connection after the requests in flight (each close bounded:
   * a hung server's connection is destroyed). Every command after this rejects with `ClientClosedError`.
   */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.ready.then(
      (cluster) => {
        this.recovery?.stop();
        return cluster.close();
      },
      () => undefined,
    );
    return this.closing;
  }

  // ───────────────────────── callbacks ─────────────────────────

  /** PECL-style: the one reconnect callback `(client, host, port)` (null removes it). */
  setReconnectedCallback(callback: ReconnectCallback | null): this {
    this.callbacks.setReconnected(callback);
    return this;
  }

  /** PECL-style: the one failure callback `(client, host, port, error)` (null removes it). */
  setFailureCallback(callback: FailureCallback | null): this {
    this.callbacks.setFailure(callback);
    return this;
  }

  /** Adds a reconnect callback; awaited (if async) before the server's buckets go back online. Returns a remover. */
  onReconnect(callback: ReconnectCallback): () => void {
    return this.callbacks.addReconnect(callback);
  }

  /** Adds a failure callback. Returns a remover. */
  onFailure(callback: FailureCallback): () => void {
    return this.callbacks.addFailure(callback);
  }

  // ───────────────────────── internals ─────────────────────────

  private async whenReady(): Promise<Cluster> {
    if (this.closed) throw new ClientClosedError();
    return this.ready;
  }

  /**
   * Sends a one-key request where the key routes now; OFFLINE (no I/O) when it routes nowhere.
   * The request is built first, so bad input fails the same way whatever the servers' health;
   * it is rebuilt with a capped TTL when it lands on a fallback server. A write that goes
   * nowhere, elsewhere, or is lost with its server is journaled for that server's failback.
   * `ttl` has no default: a missing one (`touch(key)`) must reach `make` and be refused there,
   * not become 0, which memcached reads as "never expires".
   */
  private async dispatch<R>(key: Key, make: (ttl: number) => Request<R>, retrieval: boolean, ttl: number, options?: CommandOptions): Promise<R | Offline> {
    if (this.closed) throw new ClientClosedError();
    checkCommandOptions(options);
    let request = make(ttl);
    const cluster = this.cluster ?? (await this.whenReady());
    if (this.closed) throw new ClientClosedError();
    const target: Target | undefined = cluster.target(key);
    if (target === undefined) {
      const owner = cluster.ownerSlot(key);
      owner.health.counters.offlineSkips++;
      if (request.mutates) this.journal(owner, owner, key);
      this.meetDown(owner);
      return OFFLINE;
    }
    const owner = target.owner ?? target.slot;
    if (target.owner !== undefined) {
      target.owner.health.counters.failovers++;
      this.meetDown(target.owner);
      if (target.ttlCap !== undefined) request = make(capTtl(ttl, target.ttlCap, this.options.clock.now()));
      if (request.mutates) this.journal(target.owner, target.slot, key);
    }
    let reply: R;
    try {
      reply = await this.send(target.slot, request, key, options);
    } catch (err) {
      // Lost with its server (or never sent): an older copy may be left where it was headed.
      if (request.mutates && err instanceof TransportError && owner.health.status !== 'up') this.journal(owner, target.slot, key);
      throw err;
    }
    if (retrieval) {
      if (reply === null) target.slot.health.counters.misses++;
      else target.slot.health.counters.hits++;
    }
    return reply;
  }

  /**
   * The cluster when a command may take {@link FailbackClient.direct}: ready, open, every server
   * up, and no per-command signal, timeout or noreply (ttl and flags are the request's own).
   * `options` must have passed `checkCommandOptions` unless undefined.
   */
  private directCluster(options: StoreOptions | undefined): Cluster | undefined {
    const cluster = this.cluster;
    if (cluster === undefined || this.closed || !cluster.healthy) return undefined;
    if (options !== undefined && (options.signal !== undefined || options.timeout !== undefined || options.noreply === true)) return undefined;
    return cluster;
  }

  /**
   * The common case in one promise chain (see `directCluster`): what {@link FailbackClient.dispatch}
   * does, minus what cannot happen then. `answer` maps the reply.
   */
  private direct<R, T>(cluster: Cluster, key: Key, request: Request<R>, answer: (reply: R, health: ServerSlot['health']) => T): Promise<T> {
    const slot = (cluster.target(key) as Target).slot;
    const health = slot.health;
    health.counters.requests++;
    return sendTraced(this.session().connection(slot), request, undefined, key, slot.address).then(
      (reply) => {
        health.success(this.options.clock.now());
        return answer(reply, health);
      },
      (err: unknown) => {
        // Lost with its server: an older copy may be left there (as in dispatch).
        if (request.mutates && err instanceof TransportError && health.status !== 'up') this.journal(slot, slot, key);
        throw err;
      },
    );
  }

  /** The lease commands `fetch` runs, routed like every other command. */
  private leaseCommands(): LeaseCommands<V> {
    const offline = <R>(reply: R | Offline) => (reply === OFFLINE ? undefined : reply);
    return {
      read: (key, lease, options) => this.dispatch(key, () => leases.leaseGet(key, lease), true, 0, options).then(offline),
      write: (key, value, ttl, cas, options) => {
        const { bytes, flags } = this.encode(value, undefined);
        return this.dispatch(key, (t) => leases.leaseSet(key, bytes, flags, t, cas), false, ttl, options).then(offline);
      },
      decode: (item) => this.decode(item),
    };
  }

  /** Remembers that `key` may be stale on `owner` (and on `place`, where it was written). */
  private journal(owner: ServerSlot, place: ServerSlot, key: Key): void {
    if (this.options.failback.flush !== 'none') owner.health.journal.record(place, journalKey(key));
  }

  private async send<R>(slot: ServerSlot, request: Request<R>, key?: Key, options?: CommandOptions): Promise<R> {
    slot.health.counters.requests++;
    const connection = this.session().connection(slot);
    const sent = sendTraced(connection, request, options?.timeout, key, slot.address);
    const reply = await abortable(sent, options?.signal);
    slot.health.success(this.options.clock.now());
    return reply;
  }

  private async eachUp<R>(make: () => Request<R>): Promise<Map<string, R>> {
    const cluster = this.cluster ?? (await this.whenReady());
    if (this.closed) throw new ClientClosedError();
    const up = cluster.slots.filter((s) => s.health.status === 'up');
    const replies = await Promise.all(up.map((s) => this.send(s, make())));
    return new Map(up.map((s, i) => [s.address.name, replies[i]]));
  }

  /**
   * A write's value and flags. Raw bytes are stored as given whatever the codec. A string the codec
   * would store as its UTF-8 bytes (utf8, bytes) stays a string: the serializer writes it into the
   * command without a buffer of its own. Everything else goes through the codec.
   */
  private encode(value: unknown, options: StoreOptions | undefined): { bytes: Uint8Array | string; flags: number } {
    const encoded =
      value instanceof Uint8Array ? { bytes: value, flags: 0 }
      : typeof value === 'string' && this.storesUtf8 ? { bytes: value, flags: FLAG_BYTES }
      : encodeWith(this.options.codec, value);
    return options?.flags === undefined ? encoded : { bytes: encoded.bytes, flags: options.flags };
  }

  /** The item's value; a promise only when the codec's decode is asynchronous. */
  private decode(item: Item<Key>): V | Promise<V> {
    return decodeWith(this.options.codec, item.value, item.flags) as V | Promise<V>;
  }

  /**
   * Throws InvalidKeyError unless a command would accept `key`: a string by the text rules, a
   * Uint8Array (meta protocol only) up to memcached's limit in base64.
   */
  private checkKey(key: Key): void {
    if (typeof key === 'string' || this.options.protocol === 'text') validateKey(key as string);
    else metaKeyLength(key);
  }

  /** A health transition: the event for listeners, the channel for diagnostics subscribers. */
  private announce(event: 'down' | 'recovering' | 'failback' | 'up', slot: ServerSlot, detail: { error?: Error; outcome?: RepairOutcome } = {}): void {
    const info = slot.health.info();
    publishHealth(event, { server: info, ...detail });
    if (event === 'down') this.emit('down', info, detail.error as Error);
    else if (event === 'failback') this.emit('failback', info, detail.outcome as RepairOutcome);
    else this.emit(event, info);
  }

  private serverDown(slot: ServerSlot, error: TransportError): void {
    this.announce('down', slot, { error });
    this.callbacks.failed(this, slot.address, error);
    this.recovery?.watch(slot);
  }

  protected override onListenerError(err: unknown, event: string): void {
    const error = new CallbackError(`"${event}" listener`, `a "${event}" listener threw: ${describeThrown(err)}`, err);
    if (event !== 'error') this.emit('error', error);
    else this.unheard(error);
  }

  /**
   * Emits like any emitter; an `error` nobody listens to is reported once per client as a
   * process warning (console.warn where there is no process), never thrown and never lost silently.
   */
  override emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): boolean {
    const heard = super.emit(event, ...args);
    if (!heard && event === 'error') this.unheard(args[0] as Error);
    return heard;
  }

  private unheard(error: Error): void {
    if (this.warnedUnheard) return;
    this.warnedUnheard = true;
    const message = `failback: ${error.message} (no 'error' listener: add mc.on('error', …) to see these; further ones are not reported)`;
    const proc = (globalThis as { process?: { emitWarning?: (message: string, options: { type: string; code: string }) => void } }).process;
    if (typeof proc?.emitWarning === 'function') proc.emitWarning(message, { type: 'FailbackWarning', code: (error as { code?: string }).code ?? 'ERR_FAILBACK' });
    else console.warn(message);
  }
}

/** Client options with `codec` narrowed (replaced, not intersected: a codec object's functions are then typed by V). */
type WithCodec<C> = Omit<ClientOptions, 'codec'> & C;

/** A client whose `get` returns `V`. */
export type Client<V = string> = FailbackClient<V>;

/**
 * `new Client(options)`: `get` returns what the codec makes. `string` by default, `Uint8Array`
 * with `codec: 'bytes'`, `unknown` with `'json'` and the PHP codecs (name your type:
 * `new Client<User>({ codec: 'json' })`), `V` with a `Codec<V>` of your own.
 */
export interface ClientConstructor {
  // A codec object first: its functions are typed by V from here, whichever overload is tried before.
  new <V>(options: WithCodec<{ codec: Codec<V> }>): Client<V>;
  new (options: WithCodec<{ codec?: 'utf8' }>): Client<string>;
  new <V = Uint8Array>(options: WithCodec<{ codec: 'bytes' }>): Client<V>;
  new <V = unknown>(options: WithCodec<{ codec: 'json' | 'php-memcache' | 'php-memcached' }>): Client<V>;
  /** Options typed only as `ClientOptions` (the codec not known statically): as before, `string` unless you name `V`. */
  new <V = string>(options: ClientOptions): Client<V>;
  readonly prototype: FailbackClient<unknown>;
}

/** The memcached client (see {@link FailbackClient} for its methods). */
export const Client = FailbackClient as unknown as ClientConstructor;
