import { systemClock, type Clock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import type { RouterOptions } from '../routing/options.js';
import { parseServers, type ServerAddress, type ServerSpec } from '../servers.js';
import type { Connector } from '../transport/transport.js';
import { resolveCodec, type Codec, type CodecOption } from './codec.js';

/** What a frontend does with a down server's keys. */
export type FailoverPolicy = 'offline' | 'redistribute' | 'gutter';
/** What the failback leader flushes before a returning server is trusted again. */
export type FlushPolicy = 'server' | 'cluster' | 'none';

/** Failback: how frontends agree on who flushes a returning server. */
export interface FailbackOptions {
  /**
   * `server`: flush the returning server; `cluster`: every up server (the thread's option 2,
   * which also clears copies written elsewhere during the outage); `none`: flush nothing.
   * @default 'server'
   */
  flush?: FlushPolicy;
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

/** Options of {@link Client}. Routing options are those of `createRouter`. */
export interface ClientOptions extends Omit<RouterOptions, 'failover'> {
  /**
   * `offline` (Don's mode): a down server's keys miss at once and writes are not stored; nothing goes elsewhere.
   * `redistribute`: PECL's rehash to a live server (writes capped by `failoverTtl` when set).
   * `gutter`: the `gutter` servers take a down server's keys, TTL capped by `gutterTtl`.
   * @default 'offline'
   */
  failover?: FailoverPolicy;
  /** Milliseconds to establish a connection. @default 1000 */
  connectTimeout?: number;
  /** Milliseconds to wait for an answer; then the connection is destroyed. @default 500 */
  timeout?: number;
  /** `true`, or TLS options for the runtime (node:tls options on Node). @default false */
  tls?: boolean | Record<string, unknown>;
  /** Requests waiting per server before `QueueFullError`. @default 10000 */
  maxQueue?: number;
  /** How values are encoded: 'utf8' strings, 'bytes', 'json', or your own codec. @default 'utf8' */
  codec?: CodecOption;
  /** Consecutive transport failures that take a server down. @default 1 */
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
  failback: { flush: FlushPolicy; lockKey: (unixSeconds: number) => string; lockTtl: number; waitTimeout: number };
  clock: Clock;
  connector: Connector | undefined;
}

function number(option: string, value: unknown, fallback: number, min: number, integer = true): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new InvalidOptionError(option, `must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${String(value)}`);
  }
  return value;
}

function lockKeyFn(option: FailbackOptions['lockKey']): (unixSeconds: number) => string {
  if (option === undefined || typeof option === 'string') {
    const prefix = option ?? 'last_failback_';
    return (s) => `${prefix}${Math.floor(s / 60)}`;
  }
  if (typeof option === 'function') return option;
  throw new InvalidOptionError('failback.lockKey', 'must be a key prefix string or a function (unixSeconds) => key');
}

/** Validates client options and fills defaults; nothing else reads raw client options. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'expected an object with at least { servers }');
  const failover = options.failover ?? 'offline';
  if (!['offline', 'redistribute', 'gutter'].includes(failover)) {
    throw new InvalidOptionError('failover', `must be one of 'offline', 'redistribute', 'gutter', got ${JSON.stringify(failover)}`);
  }
  const gutter = failover === 'gutter' ? parseServers(options.gutter, 'gutter') : [];
  if (failover !== 'gutter' && options.gutter !== undefined) {
    throw new InvalidOptionError('gutter', "gutter servers are used only with failover: 'gutter'");
  }
  const flush = options.failback?.flush ?? 'server';
  if (!['server', 'cluster', 'none'].includes(flush)) {
    throw new InvalidOptionError('failback.flush', `must be one of 'server', 'cluster', 'none', got ${JSON.stringify(flush)}`);
  }
  if (options.tls !== undefined && typeof options.tls !== 'boolean' && (options.tls === null || typeof options.tls !== 'object')) {
    throw new InvalidOptionError('tls', 'must be true, false or an object of TLS options');
  }
  const { failover: _f, connectTimeout: _c, timeout: _t, tls: _tls, maxQueue: _m, codec: _codec, failureLimit: _fl, retryInterval: _r,
    failoverTtl: _ft, gutter: _g, gutterTtl: _gt, failback: _fb, clock: _clock, connector: _conn, ...routing } = options;
  const router: RouterOptions = { ...routing, failover: failover === 'redistribute' ? 'redistribute' : 'offline' };
  return {
    servers: parseServers(options.servers),
    router,
    failover,
    connectTimeout: number('connectTimeout', options.connectTimeout, 1000, 1),
    timeout: number('timeout', options.timeout, 500, 1),
    tls: options.tls ?? false,
    maxQueue: number('maxQueue', options.maxQueue, 10_000, 1),
    codec: resolveCodec(options.codec),
    failureLimit: number('failureLimit', options.failureLimit, 1, 1),
    retryInterval: number('retryInterval', options.retryInterval, 15_000, 1),
    failoverTtl: options.failoverTtl === undefined ? undefined : number('failoverTtl', options.failoverTtl, 0, 1),
    gutter,
    gutterTtl: number('gutterTtl', options.gutterTtl, 10, 1),
    failback: {
      flush,
      lockKey: lockKeyFn(options.failback?.lockKey),
      lockTtl: number('failback.lockTtl', options.failback?.lockTtl, 60, 1),
      waitTimeout: number('failback.waitTimeout', options.failback?.waitTimeout, 10_000, 1),
    },
    clock: options.clock ?? systemClock,
    connector: options.connector,
  };
}
