import { describe } from '../describe.js';
import { InvalidOptionError } from '../errors.js';
import { parseServers, type ServerAddress, type ServerSpec } from '../servers.js';
import { Distribution as D, Failover as F, HashKind as H } from './core.js';
import { pointName, takesServerNames, type PointNameRule } from './point-names.js';

/** Key distribution, each byte-exact with the client it names. */
export type DistributionName = 'consistent' | 'standard' | 'buckets' | 'ketama' | 'modula';
/** What kind of placement a router does: a distribution name, or (through `compat` only) `rendezvous` (pymemcache), `ch3` (mcrouter). */
export type PlacementName = DistributionName | 'rendezvous' | 'ch3';
/** libhashkit's key hashes (libmemcached 1.1.4), as php-memcached and pylibmc name them. */
export type LibhashkitHashName = 'one_at_a_time' | 'md5' | 'crc' | 'fnv1_32' | 'fnv1a_32' | 'fnv1_64' | 'fnv1a_64' | 'murmur' | 'murmur3' | 'jenkins';
/** twemproxy's names: its `crc32` is libhashkit's 15-bit `crc`, `crc32a` the full CRC-32. */
export type TwemproxyHashName = 'one_at_a_time' | 'md5' | 'crc32' | 'crc32a' | 'fnv1_32' | 'fnv1a_32' | 'fnv1_64' | 'fnv1a_64' | 'hsieh' | 'murmur' | 'jenkins';
/**
 * Key hash: `crc32` | `fnv` for `consistent` and `standard`; a libhashkit name for `modula`;
 * with `compat`, the names that client uses (see {@link CompatName}).
 */
export type HashName = 'crc32' | 'fnv' | LibhashkitHashName | TwemproxyHashName | 'java-hashcode-abs' | 'native' | 'crc15or1' | 'murmur3_32' | 'furc_hash' | 'sha1-crc32';
/**
 * A recorded client configuration, named `client/strategy` exactly as the vector files' headers
 * (HASHING-2.md): the same server for every key as that client, and its failover under `redistribute`.
 */
export type CompatName =
  | 'pecl-memcache/consistent' | 'pecl-memcache/standard' | 'perl-cache-memcached/buckets'
  | 'php-memcached/modula' | 'pylibmc/modula' | 'twemproxy/modula' | 'twemproxy/ketama' | 'gomemcache/modulo' | 'memjs/modulo'
  | 'spymemcached/arraymod' | 'python-memcached/buckets' | 'npm-memcached/ketama' | 'memcache-plus/ketama' | 'pymemcache/rendezvous'
  | 'perl-cache-memcached-fast/compatible' | 'perl-cache-memcached-fast/ketama' | 'mcrouter/ch3'
  | 'php-memcached/consistent' | 'pylibmc/consistent' | 'pylibmc/consistent-spy' | 'php-memcached/ketama-weighted' | 'pylibmc/ketama-weighted'
  | 'spymemcached/ketama' | 'spymemcached/ketama-libmemcached' | 'spymemcached/ketama-weighted' | 'dalli/ring';
