/**
 * Read-through without stampedes (issue 12, part 2): `fetch` and `invalidate` over the meta
 * protocol's leases (meta-leases.ts), whatever protocol the client otherwise speaks.
 *
 * Why leases and not "get, then load and set on a miss": with many frontends, a miss (a cold or
 * flushed server, an expiry, a delete) sends every concurrent reader to the origin at once, and
 * the last of their sets wins even when it carries the oldest data. memcached 1.6 settles both on
 * the server, across every frontend: `mg … N<ttl>` tells exactly one reader it won the right to
 * recompute (`W`) and the others that somebody has (`Z`); `md … I` marks an item stale instead of
 * deleting it; and `ms … I C<cas>` stores a value computed before an invalidation only as stale,
 * so a slow recompute cannot pass old data off as fresh (Facebook's "stale set").
 *
 * The cycle of one `fetch`:
 * 1. Lease read (one round trip): `mg <key> N<leaseTtl> [R<ttl − staleAfter>] v f c t`.
 * 2. A fresh hit is returned. A value that is stale (invalidated, `X`) or soft-expired (its TTL
 *    below the recache threshold) is returned as it is, through `onStale`, unless this caller
 *    won (`W`): the winner loads, stores with `ms … I C<cas of its read>` (one more round trip)
 *    and returns the loaded value.
 * 3. A miss is vivified by the read: its winner loads and stores as above; every other reader
 *    finds the empty placeholder (`Z`, no data), sleeps `wait` ms and reads again, until the
 *    winner's value arrives or `maxWait` ms have passed. Then it loads by itself and stores
 *    against the placeholder's CAS (so a winner that crashed or hangs cannot block a key for
 *    `leaseTtl`). Whichever of the two stores comes second carries an older CAS than the item's,
 *    so memcached keeps it only as stale: the next reader reloads rather than trust it.
 */
import { AbortedError, InvalidOptionError } from '../errors.js';
import type { LeaseOptions } from '../protocol/meta-leases.js';
import type { LeaseItem } from '../protocol/meta-replies.js';
import type { Item, StoreStatus } from '../protocol/replies.js';
import type { CommandOptions } from './command-options.js';

/** Why a value `fetch` returned is not fresh. */
export type StaleReason =
  /** `invalidate(key)` marked it stale (or a recompute from before an invalidation stored it). */
  | 'invalidated'
  /** It is older than `staleAfter` seconds; one caller is refreshing it. */
  | 'soft-expired';

/** What `onStale` is told about a stale value `fetch` is about to return. */
export interface StaleInfo {
  readonly key: string;
  readonly reason: StaleReason;
  /** Seconds the item has left in memcached; `-1` when it never expires. */
  readonly ttl: number;
}

/** Options of `fetch`. Times in seconds are memcached's; `wait` and `maxWait` are milliseconds. */
export interface FetchOptions extends CommandOptions {
  /** Seconds the loaded value lives in memcached (0 = never expires). @default 0 */
  ttl?: number;
  /**
   * Seconds the right to recompute a missing key is held (`N<leaseTtl>`): how long an empty
   * placeholder stays when its winner never stores. Longer than your slowest load. @default 30
   */
  leaseTtl?: number;
  /** Milliseconds a caller that lost the lease on a miss sleeps between reads. @default 50 */
  wait?: number;
  /**
   * Milliseconds a caller that lost the lease on a miss waits in all before it calls the loader
   * itself (and stores only if the placeholder is still empty). @default 2000
   */
  maxWait?: number;
  /**
   * Soft TTL, in seconds: once a value is older than this (its TTL left is below
   * `ttl − staleAfter`: `R<ttl − staleAfter>`), one caller reloads it while the others are
   * served the old value. Needs a `ttl` greater than `staleAfter`, and assumes the item was
   * stored with that `ttl` (by `fetch`).
   */
  staleAfter?: number;
  /** Called (synchronously, before `fetch` resolves) when the value returned is stale. */
  onStale?: (info: StaleInfo) => void;
}

/** Options of `invalidate`. */
export interface InvalidateOptions extends CommandOptions {
  /**
   * Seconds the invalidated item lives on, served as stale while one caller recomputes it
   * (`T<ttl>`); its own TTL when omitted.
   */
  ttl?: number;
}

/** What the read-through needs from the client: lease commands routed like any other, and its codec. */
export interface LeaseCommands<V> {
  /** `mg` with lease flags; `undefined` when the key's server is down and its keys are offline. */
  read(key: string, lease: LeaseOptions, options: CommandOptions): Promise<LeaseItem | null | undefined>;
  /** `ms … I C<cas>` of the encoded value; `undefined` when offline. */
  write(key: string, value: V, ttl: number, cas: bigint, options: CommandOptions): Promise<StoreStatus | undefined>;
  decode(item: Item): V | Promise<V>;
}

/** A loader: reads the value of `key` from the source of truth. */
export type Loader<V> = (key: string) => V | Promise<V>;

const FETCH_OPTIONS = new Set(['signal', 'timeout', 'ttl', 'leaseTtl', 'wait', 'maxWait', 'staleAfter', 'onStale']);

