/**
 * Read-through over meta leases against real memcached: `fetch` loads a missing key once across
 * frontend processes, serves the old value past its soft TTL while one caller refreshes it, and
 * `invalidate` keeps a slow recompute of an older version from being served as fresh afterwards.
 * Timing bounds are wide (a loaded 2-core machine); counts are exact.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, InvalidOptionError, type StaleInfo } from '../bindings/entry/node.js';
import { MemcachedServer, startCluster } from './support/memcached.js';
import { waitFor } from './support/wait.js';

let servers: MemcachedServer[];
let mc: Client;
let other: Client;
const children: ChildProcess[] = [];
beforeAll(async () => {
  servers = await startCluster(2);
  mc = new Client({ servers: servers.map((s) => s.address) });
  // A second frontend in this process; it speaks the meta protocol for everything else.
  other = new Client({ servers: servers.map((s) => s.address), protocol: 'meta' });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
  await Promise.all([mc?.close(), other?.close()]);
  await Promise.all(servers.map((s) => s.stop()));
});

interface FrontendReport { values: string[]; loads: number; ms: number }

it('200 concurrent fetches of one missing key from 4 frontend processes: the loader runs once, every caller gets its value', async () => {
  const FRONTENDS = 4;
  const CALLERS = 50;
  const key = 'rt:stampede';
  const counter = 'rt:stampede:loads';
  expect(await mc.set(counter, '0')).toBe(true);
  const config = { servers: servers.map((s) => s.address), key, counter, callers: CALLERS, loadMs: 300, value: 'loaded-once', maxWait: 15_000 };
  const reports: Promise<FrontendReport>[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < FRONTENDS; i++) {
    const child = fork(new URL('./support/fetch-frontend.mjs', import.meta.url), [JSON.stringify(config)], { stdio: 'inherit' });
    children.push(child);
    ready.push(new Promise((resolve, reject) => { child.once('message', () => resolve()); child.once('exit', (code) => reject(new Error(`frontend exited with ${code} before ready`))); }));
    reports.push(new Promise((resolve) => child.on('message', (m) => { if (typeof m === 'object') resolve(m as FrontendReport); })));
  }
  await Promise.all(ready);
  for (const child of children) child.send('go');
  const results = await Promise.all(reports);
  const values = results.flatMap((r) => r.values);
  expect(values).toHaveLength(FRONTENDS * CALLERS);
  expect(new Set(values)).toEqual(new Set(['loaded-once']));
  expect(results.reduce((n, r) => n + r.loads, 0)).toBe(1);
  expect(await mc.get(counter)).toBe('1');
  expect(await mc.get(key)).toBe('loaded-once');
  console.log(`stampede: ${values.length} callers in ${FRONTENDS} processes, loads 1 (counter ${await mc.get(counter)}), slowest frontend ${Math.max(...results.map((r) => r.ms))} ms`);
}, 60_000);

it('stale-while-revalidate: past the soft TTL, callers get the old value (told through onStale) while one refresh runs', async () => {
  const key = 'rt:swr';
  let version = 1;
  let loads = 0;
  const loader = async () => {
    loads++;
    const v = `v${version}`;
    await delay(800);
    return v;
  };
  const options = { ttl: 8, staleAfter: 2 };
  expect(await mc.fetch(key, loader, options)).toBe('v1');
  expect(loads).toBe(1);
  // Fresh: served without a load, nothing stale.
  const stale: StaleInfo[] = [];
  expect(await other.fetch(key, loader, { ...options, onStale: (s) => stale.push(s) })).toBe('v1');
  expect([loads, stale.length]).toEqual([1, 0]);
  version = 2;
  // memcached's clock ticks once a second: after 3.2 s the item is 3 or 4 ticks old (soft TTL 2
  // passed, 4 or more seconds left of its hard TTL 8).
  await delay(3200);
  const clients = [mc, other];
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => {
    let flagged: StaleInfo | undefined;
    return clients[i % 2].fetch(key, loader, { ...options, onStale: (s) => { flagged = s; } }).then((value) => ({ value, flagged }));
  }));
  expect(loads).toBe(2);
  const old = results.filter((r) => r.value === 'v1');
  const fresh = results.filter((r) => r.value === 'v2');
  expect(fresh).toHaveLength(1); // the one refresh, returned to its caller
  expect(old).toHaveLength(39);
  for (const r of old) expect(r.flagged).toMatchObject({ key, reason: 'soft-expired' });
  expect(fresh[0].flagged).toBeUndefined();
  // After the refresh: the new value, fresh, no further load.
  const after: StaleInfo[] = [];
  expect(await other.fetch(key, loader, { ...options, onStale: (s) => after.push(s) })).toBe('v2');
  expect([loads, after.length]).toEqual([2, 0]);
}, 30_000);

it('the stale-set race: invalidate while a slow recompute of the older version is in flight, and readers never get it as fresh afterwards', async () => {
  const key = 'rt:stale-set';
  const origin = { version: 1 };
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let started!: () => void;
  const slowStarted = new Promise<void>((r) => { started = r; });
  // Frontend A's recompute reads the origin (v1), then stalls before it stores.
  const slowLoader = async () => {
    const v = `v${origin.version}`;
    started();
    await gate;
    return v;
  };
  let loads = 0;
  const loader = async () => {
    loads++;
    return `v${origin.version}`;
  };
  const slow = mc.fetch(key, slowLoader, { ttl: 60 });
  await slowStarted;
  // The origin moves on and frontend B invalidates, as a writer does after updating the database.
  origin.version = 2;
  expect(await other.invalidate(key, { ttl: 30 })).toBe(true);
  // A reader meanwhile wins the invalidated placeholder and loads the new version.
  expect(await other.fetch(key, loader, { ttl: 60 })).toBe('v2');
  expect(loads).toBe(1);
  // A's stale recompute lands now, against the CAS it read before the invalidation.
  release();
  expect(await slow).toBe('v1'); // its own caller asked before the update
  // Readers afterwards: v1 only ever marked stale, and once one reload ran, v2 for everyone.
  const reads = await Promise.all(Array.from({ length: 30 }, (_, i) => {
    let flagged: StaleInfo | undefined;
    return (i % 2 ? mc : other).fetch(key, loader, { ttl: 60, onStale: (s) => { flagged = s; } }).then((value) => ({ value, flagged }));
  }));
  for (const r of reads) {
    if (r.value === 'v1') expect(r.flagged).toMatchObject({ reason: 'invalidated' });
    else expect(r.value).toBe('v2');
  }
  expect(loads).toBe(2); // the reader that won the invalidation, then the one that won the late stale store
  const final: StaleInfo[] = [];
  expect(await mc.fetch(key, loader, { ttl: 60, onStale: (s) => final.push(s) })).toBe('v2');
  expect(final).toEqual([]);
  expect(await mc.get(key)).toBe('v2');
  console.log(`stale-set race: ${reads.filter((r) => r.value === 'v1').length} of ${reads.length} reads got v1 marked stale, origin loads ${loads}`);
}, 30_000);

it('invalidate of a missing key is false; bad options are refused before any I/O, naming the option and what to pass', async () => {
  expect(await mc.invalidate('rt:none')).toBe(false);
  const load = () => 'x';
  await expect(mc.fetch('rt:opt', load, { tll: 5 } as never)).rejects.toThrow(InvalidOptionError);
  await expect(mc.fetch('rt:opt', load, { tll: 5 } as never)).rejects.toThrow(/tll: is not an option of fetch/);
  await expect(mc.fetch('rt:opt', load, { ttl: 5, staleAfter: 5 })).rejects.toThrow(/staleAfter: must be below ttl/);
  await expect(mc.fetch('rt:opt', load, { staleAfter: 5 })).rejects.toThrow(/pass a larger ttl/);
  await expect(mc.fetch('rt:opt', load, { leaseTtl: 0 })).rejects.toThrow(/leaseTtl: must be an integer number of seconds, at least 1/);
  await expect(mc.fetch('rt:opt', 'x' as never)).rejects.toThrow(/loader: fetch takes a function/);
  await expect(mc.invalidate('rt:opt', { ttl: -1 })).rejects.toThrow(/ttl: must be an integer/);
  expect(await mc.get('rt:opt')).toBeUndefined();
});

it("a loser whose winner never stores loads by itself after maxWait, and a stuck winner's late store cannot pass as fresh", async () => {
  const key = 'rt:lost-winner';
  let release!: () => void;
  const stuck = mc.fetch(key, () => new Promise<string>((r) => { release = () => r('late'); }), { ttl: 60 });
  await delay(50);
  const started = Date.now();
  expect(await other.fetch(key, () => 'by-loser', { ttl: 60, wait: 20, maxWait: 300 })).toBe('by-loser');
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expect(await other.get(key)).toBe('by-loser');
  release();
  expect(await stuck).toBe('late');
  // The stuck winner's CAS is the placeholder's, older than the loser's store: its value lands
  // only as stale, so the next fetch reloads instead of serving it as fresh.
  let reloads = 0;
  expect(await mc.fetch(key, () => { reloads++; return 'reloaded'; }, { ttl: 60 })).toBe('reloaded');
  expect(reloads).toBe(1);
  expect(await mc.fetch(key, () => { reloads++; return 'again'; }, { ttl: 60 })).toBe('reloaded');
  expect(reloads).toBe(1);
});

it('with the key\'s server down and its keys offline, fetch runs the loader and stores nothing; invalidate is false', async () => {
  const lone = await MemcachedServer.start({ threads: 1 });
  const down = new Client({ servers: [lone.address], retryInterval: 60_000 });
  try {
    await down.connect();
    await lone.stop();
    // The first command meets the dead server (a refused connect: down at once); later ones are offline.
    await down.get('rt:offline').catch(() => undefined);
    await waitFor('the server to be down', () => down.servers()[0].status === 'down');
    let loads = 0;
    expect(await down.fetch('rt:offline', () => { loads++; return 'from-origin'; })).toBe('from-origin');
    expect(await down.fetch('rt:offline', () => { loads++; return 'from-origin'; })).toBe('from-origin');
    expect(loads).toBe(2);
    expect(await down.invalidate('rt:offline')).toBe(false);
  } finally {
    await down.close();
  }
});