/** What routing does with a down server's keys. */
export type FailoverName = 'offline' | 'redistribute';
/** How pymemcache was handed the keys: Python `str` (the default) or `bytes` (hashed as their repr()). */
export type KeyTypeName = 'str' | 'bytes';
/** Which implementation of the core to run. */
export type EngineName = 'wasm' | 'js';

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** The servers, in the order the other clients of the cluster list them (order matters). */
  servers: readonly ServerSpec[];
  /**
   * A client whose placement to reproduce, as `client/strategy` (the vector files' names); sets the
   * distribution (leave `distribution` unset) and takes that client's `hash` names:
   * - `php-memcached/modula`, `pylibmc/modula` (libmemcached 1.1.4 modula, weights ignored):
   *   `one_at_a_time` (default), `md5`, `crc`, `fnv1_32`, `fnv1a_32`, `fnv1_64`, `fnv1a_64`, `murmur`,
   *   `murmur3`, `jenkins`. Neither client fails over: under `redistribute` a down server's keys route nowhere (-1).
   * - `twemproxy/modula` (nutcracker 0.5.0; servers sorted by name, `weight` copies each): `fnv1a_64`
   *   (default), `one_at_a_time`, `md5`, `crc32` (15-bit), `crc32a`, `fnv1_32`, `fnv1a_32`, `fnv1_64`,
   *   `hsieh`, `murmur`, `jenkins`. No failover (auto_eject_hosts off): -1. `twemproxy/ketama` (its default):
   *   libmemcached's weighted ketama points (md5, float32 counts) with the same key hashes and rules.
   *   Servers are named `host:port` (`host` for port 11211), or by their own `name` (twemproxy's
   *   `- host:port:weight name`), which replaces host:port in the continuum and in the sort order.
   * - `gomemcache/modulo`: `crc32` (full 32 bits); `weight` = the address listed that many times in a row. No failover: -1.
   * - `memjs/modulo` (memjs 1.3.2): `java-hashcode-abs` (Math.abs of Java's String.hashCode over UTF-16 units),
   *   weights ignored; `redistribute` = memjs `failover: true` (the next live server in list order, wrapping).
   * - `spymemcached/arraymod` (spymemcached 2.12.3's default): `native` (String.hashCode read unsigned, default)
   *   or `md5` (KETAMA_HASH) % n, weights ignored; `redistribute` = its FailureMode.Redistribute: the next live
   *   index, wrapping.
   * - `spymemcached/ketama`, `spymemcached/ketama-libmemcached` (KetamaConnectionFactory, weights ignored),
   *   `spymemcached/ketama-weighted` (a weight map: libmemcached's float32 point counts): `md5` (KETAMA_HASH,
   *   default: 40 MD5 digests of "name-i", 4 points each) or `native` (160 points hashCode("name-i"); weighted:
   *   MD5 points, native keys); an equal point keeps the later server (a TreeMap). The points hash each server's
   *   ketama node name: its `name`, else what the JVM forms from host and port (`ketama`, `ketama-weighted`: format
   *   SPYMEMCACHED, `127.0.0.1:21211`, `localhost/127.0.0.1:21211`; `ketama-libmemcached`: format LIBMEMCACHED,
   *   `getHostName()` and `:port` unless 11211, `localhost:21211` for 127.0.0.1); a name that needs a DNS lookup
   *   must be given. `redistribute` = FailureMode.Redistribute: h += hash(decimal(t) + key) for t = 0 .. 5, each
   *   the next point at or after h; none live: -1.
   * - `dalli/ring` (Dalli 3.0.6, Rails): `sha1-crc32`: floor(n * 160 * w / total) points per server at
   *   SHA-1("host:port:i"), keys hashed with crc32 after `namespace` (as Dalli applies it), the last point at or
   *   below the hash; `redistribute` = Dalli's failover: crc32(decimal(try) + key), try = 0 .. 18.
   * - `php-memcached/consistent`, `pylibmc/consistent` (libmemcached consistent, pylibmc `ketama: True`): every
   *   weight 1: 100 points per server at hash(name + "-" + i) with the key hash; any weight > 1 switches
   *   libmemcached to weighted ketama (md5 points) with the key hash kept. `pylibmc/consistent-spy`: points named
   *   "/host:port-i" (weights > 1 are refused: not recorded). `php-memcached/ketama-weighted`,
   *   `pylibmc/ketama-weighted`: weighted ketama, `md5` keys by default (libketama), any libhashkit key hash.
   *   The libhashkit hash names; no failover (auto-eject off): under `redistribute` a down server's keys fail (-1).
   * - `python-memcached/buckets` (1.58): `crc15or1` (crc15, 0 → 1), `weight` copies in list order (= PECL standard);
   *   `redistribute` = its 10 tries, each rehashing the previous hash (`crc15or1(decimal(h) + decimal(i))`).
   * - `npm-memcached/ketama` (memcached 2.2.2), `memcache-plus/ketama` (0.3.1), both on hashring 3.2.0: `md5`;
   *   libketama's md5 points but floor(w / total * 40 * n) digests in double precision (7, 14 or 28 equal
   *   servers get 39, not 40); names `host` for port 11211 (npm memcached) or always `host:port` (memcache-plus).
   *   `redistribute`: the next live point — what npm memcached's removal of a failed server from the ring gives
   *   while the weights are equal and neither the full nor the live server count is 7, 14 or 28 (not recorded).
   * - `pymemcache/rendezvous` (3.5.2, Django's PyMemcacheCache): `murmur3_32` (seed 0) of "host:port-key" over
   *   the key as a Python str (one byte, code point & 0xff, per code point), the highest score wins; weights
   *   ignored; `redistribute` = a down server removed from the hasher (its keys go to their runner-up).
   *   Keys are routed as `str` keys are; `keyType: 'bytes'` routes them as pymemcache routes bytes keys.
   * - `perl-cache-memcached-fast/compatible`, `perl-cache-memcached-fast/ketama` (Cache::Memcached::Fast 0.28):
   *   `crc32`; compatible = its double-precision rescaled continuum (the same server as Cache::Memcached except
   *   hash 0); ketama = its crc32-chained points, `points` (its `ketama_points`) per unit of weight. No failover (-1).
   * - `mcrouter/ch3` (HashRoute's default): `furc_hash` of the key (give mcrouter's routing key: no
   *   /region/cluster/ prefix); weights ignored (WeightedCh3 is not implemented); no failover (-1).
   * - `pecl-memcache/consistent`, `pecl-memcache/standard` (`crc32`, `fnv`), `perl-cache-memcached/buckets`
   *   (`crc32`): the same as the `distribution` of that name.
   * @default undefined (use `distribution`)
   */
  compat?: CompatName;
  /**
   * `consistent` = PECL memcache consistent (its default); `standard` = PECL standard;
   * `buckets` = Perl Cache::Memcached; `ketama` = libmemcached LIBKETAMA_COMPATIBLE / twemproxy ketama+md5 / npm memcached;
   * `modula` = libmemcached modula (`hash % servers`, weights ignored; no `redistribute`: libmemcached has no rehash).
   * @default 'consistent'
   */
  distribution?: DistributionName;
  /**
   * For `consistent` and `standard` (PECL `memcache.hash_function`): `crc32` (default) or `fnv`.
   * For `modula`: a libhashkit name, `one_at_a_time` by default. `buckets` is always crc32, `ketama` md5.
   * With `compat`: that client's names.
   */
  hash?: HashName;
  /**
   * `offline`: a down server's keys route nowhere (-1) until it is back.
   * `redistribute`: PECL's rehash (Perl's for `buckets`, next live point for `ketama`); with `compat`, what that
   * client does: PECL's and Perl's rehashes, python-memcached's, the next live server (memjs, spymemcached
   * arraymod), the runner-up (pymemcache), the next live point (npm memcached, memcache-plus), Dalli's
   * crc32(try + key), spymemcached ketama's KetamaIterator (h += hash(try + key)); the clients without
   * failover (php-memcached and pylibmc without auto-eject, twemproxy, gomemcache, Cache::Memcached::Fast, mcrouter)
   * leave the keys nowhere, -1. Refused for plain `modula`, which names no client's rule.
   * @default 'offline'
   */
  failover?: FailoverName;
  /**
   * Cache::Memcached::Fast's `ketama_points`: points per unit of weight, an integer from 1 to 10,000.
   * Required with compat `perl-cache-memcached-fast/ketama`; 0 (or unset) with `perl-cache-memcached-fast/compatible`;
   * refused otherwise.
   */
  points?: number;
  /**
   * Dalli's `namespace` (compat `dalli/ring` only): hashed as Dalli stores the key, `namespace + ":" + key`,
   * a final key over 250 characters cut to 212 (213 with a namespace) + ":md5:" + its hex MD5. The router only
   * routes: keys are given and stored without it.
   */
  namespace?: string;
  /**
   * pymemcache only: `str` (default) routes each key as a Python str; `bytes` as Python bytes of the key's
   * UTF-8 (a Uint8Array key: those bytes), which pymemcache hashes as their repr() (`b'...'`) and stores as is.
   */
  keyType?: KeyTypeName;
  /** `wasm`, or `js` (the pure-TS twin). When omitted: wasm, falling back to js where WASM cannot load. */
  engine?: EngineName;
}

