import { systemClock, type Clock } from './clock.js';
import { InvalidOptionError } from './errors.js';
import { doneKey } from './health/failback-lock.js';
import { validateKey, validateKeyPrefix } from './protocol/keys.js';
import { RELATIVE_TTL_LIMIT } from './client/ttl.js';
import { oneOf, ROUTER_OPTION_NAMES, validateRouterOptions, type RouterOptions } from './routing/options.js';
import { describe } from './describe.js';
import { parseServers, type ServerAddress, type ServerSpec } from './servers.js';
import type { Connector } from './transport/transport.js';
import { runtimeTraits } from './transport/default.js';
import { resolveCodec, type Codec, type CodecOption } from './codec/codec.js';

/** What a frontend does with a down server's keys. */
export type FailoverPolicy = 'offline' | 'redistribute' | 'gutter';
/** The wire protocol of the data commands. */
export type ProtocolName = 'text' | 'meta';
/**
 * How a returning server is made safe before it is trusted again.
 * - `journal`: each frontend deletes exactly the keys it skipped, lost or wrote elsewhere while the
 *   server was down for it; a lock-coordinated flush of the server happens only after a restart
 *   (it lost its data anyway) or when that journal overflowed. A stall never wipes a warm server.
 * - `server`: the lock winner flushes the returning server (Mikael's option 1), plus the journal.
 * - `cluster`: the lock winner flushes every up server (option 2), plus the journal.
 * - `none`: nothing is flushed or deleted.
 */
export type FlushPolicy = 'journal' | 'server' | 'cluster' | 'none';

/** Failback: how frontends agree on who flushes a returning server. */
export interface FailbackOptions {
  /** See {@link FlushPolicy}. @default 'journal' */
  flush?: FlushPolicy;
  /**
   * Keys remembered per down server for the journal replay; past it the failback falls back to the
   * lock-coordinated flush of that server. @default 10000
   */
  journalLimit?: number;
  /**
   * The lock key, or a prefix to which `floor(unixSeconds / 60)` is appended, or a function of
   * the Unix time in seconds. Frontends (PHP ones included) that use the same key coordinate.
   * @default 'last_failback_' (the mailing-list recipe: `"last_failback_" + floor(time()/60)`)
   */
  lockKey?: string | ((unixSeconds: number) => string);
  /** Seconds the lock item lives (it also expires if a leader dies holding it). @default 60 */
  lockTtl?: number;
  /** Milliseconds a follower waits for the leader's done-marker before taking over. @default 10000 */
  waitTimeout?: number;
}

/**
 * Options of {@link Client}. Routing options are those of `createRouter`, except Dalli's `namespace`:
 * the Client stores keys as given, so give them whole (`'app:' + key`, routed as Dalli routes `key`
 * under namespace `app`).
 */
export interface ClientOptions extends Omit<RouterOptions, 'failover' | 'namespace'> {
  /**
   * `offline` (Don's mode): a down server's keys miss at once and writes are not stored; nothing goes elsewhere.
   * `redistribute`: PECL's rehash to a live server (writes capped by `failoverTtl` when set).
   * `gutter`: the `gutter` servers take a down server's keys, TTL capped by `gutterTtl`.
   * @default 'offline'
   */
  failover?: FailoverPolicy;
  /** Milliseconds to establish a connection. @default 1000 */
  connectTimeout?: number;
  /**
   * Milliseconds to wait for an answer, counted from when the request's bytes reach the socket;
   * then the connection is destroyed. An answer already waiting on the socket when the timer fires
   * (the event loop was blocked) is read first and never counts as a timeout. @default 500
   */
  timeout?: number;
  /**
   * Largest value accepted from a server, in bytes; a reply declaring more is a protocol error and
   * the connection is destroyed at once. Raised to the server's own `item_size_max` when its
   * `stats settings` reports a larger one. @default 1048576 (memcached's default item size limit)
   */
  maxValueBytes?: number;
  /** `true`, or TLS options for the runtime (node:tls options on Node). @default false */
  tls?: boolean | Record<string, unknown>;
  /** Requests waiting per server before `QueueFullError`. @default 10000 */
  maxQueue?: number;
  /** How values are encoded: 'utf8' strings, 'bytes', 'json', or your own codec. @default 'utf8' */
  codec?: CodecOption;
  /**
   * Consecutive soft failures (command or connect timeouts) that take a server down. Hard failures
   * (refused connect, reset, unexpected close, restart) take it down at once. 3 is mcrouter's TKO
   * threshold: one slow moment does not offline a server (and, under `server`/`cluster`, flush it),
   * while a hung one is down after about 3 × `timeout`. @default 3
   */
  failureLimit?: number;
  /** Milliseconds between probes of a down server (jittered by ±10%). @default 15000 */
  retryInterval?: number;
  /** Seconds: caps the TTL of writes that land on a fallback server under `redistribute`. @default undefined (no cap) */
  failoverTtl?: number;
  /** Gutter servers for `failover: 'gutter'`. */
  gutter?: readonly ServerSpec[];
  /** Seconds: caps the TTL of writes to a gutter server. @default 10 */
  gutterTtl?: number;
  /** Failback coordination across frontends. */
  failback?: FailbackOptions;
  /**
   * Read each server's identity (`stats` pid and boot time) on every new connection and probe, to
   * fail back restarts however short. Set false only for proxies that refuse `stats` by closing the
   * connection: restarts behind them are then seen only as connection failures. @default true
   */
  serverIdentity?: boolean;
  /**
   * The protocol of the data commands: `text` (get/set/…: every memcached and proxy) or `meta`
   * (mg/ms/md/ma, memcached ≥ 1.6: every answer carries its request's opaque token, checked, so a
   * value can never be handed to another request; quiet multi-gets). `stats`, `version` and
   * `flush_all` are text either way. @default 'text' (see the README for the measurements)
   */
  protocol?: ProtocolName;
  /** Time source (tests inject one). @default the system clock */
  clock?: Clock;
  /** Opens transports; the runtime's default when omitted (node:net/tls on Node). */
  connector?: Connector;
}

