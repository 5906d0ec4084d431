/**
 * cache-manager 7 (Keyv-based) over `failback/keyv`, end to end on real memcached: get/set with
 * TTLs, mget/mset, wrap (the loader runs once), ttl(), del/mdel, and clear() (a new generation:
 * other caches and non-Keyv keys on the same servers stay). Package imports, as keyv-suite.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Keyv from 'keyv';
import { createCache, type Cache } from 'cache-manager';
import { Client } from 'failback';
import { KeyvFailback } from 'failback/keyv';
import { startCluster, serverStats, type MemcachedServer } from './support/memcached.js';

let servers: MemcachedServer[];
let client: Client;
let cache: Cache;
let other: Cache;

beforeAll(async () => {
  // Two servers: keys and their namespace's generation land on different ones.
  servers = await startCluster(2);
  client = new Client({ servers: servers.map((s) => s.address), distribution: 'consistent' });
  cache = createCache({ stores: [new Keyv({ store: new KeyvFailback(client), namespace: 'products' })], ttl: 60_000 });
  other = createCache({ stores: [new Keyv({ store: new KeyvFailback(client), namespace: 'sessions' })] });
});
afterAll(async () => {
  await cache?.disconnect();
  await client?.close();
  await Promise.all((servers ?? []).map((s) => s.stop()));
});

describe('cache-manager 7 on failback/keyv', () => {
  it('set / get with the default and a per-call TTL; ttl() reports the expiry in ms', async () => {
    expect(await cache.set('p1', { name: 'kettle', price: 25 })).toEqual({ name: 'kettle', price: 25 });
    expect(await cache.get('p1')).toEqual({ name: 'kettle', price: 25 });
    const before = Date.now();
    await cache.set('p2', 'short', 300);
    const expires = (await cache.ttl('p2'))!;
    expect(expires).toBeGreaterThanOrEqual(before + 300);
    expect(expires).toBeLessThanOrEqual(Date.now() + 300);
    await new Promise((r) => setTimeout(r, 350));
    expect(await cache.get('p2')).toBeUndefined();
    expect(await cache.get('missing')).toBeUndefined();
  });

  it('mset / mget, and mdel', async () => {
    const list = Array.from({ length: 50 }, (_, i) => ({ key: `m${i}`, value: i }));
    await cache.mset(list);
    expect(await cache.mget([...list.map((e) => e.key), 'none'])).toEqual([...list.map((e) => e.value), undefined]);
    expect(await cache.mdel(list.map((e) => e.key))).toBe(true);
    expect(await cache.mget(['m0', 'm49'])).toEqual([undefined, undefined]);
  });

  it('wrap() loads once and serves the cached value after', async () => {
    let loads = 0;
    const load = async () => ({ loaded: ++loads });
    expect(await cache.wrap('w', load, 10_000)).toEqual({ loaded: 1 });
    expect(await cache.wrap('w', load, 10_000)).toEqual({ loaded: 1 });
    expect(loads).toBe(1);
    expect(await cache.del('w')).toBe(true);
    expect(await cache.wrap('w', load, 10_000)).toEqual({ loaded: 2 });
  });

  it('clear() empties this cache only: another cache on the same client and non-Keyv keys stay, no flush_all', async () => {
    const flushes = async () => (await Promise.all(servers.map((s) => serverStats(s.host, s.port)))).reduce((n, st) => n + Number(st.get('cmd_flush')), 0);
    const flushesBefore = await flushes();
    await client.set('legacy:php:key', 'kept');
    await cache.set('c', 'products');
    await other.set('c', 'sessions');

    expect(await cache.clear()).toBe(true);

    expect(await cache.get('c')).toBeUndefined();
    expect(await other.get('c')).toBe('sessions');
    expect(await client.get('legacy:php:key')).toBe('kept');
    expect(await flushes()).toBe(flushesBefore);
    await cache.set('c', 'again');
    expect(await cache.get('c')).toBe('again');
  });
});