/** Every router option, each once: a name missing here is a compile error. */
const OPTION_NAMES: Record<keyof RouterOptions, true> = {
  servers: true, compat: true, distribution: true, hash: true, failover: true, points: true, namespace: true, keyType: true, engine: true,
};

/**
 * The names of the router options. Any other name is refused: a misspelt option that changes
 * where keys go (`distrubution: 'ketama'`) must never fall back to a default.
 */
export const ROUTER_OPTION_NAMES: readonly (keyof RouterOptions)[] = Object.freeze(Object.keys(OPTION_NAMES) as (keyof RouterOptions)[]);

/** Options after validation, with codes for the core. */
export interface ResolvedRouterOptions {
  servers: ServerAddress[];
  compat: CompatName | undefined;
  distribution: PlacementName;
  hash: HashName;
  failover: FailoverName;
  engine: EngineName | undefined;
  /** The name the core hashes (or sorts) per server, in server order (see {@link PointNameRule}). */
  pointNames: string[];
  /** Dalli's namespace (`dalli/ring`), undefined: none. */
  namespace: string | undefined;
  /** What the core reads as each server's weight: the weight, or (Cache::Memcached::Fast ketama) its point count. */
  coreWeights: number[];
  codes: { distribution: D; hash: H; failover: F };
}

