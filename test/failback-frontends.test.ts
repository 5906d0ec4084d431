/**
 * Several frontends, each its own OS process with its own client, share a cluster. One server
 * hangs (SIGSTOP: it keeps its pre-failure data) and comes back: exactly one frontend flushes it,
 * and no frontend reads pre-failure data after its failback.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRouter } from '../bindings/entry/node.js';
import { MemcachedServer, rawCommand, serverStats, startCluster } from './support/memcached.js';
import { waitFor } from './support/wait.js';

const FRONTENDS = 4;
let servers: MemcachedServer[];
const children: ChildProcess[] = [];
beforeAll(async () => {
  servers = await startCluster(3);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
});

interface Report { events: string[]; preReadsAfterUp: number; readsAfterUp: number; errors: number; reads: number; upAt?: number; role?: string }

it('4 frontend processes: one flush of the returning server in total, no pre-failure reads after failback', async () => {
  const addresses = servers.map((s) => s.address);
  const router = await createRouter({ servers: addresses });
  const keys = Array.from({ length: 300 }, (_, i) => `shared:${i}`);
  const owners = router.routeMany(keys);
  const victim = servers[1];
  const victimKeys = keys.filter((_, i) => owners[i] === 1);
  expect(victimKeys.length).toBeGreaterThan(30);
  // Pre-failure data on the victim: it survives a hang, so only the failback flush removes it.
  for (const k of victimKeys) await rawCommand(victim.host, victim.port, `set ${k} 0 0 11\r\npre-failure\r\n`, /STORED\r\n$/);

  const retryInterval = 400;
  for (let i = 0; i < FRONTENDS; i++) {
    const child = fork(new URL('./support/frontend-process.mjs', import.meta.url), [JSON.stringify({ servers: addresses, keys, retryInterval, watchPort: victim.port })], { stdio: 'inherit' });
    children.push(child);
  }
  await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
  await new Promise((r) => setTimeout(r, 300));

  const flushesBefore = Number((await serverStats(victim.host, victim.port)).get('cmd_flush'));
  victim.pause();
  await new Promise((r) => setTimeout(r, 1500));
  victim.resume();
  const resumedAt = Date.now();
  // Let every frontend fail back and read for a while afterwards.
  await waitFor('every frontend to fail back', async () => (await serverStats(victim.host, victim.port)).get('cmd_flush') !== String(flushesBefore), 10_000);
  await new Promise((r) => setTimeout(r, 2000));

  const reports = await Promise.all(children.map((c) => new Promise<Report>((resolve) => {
    c.once('message', (m) => resolve((m as { report: Report }).report));
    c.send('stop');
  })));

  const flushes = Number((await serverStats(victim.host, victim.port)).get('cmd_flush')) - flushesBefore;
  expect(flushes, JSON.stringify(reports.map((r) => r.events))).toBe(1);
  for (const r of reports) {
    expect(r.events.some((e) => e.startsWith(`down ${victim.port}`))).toBe(true);
    expect(r.upAt).toBeDefined();
    expect(r.readsAfterUp).toBeGreaterThan(10);
    expect(r.preReadsAfterUp, JSON.stringify(r.events)).toBe(0);
    // Failback within retryInterval (+ jitter) + 1 s of the server's return.
    expect(r.upAt! - resumedAt).toBeLessThan(retryInterval * 1.1 + 1000);
  }
  expect(reports.filter((r) => r.role === 'leader')).toHaveLength(1);
  expect(reports.filter((r) => r.role === 'follower')).toHaveLength(FRONTENDS - 1);
}, 60_000);
