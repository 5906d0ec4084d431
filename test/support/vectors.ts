/** Loads the key → server recordings in test/vectors (made with the real PHP, Perl and C clients). */
import { readdirSync, readFileSync } from 'node:fs';
import type { DistributionName, HashName, RouterOptions } from '../../bindings/index.js';

export interface VectorFile {
  file: string;
  client: string;
  strategy: 'consistent' | 'standard' | 'buckets' | 'ketama-weighted';
  hash: 'crc32' | 'fnv' | 'md5';
  down?: number[];
  servers: { host: string; port: number; weight: number }[];
  vectors: [string, number][];
}

const dir = new URL('../vectors/', import.meta.url);

export function loadVectorFiles(): VectorFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Omit<VectorFile, 'file'>) }));
}

/** The router options that reproduce a recording's client configuration. */
export function routerOptionsFor(v: VectorFile): RouterOptions {
  const distribution: DistributionName = v.strategy === 'ketama-weighted' ? 'ketama' : v.strategy;
  const hashed = distribution === 'consistent' || distribution === 'standard';
  return {
    servers: v.servers,
    distribution,
    ...(hashed ? { hash: v.hash as HashName } : {}),
    failover: v.down?.length ? 'redistribute' : 'offline',
  };
}