/** How one distribution (or compat preset) routes: its table, its hashes by name, its failover. */
interface Scheme {
  readonly distribution: PlacementName;
  readonly table: D;
  readonly hashes: Readonly<Partial<Record<HashName, H>>>;
  readonly defaultHash: HashName;
  readonly pointNames: PointNameRule;
  /** The client has server names (spymemcached) though this scheme hashes none: a server's `name` is taken, unused. */
  readonly ignoresServerNames?: true;
  /** Dalli: takes the `namespace` option. */
  readonly namespace?: true;
  /** pymemcache: the hash kind of `keyType: 'bytes'`. */
  readonly bytesKeys?: H;
  /** What `redistribute` does: the core's rehash, the client's "keys fail" (-1), or refused (no client rule). */
  readonly redistribute: 'rehash' | 'fails' | 'refused';
  /** libmemcached's weighted switch: the table when any server has weight > 1 (`refused`: not recorded). */
  readonly ifWeighted?: D | 'refused';
  /**
   * Cache::Memcached::Fast's `ketama_points` as `points`: `required` (ketama: each server gets
   * trunc(points * weight + 0.5) points), or `zero` (compatible mode is ketama_points 0: 0 or unset).
   */
  readonly points?: 'required' | 'zero';
}

const PECL_HASHES = { crc32: H.Crc32, fnv: H.Fnv } as const;
const LIBHASHKIT_HASHES: Readonly<Record<LibhashkitHashName, H>> = {
  one_at_a_time: H.OneAtATime, md5: H.Md5, crc: H.Crc15, fnv1_32: H.Fnv1_32, fnv1a_32: H.Fnv, fnv1_64: H.Fnv1_64, fnv1a_64: H.Fnv1a_64,
  murmur: H.Murmur, murmur3: H.Murmur3, jenkins: H.Jenkins,
};
const TWEMPROXY_HASHES: Readonly<Record<TwemproxyHashName, H>> = {
  one_at_a_time: H.OneAtATime, md5: H.Md5, crc32: H.Crc15, crc32a: H.Crc32, fnv1_32: H.Fnv1_32, fnv1a_32: H.Fnv, fnv1_64: H.Fnv1_64,
  fnv1a_64: H.Fnv1a_64, hsieh: H.Hsieh, murmur: H.Murmur, jenkins: H.Jenkins,
};

const DISTRIBUTIONS: Readonly<Record<DistributionName, Scheme>> = {
  consistent: { distribution: 'consistent', table: D.Consistent, hashes: PECL_HASHES, defaultHash: 'crc32', pointNames: 'host:port', redistribute: 'rehash' },
  standard: { distribution: 'standard', table: D.Standard, hashes: PECL_HASHES, defaultHash: 'crc32', pointNames: 'host:port', redistribute: 'rehash' },
  buckets: { distribution: 'buckets', table: D.Buckets, hashes: { crc32: H.Crc32 }, defaultHash: 'crc32', pointNames: 'host:port', redistribute: 'rehash' },
  ketama: { distribution: 'ketama', table: D.Ketama, hashes: { md5: H.Md5 }, defaultHash: 'md5', pointNames: 'host-unless-11211', redistribute: 'rehash' },
  modula: { distribution: 'modula', table: D.Modula, hashes: LIBHASHKIT_HASHES, defaultHash: 'one_at_a_time', pointNames: 'host:port', redistribute: 'refused' },
};