export interface ResolvedClientOptions {
  servers: ServerAddress[];
  router: RouterOptions;
  failover: FailoverPolicy;
  connectTimeout: number;
  timeout: number;
  tls: boolean | Record<string, unknown>;
  maxQueue: number;
  codec: Codec<unknown>;
  failureLimit: number;
  retryInterval: number;
  failoverTtl: number | undefined;
  gutter: ServerAddress[];
  gutterTtl: number;
  maxValueBytes: number;
  failback: { flush: FlushPolicy; journalLimit: number; lockKey: (unixSeconds: number) => string; lockTtl: number; waitTimeout: number };
  clock: Clock;
  connector: Connector | undefined;
  serverIdentity: boolean;
  protocol: ProtocolName;
}

/**
 * Longest delay a timer honours: Node, browsers and workerd fire a longer `setTimeout` at once,
 * so a longer connectTimeout would time out every connect, and a longer retryInterval probe in a loop.
 */
const MAX_TIMER_MS = 0x7fff_ffff;

function number(option: string, value: unknown, fallback: number, min: number, max = Infinity): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
    throw new InvalidOptionError(option, `must be an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

/** Seconds a TTL option may hold: memcached reads a larger exptime as a Unix time (long past: expired at once). */
function ttlSeconds(option: string, value: unknown, fallback: number): number {
  return number(option, value, fallback, 1, RELATIVE_TTL_LIMIT);
}

function lockKeyFn(option: FailbackOptions['lockKey'], clock: Clock): (unixSeconds: number) => string {
  if (option === undefined || typeof option === 'string') {
    const prefix = option ?? 'last_failback_';
    validateKeyPrefix(prefix, 'failback.lockKey');
    return (s) => `${prefix}${Math.floor(s / 60)}`;
  }
  if (typeof option !== 'function') throw new InvalidOptionError('failback.lockKey', 'must be a key prefix string or a function (unixSeconds) => key');
  const lockKey = (s: number): string => {
    const key = option(s);
    validateKey(key);
    return key;
  };
  // Tried now, on the keys failback will use (this minute's, and the done-marker derived from
  // lockKey(0)): a function that throws or returns a bad key would otherwise surface only when a
  // server fails back, or break every connection's handshake, which reads the marker.
  try {
    lockKey(Math.floor(clock.now() / 1000));
    validateKey(doneKey(lockKey));
  } catch (err) {
    throw new InvalidOptionError('failback.lockKey', `the function must return a valid memcached key: ${err instanceof Error ? err.message : describe(err)}`);
  }
  return lockKey;
}

/** Option names of the client beyond the router's. */
const CLIENT_OPTION_NAMES = [
  'failover', 'connectTimeout', 'timeout', 'maxValueBytes', 'tls', 'maxQueue', 'codec', 'failureLimit', 'retryInterval',
  'failoverTtl', 'gutter', 'gutterTtl', 'failback', 'clock', 'connector', 'serverIdentity', 'protocol',
] as const;
const FAILBACK_OPTION_NAMES = ['flush', 'journalLimit', 'lockKey', 'lockTtl', 'waitTimeout'] as const;

/** Rejects option names nobody reads: a typo (`timout`, `distrubution`) must never be silently ignored. */
function checkNames(option: string, value: object, known: readonly string[]): void {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      throw new InvalidOptionError(`${option}${name}`, `is not an option; the known ones are ${known.join(', ')}`);
    }
  }
}

function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, `must be true or false, got ${describe(value)}`);
  return value;
}

function clockOption(clock: unknown): Clock {
  if (clock === undefined) return systemClock;
  const c = clock as Partial<Clock> | null;
  if (c === null || typeof c !== 'object' || typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new InvalidOptionError('clock', 'must be an object with now(), setTimeout(fn, ms) and clearTimeout(handle)');
  }
  return clock as Clock;
}

/** Validates client options and fills defaults, synchronously; nothing else reads raw client options. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'expected an object with at least { servers }');
  if (Object.hasOwn(options, 'namespace')) {
    // Routing by Dalli's namespaced key but storing the bare key would put every value where Dalli never looks.
    throw new InvalidOptionError('namespace', "is a router option only: the Client sends keys as given, so give them whole ('app:' + key, placed as Dalli places key under namespace app) and leave namespace unset");
  }
  checkNames('', options, [...ROUTER_OPTION_NAMES.filter((n) => n !== 'failover'), ...CLIENT_OPTION_NAMES]);
  const failover = oneOf('failover', options.failover, ['offline', 'redistribute', 'gutter'], 'offline');
  const gutter = failover === 'gutter' ? parseServers(options.gutter, 'gutter') : [];
  if (failover !== 'gutter' && options.gutter !== undefined) {
    throw new InvalidOptionError('gutter', "gutter servers are used only with failover: 'gutter'");
  }
  // `failback: null` is refused like any other non-object (`??` would take it for the defaults).
  const failback = options.failback === undefined ? {} : options.failback;
  if (failback === null || typeof failback !== 'object') throw new InvalidOptionError('failback', `must be an object of failback options, got ${describe(failback)}`);
  checkNames('failback.', failback, FAILBACK_OPTION_NAMES);
  const flush = oneOf('failback.flush', failback.flush, ['journal', 'server', 'cluster', 'none'], 'journal');
  if (options.tls !== undefined && typeof options.tls !== 'boolean' && (options.tls === null || typeof options.tls !== 'object')) {
    throw new InvalidOptionError('tls', 'must be true, false or an object of TLS options');
  }
  if (options.connector !== undefined && typeof options.connector !== 'function') {
    throw new InvalidOptionError('connector', 'must be a function (options, handlers) => Promise<Transport>');
  }
  // The runtime's own transport may refuse TLS settings (workerd takes no CA or key): say so now.
  if (options.connector === undefined && options.tls !== undefined) runtimeTraits().checkTls?.(options.tls);
  const { failover: _f, connectTimeout: _c, timeout: _t, maxValueBytes: _mv, tls: _tls, maxQueue: _m, codec: _codec, failureLimit: _fl, retryInterval: _r,
    failoverTtl: _ft, gutter: _g, gutterTtl: _gt, failback: _fb, clock: _clock, connector: _conn, serverIdentity: _si, protocol: _p, ...routing } = options;
  const router: RouterOptions = { ...routing, failover: failover === 'redistribute' ? 'redistribute' : 'offline' };
  // Routing options decide where keys go: checked now, not at the first command.
  validateRouterOptions(router);
  const clock = clockOption(options.clock);
  return {
    servers: parseServers(options.servers),
    router,
    failover,
    connectTimeout: number('connectTimeout', options.connectTimeout, 1000, 1, MAX_TIMER_MS),
    timeout: number('timeout', options.timeout, 500, 1),
    maxValueBytes: number('maxValueBytes', options.maxValueBytes, 1024 * 1024, 1),
    tls: options.tls ?? false,
    maxQueue: number('maxQueue', options.maxQueue, 10_000, 1),
    codec: resolveCodec(options.codec),
    failureLimit: number('failureLimit', options.failureLimit, 3, 1),
    retryInterval: number('retryInterval', options.retryInterval, 15_000, 1, MAX_TIMER_MS),
    failoverTtl: options.failoverTtl === undefined ? undefined : ttlSeconds('failoverTtl', options.failoverTtl, 0),
    gutter,
    gutterTtl: ttlSeconds('gutterTtl', options.gutterTtl, 10),
    failback: {
      flush,
      journalLimit: number('failback.journalLimit', failback.journalLimit, 10_000, 0),
      lockKey: lockKeyFn(failback.lockKey, clock),
      lockTtl: ttlSeconds('failback.lockTtl', failback.lockTtl, 60),
      waitTimeout: number('failback.waitTimeout', failback.waitTimeout, 10_000, 1),
    },
    clock,
    connector: options.connector,
    serverIdentity: booleanOption('serverIdentity', options.serverIdentity, true),
    protocol: oneOf('protocol', options.protocol, ['text', 'meta'], 'text'),
  };
}
