/** Loads the key → server recordings in test/vectors (made with the real PHP, Perl, Python, C and Go clients). */
import { readdirSync, readFileSync } from 'node:fs';
import type { CompatName, DistributionName, HashName, RouterOptions } from '../../bindings/routing/options.js';

export interface VectorFile {
  file: string;
  client: string;
  strategy: string;
  hash: string;
  options?: Record<string, unknown> | unknown[];
  down?: number[];
  /** pymemcache: how the keys were passed (`str` or `bytes`). */
  keyType?: string;
  servers: { host: string; port: number; weight: number; name?: string }[];
  vectors: [string, number][];
}

const dir = new URL('../vectors/', import.meta.url);

export function loadVectorFiles(): VectorFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Omit<VectorFile, 'file'>) }));
}

/** The file's client options as an object (`[]` when PHP recorded none). */
function clientOptions(v: VectorFile): Record<string, unknown> {
  return Array.isArray(v.options) || v.options === undefined ? {} : v.options;
}

/**
 * The router options that reproduce a recording, from its header alone as vectors-2/README.md
 * says: `compat` = client/strategy, its `hash`, its servers (with their `name` where the header
 * has one), `failover: 'redistribute'` unless the client was told not to fail over, Fast's
 * `points`, Dalli's `namespace`, pymemcache's `keyType: 'bytes'`.
 */
export function routerOptionsFor(v: VectorFile): RouterOptions {
  const o = clientOptions(v);
  const offline = o.allow_failover === 0 || o.no_rehash === 1 || (v.client === 'memjs' && o.failover === false);
  const unweighted = v.client === 'php-memcached' && o.order === 'servers-then-options';
  return {
    servers: v.servers.map(({ host, port, weight, name }) => ({ host, port, ...(unweighted ? {} : { weight }), ...(name === undefined ? {} : { name }) })),
    compat: `${v.client}/${v.strategy}` as CompatName,
    hash: v.hash as HashName,
    failover: offline ? 'offline' : 'redistribute',
    ...(o.ketama_points === undefined ? {} : { points: o.ketama_points as number }),
    ...(v.client === 'dalli' && o.namespace !== undefined ? { namespace: o.namespace as string } : {}),
    ...(v.keyType === 'bytes' ? { keyType: 'bytes' as const } : {}),
  };
}

/** The same configuration through `distribution` (+ `hash`), for the files recorded before `compat` existed; else undefined. */
export function distributionOptionsFor(v: VectorFile): RouterOptions | undefined {
  const byCompat: Record<string, DistributionName> = {
    'pecl-memcache/consistent': 'consistent', 'pecl-memcache/standard': 'standard',
    'perl-cache-memcached/buckets': 'buckets', 'php-memcached/ketama-weighted': 'ketama', 'pylibmc/ketama-weighted': 'ketama', 'php-memcached/modula': 'modula', 'pylibmc/modula': 'modula',
  };
  const distribution = byCompat[`${v.client}/${v.strategy}`];
  if (distribution === undefined) return undefined;
  const hashed = distribution === 'consistent' || distribution === 'standard' || distribution === 'modula';
  return {
    servers: v.servers,
    distribution,
    ...(hashed ? { hash: v.hash as HashName } : {}),
    failover: v.down?.length ? 'redistribute' : 'offline',
  };
}