const LIBMEMCACHED_MODULA: Scheme = { ...DISTRIBUTIONS.modula, redistribute: 'fails' };
const LIBMEMCACHED_CONSISTENT: Scheme = {
  distribution: 'ketama', table: D.Continuum, ifWeighted: D.Ketama, hashes: LIBHASHKIT_HASHES, defaultHash: 'one_at_a_time', pointNames: 'host-unless-11211', redistribute: 'fails',
};
const HASHRING_KETAMA: Scheme = { ...DISTRIBUTIONS.ketama, table: D.Hashring };
const LIBMEMCACHED_KETAMA_WEIGHTED: Scheme = { ...DISTRIBUTIONS.ketama, hashes: LIBHASHKIT_HASHES, redistribute: 'fails' };
const SPYMEMCACHED_HASHES = { md5: H.Md5, native: H.JavaHashCode } as const;
const SPYMEMCACHED_KETAMA: Scheme = {
  distribution: 'ketama', table: D.SpyKetama, hashes: SPYMEMCACHED_HASHES, defaultHash: 'md5', pointNames: 'spymemcached', redistribute: 'rehash',
};
const COMPAT: Readonly<Record<CompatName, Scheme>> = {
  'pecl-memcache/consistent': DISTRIBUTIONS.consistent,
  'pecl-memcache/standard': DISTRIBUTIONS.standard,
  'perl-cache-memcached/buckets': DISTRIBUTIONS.buckets,
  'php-memcached/modula': LIBMEMCACHED_MODULA,
  'pylibmc/modula': LIBMEMCACHED_MODULA,
  'twemproxy/modula': {
    distribution: 'modula', table: D.ModulaSorted, hashes: TWEMPROXY_HASHES, defaultHash: 'fnv1a_64', pointNames: 'twemproxy', redistribute: 'fails',
  },
  'twemproxy/ketama': {
    distribution: 'ketama', table: D.KetamaSorted, hashes: TWEMPROXY_HASHES, defaultHash: 'fnv1a_64', pointNames: 'twemproxy', redistribute: 'fails',
  },
  'gomemcache/modulo': { distribution: 'modula', table: D.ModulaCopies, hashes: { crc32: H.Crc32 }, defaultHash: 'crc32', pointNames: 'host:port', redistribute: 'fails' },
  'php-memcached/consistent': LIBMEMCACHED_CONSISTENT,
  'pylibmc/consistent': LIBMEMCACHED_CONSISTENT,
  'pylibmc/consistent-spy': { ...LIBMEMCACHED_CONSISTENT, pointNames: '/host:port', ifWeighted: 'refused' },
  'php-memcached/ketama-weighted': LIBMEMCACHED_KETAMA_WEIGHTED,
  'pylibmc/ketama-weighted': LIBMEMCACHED_KETAMA_WEIGHTED,
  'spymemcached/arraymod': {
    // ArrayModNodeLocator: hashAlg.hash(key) % n, whichever hashAlg the factory was given.
    distribution: 'modula', table: D.Modula, hashes: SPYMEMCACHED_HASHES, defaultHash: 'native', pointNames: 'host:port', redistribute: 'rehash',
    ignoresServerNames: true,
  },
  'spymemcached/ketama': SPYMEMCACHED_KETAMA,
  'spymemcached/ketama-libmemcached': { ...SPYMEMCACHED_KETAMA, pointNames: 'spymemcached-libmemcached' },
  'spymemcached/ketama-weighted': { ...SPYMEMCACHED_KETAMA, table: D.SpyKetamaWeighted },
  'dalli/ring': {
    // sha1-crc32 names both hashes; the key hash the core is given is the crc32 (SHA-1 makes the points).
    distribution: 'ketama', table: D.Ring, hashes: { 'sha1-crc32': H.Crc32 }, defaultHash: 'sha1-crc32', pointNames: 'host:port', redistribute: 'rehash',
    namespace: true,
  },
  'python-memcached/buckets': {
    distribution: 'buckets', table: D.PythonBuckets, hashes: { crc15or1: H.Crc32 }, defaultHash: 'crc15or1', pointNames: 'host:port', redistribute: 'rehash',
  },
  'npm-memcached/ketama': HASHRING_KETAMA,
  'memcache-plus/ketama': { ...HASHRING_KETAMA, pointNames: 'host:port' },
  'pymemcache/rendezvous': {
    distribution: 'rendezvous', table: D.Rendezvous, hashes: { murmur3_32: H.Murmur3CodePoints }, defaultHash: 'murmur3_32', pointNames: 'host:port', redistribute: 'rehash',
    bytesKeys: H.Murmur3BytesRepr,
  },
  'perl-cache-memcached-fast/compatible': {
    distribution: 'buckets', table: D.FastCompatible, hashes: { crc32: H.Crc32 }, defaultHash: 'crc32', pointNames: 'host:port', redistribute: 'fails',
    points: 'zero',
  },
  'perl-cache-memcached-fast/ketama': {
    distribution: 'ketama', table: D.FastKetama, hashes: { crc32: H.Crc32 }, defaultHash: 'crc32', pointNames: 'host\0port', redistribute: 'fails',
    points: 'required',
  },
  'mcrouter/ch3': {
    // furc_hash is the table's own lookup: the core ignores the hash kind for Ch3.
    distribution: 'ch3', table: D.Ch3, hashes: { furc_hash: H.Crc32 }, defaultHash: 'furc_hash', pointNames: 'host:port', redistribute: 'fails',
  },
  'memjs/modulo': {
    distribution: 'modula', table: D.Modula, hashes: { 'java-hashcode-abs': H.JavaHashCodeAbs }, defaultHash: 'java-hashcode-abs', pointNames: 'host:port', redistribute: 'rehash',
  },
};

