import { describe } from '../describe.js';
import { InvalidOptionError } from '../errors.js';
import { parseServers, type ServerAddress, type ServerSpec } from '../servers.js';
import { Distribution as D, Failover as F, HashKind as H } from './core.js';

/** Key distribution, each byte-exact with the client it names. */
export type DistributionName = 'consistent' | 'standard' | 'buckets' | 'ketama';
/** Key hash for `consistent` and `standard`. */
export type HashName = 'crc32' | 'fnv';
/** What routing does with a down server's keys. */
export type FailoverName = 'offline' | 'redistribute';
/** Which implementation of the core to run. */
export type EngineName = 'wasm' | 'js';

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** The servers, in the order the other clients of the cluster list them (order matters). */
  servers: readonly ServerSpec[];
  /**
   * `consistent` = PECL memcache consistent (its default); `standard` = PECL standard;
   * `buckets` = Perl Cache::Memcached; `ketama` = libmemcached LIBKETAMA_COMPATIBLE / twemproxy ketama+md5 / npm memcached.
   * @default 'consistent'
   */
  distribution?: DistributionName;
  /** For `consistent` and `standard` (PECL `memcache.hash_function`). `buckets` is always crc32, `ketama` md5. @default 'crc32' */
  hash?: HashName;
  /**
   * `offline`: a down server's keys route nowhere (-1) until it is back.
   * `redistribute`: PECL's rehash (Perl's for `buckets`, next live point for `ketama`).
   * @default 'offline'
   */
  failover?: FailoverName;
  /** `wasm`, or `js` (the pure-TS twin). When omitted: wasm, falling back to js where WASM cannot load. */
  engine?: EngineName;
}

/** Every router option, each once: a name missing here is a compile error. */
const OPTION_NAMES: Record<keyof RouterOptions, true> = { servers: true, distribution: true, hash: true, failover: true, engine: true };

/**
 * The names of the router options. Any other name is refused: a misspelt option that changes
 * where keys go (`distrubution: 'ketama'`) must never fall back to a default.
 */
export const ROUTER_OPTION_NAMES: readonly (keyof RouterOptions)[] = Object.freeze(Object.keys(OPTION_NAMES) as (keyof RouterOptions)[]);

/** Options after validation, with codes for the core. */
export interface ResolvedRouterOptions {
  servers: ServerAddress[];
  distribution: DistributionName;
  hash: HashName | 'md5';
  failover: FailoverName;
  engine: EngineName | undefined;
  codes: { distribution: D; hash: H; failover: F };
}

const DISTRIBUTIONS: Record<DistributionName, D> = { consistent: D.Consistent, standard: D.Standard, buckets: D.Buckets, ketama: D.Ketama };
const HASHES: Record<HashName | 'md5', H> = { crc32: H.Crc32, fnv: H.Fnv, md5: H.Md5 };
const FAILOVERS: Record<FailoverName, F> = { offline: F.Offline, redistribute: F.Redistribute };

/** `value` as one of `allowed` (`fallback` when undefined), else an InvalidOptionError naming `option`. */
export function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidOptionError(option, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

function rejectUnknownNames(options: object): void {
  for (const name of Object.keys(options)) {
    if (!Object.hasOwn(OPTION_NAMES, name)) {
      throw new InvalidOptionError(name, `is not a router option; the options are ${ROUTER_OPTION_NAMES.join(', ')}`);
    }
  }
}

/**
 * Validates router options and fills defaults; nothing else reads raw router options.
 * @throws InvalidOptionError for an unknown option name or a bad value (the message names it and what is allowed).
 */
export function resolveRouterOptions(options: RouterOptions): ResolvedRouterOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'expected an object with at least { servers }');
  rejectUnknownNames(options);
  const servers = parseServers(options.servers);
  const distribution = oneOf('distribution', options.distribution, Object.keys(DISTRIBUTIONS) as DistributionName[], 'consistent');
  let hash: HashName | 'md5';
  if (distribution === 'consistent' || distribution === 'standard') {
    hash = oneOf('hash', options.hash, ['crc32', 'fnv'], 'crc32');
  } else {
    // Perl hashes with crc32 and libmemcached's ketama with md5: another hash would misroute every key.
    const only = distribution === 'buckets' ? 'crc32' : 'md5';
    if (options.hash !== undefined && (options.hash as string) !== only) {
      throw new InvalidOptionError('hash', `distribution '${distribution}' always hashes with ${only}; leave hash unset`);
    }
    hash = only;
  }
  const failover = oneOf('failover', options.failover, Object.keys(FAILOVERS) as FailoverName[], 'offline');
  const engine = options.engine === undefined ? undefined : oneOf('engine', options.engine, ['wasm', 'js'], 'wasm');
  return {
    servers, distribution, hash, failover, engine,
    codes: { distribution: DISTRIBUTIONS[distribution], hash: HASHES[hash], failover: FAILOVERS[failover] },
  };
}

/**
 * Validates router options synchronously, as {@link createRouter} will (which is async because
 * loading the WASM core is): a constructor can refuse bad options before it returns.
 * @throws InvalidOptionError for an unknown option name or a bad value.
 */
export function validateRouterOptions(options: RouterOptions): ResolvedRouterOptions {
  return resolveRouterOptions(options);
}