interface Plan {
  readonly ttl: number;
  readonly lease: LeaseOptions;
  readonly wait: number;
  readonly maxWait: number;
  readonly onStale: ((info: StaleInfo) => void) | undefined;
  readonly command: CommandOptions;
}

/**
 * The value of `key`, loaded by exactly one caller across all frontends when it is missing or
 * stale; see the module comment for the cycle and {@link FetchOptions} for its knobs.
 * With the key's server down and its keys offline, the loader runs and nothing is stored.
 */
export async function readThrough<V>(commands: LeaseCommands<V>, key: string, loader: Loader<V>, options?: FetchOptions): Promise<V> {
  if (typeof loader !== 'function') throw new InvalidOptionError('loader', `fetch takes a function that loads the value, got ${loader === null ? 'null' : typeof loader}`);
  const plan = checkFetchOptions(options);
  const deadline = Date.now() + plan.maxWait;
  for (;;) {
    const item = await commands.read(key, plan.lease, plan.command);
    // Offline (or, without vivify, impossible): nobody to share a load with.
    if (item === undefined || item === null) return loader(key);
    if (item.win) return load(commands, key, loader, plan, item.cas);
    if (!isPlaceholder(item)) {
      const soft = plan.lease.recache !== undefined && item.alreadyWon;
      if (item.stale || soft) plan.onStale?.({ key, reason: item.stale ? 'invalidated' : 'soft-expired', ttl: item.ttl });
      return commands.decode(item);
    }
    // The miss is being loaded elsewhere; after maxWait, the winner is presumed lost.
    if (Date.now() + plan.wait > deadline) return load(commands, key, loader, plan, item.cas);
    await sleep(plan.wait, plan.command.signal);
  }
}

/** Checks `invalidate`'s options; @throws InvalidOptionError naming the bad one. */
export function checkInvalidateOptions(options: InvalidateOptions | undefined): { ttl: number | undefined; command: CommandOptions } {
  if (options === undefined) return { ttl: undefined, command: {} };
  checkKnown('invalidate', options, new Set(['signal', 'timeout', 'ttl']));
  if (options.ttl !== undefined) seconds('ttl', options.ttl, 0);
  return { ttl: options.ttl, command: { signal: options.signal, timeout: options.timeout } };
}

/**
 * An empty value that someone else holds the lease on: the placeholder a vivified miss left.
 * (A real empty value is only mistaken for it while it is being refreshed: then callers wait.)
 */
function isPlaceholder(item: LeaseItem): boolean {
  return item.alreadyWon && item.value.length === 0;
}

async function load<V>(commands: LeaseCommands<V>, key: string, loader: Loader<V>, plan: Plan, cas: bigint): Promise<V> {
  const value = await loader(key);
  // With `I`, a CAS older than the item's (an invalidation or another store came in between)
  // stores the value as stale, never as fresh; NOT_FOUND after a delete or expiry. Either way
  // the loaded value is this caller's answer: it asked before whatever came in between.
  await commands.write(key, value, plan.ttl, cas, plan.command);
  return value;
}

function checkFetchOptions(options: FetchOptions | undefined): Plan {
  const o = options ?? {};
  checkKnown('fetch', o, FETCH_OPTIONS);
  const ttl = o.ttl === undefined ? 0 : seconds('ttl', o.ttl, 0);
  const leaseTtl = o.leaseTtl === undefined ? 30 : seconds('leaseTtl', o.leaseTtl, 1);
  const wait = o.wait === undefined ? 50 : millis('wait', o.wait, 1);
  const maxWait = o.maxWait === undefined ? 2000 : millis('maxWait', o.maxWait, 0);
  let recache: number | undefined;
  if (o.staleAfter !== undefined) {
    seconds('staleAfter', o.staleAfter, 1);
    if (ttl === 0 || ttl <= o.staleAfter) {
      throw new InvalidOptionError('staleAfter', `must be below ttl (a value is soft-expired staleAfter seconds into its ttl), got staleAfter ${o.staleAfter} with ttl ${ttl}: pass a larger ttl or a smaller staleAfter`);
    }
    recache = ttl - o.staleAfter;
  }
  if (o.onStale !== undefined && typeof o.onStale !== 'function') throw new InvalidOptionError('onStale', `must be a function, got ${o.onStale === null ? 'null' : typeof o.onStale}`);
  return { ttl, lease: { vivify: leaseTtl, recache }, wait, maxWait, onStale: o.onStale, command: { signal: o.signal, timeout: o.timeout } };
}

function checkKnown(command: string, options: object, known: ReadonlySet<string>): void {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', `${command} takes an options object, got ${options === null ? 'null' : typeof options}`);
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw new InvalidOptionError(name, `is not an option of ${command}; it takes ${[...known].join(', ')}`);
  }
}

function seconds(name: string, value: unknown, min: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= 0x7fffffff) return value;
  throw new InvalidOptionError(name, `must be an integer number of seconds, at least ${min}, got ${String(value)}`);
}

function millis(name: string, value: unknown, min: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
  throw new InvalidOptionError(name, `must be a number of milliseconds, at least ${min}, got ${String(value)}`);
}

/** A ref'd timer on purpose: a fetch in progress keeps the process alive, as a request does. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