const FAILOVERS: readonly FailoverName[] = ['offline', 'redistribute'];

/** The compat names failback implements, for errors and docs. */
export const COMPAT_NAMES: readonly CompatName[] = Object.freeze(Object.keys(COMPAT) as CompatName[]);

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
  const compat = options.compat === undefined ? undefined : oneOf('compat', options.compat, COMPAT_NAMES, COMPAT_NAMES[0]);
  if (compat !== undefined && options.distribution !== undefined) {
    throw new InvalidOptionError('distribution', `compat '${compat}' sets the distribution; leave distribution unset`);
  }
  const scheme = compat === undefined
    ? DISTRIBUTIONS[oneOf('distribution', options.distribution, Object.keys(DISTRIBUTIONS) as DistributionName[], 'consistent')]
    : COMPAT[compat];
  const hashNames = Object.keys(scheme.hashes) as HashName[];
  const who = compat === undefined ? `distribution '${scheme.distribution}'` : `compat '${compat}'`;
  if (hashNames.length === 1 && options.hash !== undefined && options.hash !== hashNames[0]) {
    // Perl hashes with crc32 and libmemcached's ketama with md5: another hash would misroute every key.
    throw new InvalidOptionError('hash', `${who} always hashes with ${hashNames[0]}; leave hash unset, got ${describe(options.hash)}`);
  }
  if (options.hash !== undefined && !hashNames.includes(options.hash)) {
    throw new InvalidOptionError('hash', `${who} takes ${hashNames.map((h) => `'${h}'`).join(', ')}, got ${describe(options.hash)}`);
  }
  const hash = options.hash ?? scheme.defaultHash;
  const failover = oneOf('failover', options.failover, FAILOVERS, 'offline');
  if (failover === 'redistribute' && scheme.redistribute === 'refused') {
    throw new InvalidOptionError('failover', `libmemcached's ${scheme.distribution} has no rehash: a down server's keys fail; use 'offline' (or a compat preset, which fails over as its client does)`);
  }
  const engine = options.engine === undefined ? undefined : oneOf('engine', options.engine, ['wasm', 'js'], 'wasm');
  const coreWeights = pointCounts(scheme, compat, options.points, servers);
  // A client without failover leaves a down server's keys unserved, whatever `redistribute` asks.
  const failoverCode = failover === 'redistribute' && scheme.redistribute === 'rehash' ? F.Redistribute : F.Offline;
  const namespace = namespaceOf(scheme, who, options.namespace);
  const keyType = keyTypeOf(scheme, who, options.keyType);
  return {
    servers, compat, distribution: scheme.distribution, hash, failover, engine, pointNames: pointNamesOf(scheme, who, servers), namespace, coreWeights,
    codes: {
      distribution: tableFor(scheme, compat, servers),
      hash: keyType === 'bytes' ? scheme.bytesKeys! : scheme.hashes[hash]!,
      failover: failoverCode,
    },
  };
}

/** Dalli's namespace: a string, for `dalli/ring` only. */
function namespaceOf(scheme: Scheme, who: string, namespace: unknown): string | undefined {
  if (namespace === undefined) return undefined;
  if (!scheme.namespace) throw new InvalidOptionError('namespace', `is Dalli's namespace, for compat 'dalli/ring' only; ${who} hashes the key alone`);
  if (typeof namespace !== 'string') throw new InvalidOptionError('namespace', `must be a string (Dalli's namespace), got ${describe(namespace)}`);
  return namespace;
}

