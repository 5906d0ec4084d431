/**
 * Several frontends (each its own Client in this process) against real memcached processes that
 * restart, flap and fail in Don's sequence: one leader and one flush per failback whatever their
 * clocks say, no follower up before its leader's flush, and no superseded read once every
 * frontend has failed a server back.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Client, type Clock, type ClientOptions, type ServerInfo } from '../bindings/entry/node.js';
import { systemClock } from '../bindings/clock.js';
import { MemcachedServer, serverStats, startCluster } from './support/memcached.js';
import { waitFor } from './support/wait.js';
import { runWorkload } from './support/versioned-workload.mjs';
import { keysByOwner } from './support/keys.js';

let servers: MemcachedServer[];
let origin: MemcachedServer;
const clients: Client[] = [];
beforeEach(async () => {
  [servers, [origin]] = await Promise.all([startCluster(3), startCluster(1)]);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all([...servers, origin].map((s) => s.stop()));
});

function client(options: Omit<ClientOptions, 'servers'>): Client {
  const mc = new Client({ servers: servers.map((s) => s.address), ...options });
  clients.push(mc);
  return mc;
}

interface Seen { at: number; event: string; pid: number | undefined; role?: string; frontend: number }
function watch(mc: Client, frontend: number, port: number, log: Seen[]): void {
  const note = (event: string, server: ServerInfo, role?: string) => {
    if (server.port === port) log.push({ at: Date.now(), event, pid: server.identity?.pid, role, frontend });
  };
  mc.on('down', (s) => note('down', s));
  // The failback event names the process failed back; `server.identity` is still the old one then.
  mc.on('failback', (s, o) => note('failback', { ...s, identity: o.identity }, o.role));
  mc.on('up', (s) => note('up', s));
}

async function keysOwnedBy(index: number, count: number): Promise<string[]> {
  return (await keysByOwner(servers.map((s) => s.address), count, 'item:'))[index];
}

const flushesOf = async (s: MemcachedServer) => Number((await serverStats(s.host, s.port)).get('cmd_flush'));

it('frontends whose clocks are 90 s apart agree on one leader and one flush (the lock minute is the server\'s)', async () => {
  const victim = servers[1];
  const keys = await keysOwnedBy(1, 10);
  const log: Seen[] = [];
  // Straddling minutes on purpose: -90 s, 0 and +90 s put the frontends in three different minutes.
  const frontends = [-90_000, 0, 90_000].map((offset, i) => {
    const clock: Clock = { ...systemClock, now: () => Date.now() + offset };
    const mc = client({ clock, retryInterval: 200, timeout: 300, connectTimeout: 300, failback: { flush: 'server' } });
    watch(mc, i, victim.port, log);
    return mc;
  });
  for (const mc of frontends) for (const key of keys) await mc.set(key, 'before');
  await victim.restart();
  // Each frontend meets the new process on its next request and fails it back.
  await waitFor('every frontend up on the new process', async () => {
    await Promise.all(frontends.map((mc) => mc.get(keys[0]).catch(() => undefined)));
    return frontends.every((mc) => mc.servers()[1].status === 'up' && mc.servers()[1].identity?.pid === victim.pid);
  }, 15_000, 50);
  expect(await flushesOf(victim), JSON.stringify(log)).toBe(1);
  expect(log.filter((e) => e.event === 'failback' && e.role === 'leader'), JSON.stringify(log)).toHaveLength(1);
  expect(log.filter((e) => e.event === 'failback' && e.role === 'follower')).toHaveLength(2);
}, 30_000);

it('a server flapping (killed and restarted every 300–800 ms for 20 s) under 3 frontends: every outage failed back, one flush each, no follower up before its leader', async () => {
  const victim = servers[0];
  const keys = await keysOwnedBy(0, 20);
  const log: Seen[] = [];
  // Reconnect callbacks run right before the buckets go online: there, the new process must
  // already have counted its one flush, whichever frontend led it.
  const earlyUps: string[] = [];
  const frontends = [0, 1, 2].map((i) => {
    const mc = client({ retryInterval: 100, timeout: 250, connectTimeout: 250, failback: { flush: 'server', waitTimeout: 3000 } });
    watch(mc, i, victim.port, log);
    mc.onReconnect(async (_c, _host, port) => {
      if (port === victim.port && (await flushesOf(victim)) < 1) earlyUps.push(`frontend ${i} before any flush of pid ${victim.pid}`);
    });
    return mc;
  });
  let running = true;
  const traffic = frontends.map(async (mc) => {
    while (running) {
      const key = keys[Math.floor(Math.random() * keys.length)];
      await (Math.random() < 0.3 ? mc.set(key, 'v') : mc.get(key)).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 2));
    }
  });
  const incarnations: { pid: number; flushes: number; lived: number }[] = [];
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    const born = Date.now();
    const pid = victim.pid!;
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
    incarnations.push({ pid, flushes: await flushesOf(victim), lived: Date.now() - born });
    await victim.restart();
  }
  // The last one: give it time, then count it too.
  await new Promise((r) => setTimeout(r, 800));
  incarnations.push({ pid: victim.pid!, flushes: await flushesOf(victim), lived: 800 });
  running = false;
  await Promise.all(traffic);

  // The first process was there before the frontends: it never needed a failback.
  const [first, ...restarted] = incarnations;
  expect(first.flushes).toBe(0);
  const failedBack = restarted.filter((inc) => inc.lived >= 500);
  expect(failedBack.length).toBeGreaterThan(10);
  for (const inc of restarted) {
    const events = log.filter((e) => e.pid === inc.pid);
    const context = JSON.stringify({ inc, events });
    const leaders = events.filter((e) => e.event === 'failback' && e.role === 'leader');
    // Exactly one flush per failback: one leader, one cmd_flush (never two).
    expect(inc.flushes, context).toBe(leaders.length > 0 ? 1 : 0);
    expect(leaders.length, context).toBeLessThanOrEqual(1);
    const ups = events.filter((e) => e.event === 'up');
    if (inc.lived >= 500) {
      // Every frontend failed this process back while it lived.
      expect(new Set(ups.map((e) => e.frontend)).size, context).toBe(3);
      expect(leaders, context).toHaveLength(1);
    }
  }
  expect(earlyUps).toEqual([]);
}, 60_000);

it("Don's sequence with 3 frontends under redistribute + flush 'cluster', one of them late: no superseded read once all failed back", async () => {
  const owner = servers[1];
  const keys = await keysOwnedBy(1, 12);
  const originClient = new Client({ servers: [origin.address] });
  clients.push(originClient);
  const base = { failover: 'redistribute', timeout: 300, connectTimeout: 300, failback: { flush: 'cluster' } } as const;
  const log: Seen[] = [];
  // Two prompt frontends and a late one (it probes 10× less often, so it fails back last).
  const frontends = [200, 200, 2000].map((retryInterval, i) => {
    const mc = client({ ...base, retryInterval });
    watch(mc, i, owner.port, log);
    return mc;
  });
  let phase = 'run';
  const stale: { at: number }[] = [];
  const work = frontends.map((cache, writer) => runWorkload({
    cache, origin: originClient, keys, writer, writers: 3, until: () => phase === 'run', writeShare: 0.4,
    onStale: () => stale.push({ at: Date.now() }),
  }));
  const upOnAll = async (pid: number | undefined) => waitFor('every frontend to fail the owner back', () =>
    frontends.every((mc) => mc.servers()[1].status === 'up' && (pid === undefined || mc.servers()[1].identity?.pid === pid)), 20_000, 20);

  await new Promise((r) => setTimeout(r, 500));
  await owner.stop(); // Don: the server dies…
  await new Promise((r) => setTimeout(r, 1000)); // …writes go to stand-ins…
  await owner.restart(); // …it comes back…
  await upOnAll(owner.pid);
  const allUpAt = Date.now();
  await new Promise((r) => setTimeout(r, 1500)); // …everyone uses it (v3)…
  await owner.stop(); // …and it dies again: stand-in copies would now be read.
  await new Promise((r) => setTimeout(r, 1500));
  phase = 'stop';
  const totals = await Promise.all(work);
  const after = stale.filter((s) => s.at > allUpAt);
  expect(after, JSON.stringify({ totals, log })).toHaveLength(0);
  expect(totals.reduce((n, t) => n + t.reads, 0)).toBeGreaterThan(300);
  expect(log.filter((e) => e.event === 'failback' && e.role === 'leader')).toHaveLength(1);
}, 60_000);