/** pymemcache's key type: `str` or `bytes`, for `pymemcache/rendezvous` only. */
function keyTypeOf(scheme: Scheme, who: string, keyType: unknown): KeyTypeName {
  if (keyType === undefined) return 'str';
  if (scheme.bytesKeys === undefined) throw new InvalidOptionError('keyType', `is pymemcache's (str or bytes keys), for compat 'pymemcache/rendezvous' only; ${who} hashes key bytes`);
  return oneOf('keyType', keyType, ['str', 'bytes'], 'str');
}

/**
 * Each server's point name under the scheme's rule. A server's own `name` is taken by the clients
 * that name servers (twemproxy, spymemcached); the others place servers by host:port and refuse
 * any other name, which would otherwise be silently ignored. twemproxy refuses two servers of one name.
 */
function pointNamesOf(scheme: Scheme, who: string, servers: readonly ServerAddress[]): string[] {
  const names = servers.map((s, i) => {
    if (s.nodeName !== undefined && s.nodeName !== s.name && !takesServerNames(scheme.pointNames) && !scheme.ignoresServerNames) {
      throw new InvalidOptionError(`servers[${i}].name`, `${who} places servers by host:port (${s.name}); a server name is for twemproxy and spymemcached, got ${describe(s.nodeName)}`);
    }
    return pointName(s, scheme.pointNames, `servers[${i}]`);
  });
  if (scheme.pointNames === 'twemproxy') {
    const twice = names.findIndex((n, i) => names.indexOf(n) !== i);
    if (twice >= 0) throw new InvalidOptionError(`servers[${twice}].name`, `twemproxy refuses two servers named ${describe(names[twice])}`);
  }
  return names;
}

/** Most points per ketama_points unit, and most points in all (the cores' tables stay small). */
const MAX_POINTS_PER_WEIGHT = 10_000;
const MAX_TOTAL_POINTS = 1 << 24;

/** The weights the core reads: the servers' own, or Cache::Memcached::Fast's point counts from `points`. */
function pointCounts(scheme: Scheme, compat: CompatName | undefined, points: unknown, servers: readonly ServerAddress[]): number[] {
  if (scheme.points !== 'required') {
    if (points === undefined || (points === 0 && scheme.points === 'zero')) return servers.map((s) => s.weight);
    const why = scheme.points === 'zero' ? `compat '${compat}' is ketama_points 0 (use compat 'perl-cache-memcached-fast/ketama' for more)` : `is Cache::Memcached::Fast's ketama_points, for compat 'perl-cache-memcached-fast/ketama' only`;
    throw new InvalidOptionError('points', `${why}, got ${describe(points)}`);
  }
  if (typeof points !== 'number' || !Number.isInteger(points) || points < 1 || points > MAX_POINTS_PER_WEIGHT) {
    throw new InvalidOptionError('points', `compat '${compat}' needs points (its ketama_points), an integer from 1 to ${MAX_POINTS_PER_WEIGHT}, got ${describe(points)}`);
  }
  const counts = servers.map((s) => Math.trunc(points * s.weight + 0.5));
  if (counts.reduce((a, b) => a + b, 0) > MAX_TOTAL_POINTS) {
    throw new InvalidOptionError('points', `points × the weights make more than ${MAX_TOTAL_POINTS} points`);
  }
  return counts;
}

/** The scheme's table for these servers: libmemcached turns weighted ketama on when a server has weight > 1. */
function tableFor(scheme: Scheme, compat: CompatName | undefined, servers: readonly ServerAddress[]): D {
  const weighted = servers.findIndex((s) => s.weight > 1);
  if (scheme.ifWeighted === undefined || weighted < 0) return scheme.table;
  if (scheme.ifWeighted === 'refused') {
    throw new InvalidOptionError(`servers[${weighted}].weight`, `compat '${compat}' with a weight above 1 was not recorded; failback does not guess it: give every server weight 1`);
  }
  return scheme.ifWeighted;
}

/**
 * Validates router options synchronously, as {@link createRouter} will (which is async because
 * loading the WASM core is): a constructor can refuse bad options before it returns.
 * @throws InvalidOptionError for an unknown option name or a bad value.
 */
export function validateRouterOptions(options: RouterOptions): ResolvedRouterOptions {
  return resolveRouterOptions(options);
}
