/**
 * Recovery's `nudge`, with real memcached processes: a runtime may cancel failback's timers (Workers
 * drop a request's timers when it ends), and a request that meets a down server must then re-arm
 * recovery, or the server would stay offline for the rest of the process.
 *
 * The Client gets a clock that delegates to the system clock but, while `dropping` is set, accepts
 * new timers and never runs them: a runtime that cancelled them. Only Recovery (the probe timer)
 * and the failback lock (a follower's polling sleep) time through the clock; the Connection's
 * connect and command timeouts use real timers and keep working throughout.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../bindings/clock.js';
import { Client, createRouter, type ClientOptions } from '../bindings/entry/node.js';
import { MemcachedServer, rawCommand, serverStats, startCluster } from './support/memcached.js';
import { nextEvent, waitFor } from './support/wait.js';
import { keysByOwner } from './support/keys.js';

/** The system clock, except that timers set while `dropping` is on never run. */
class DroppingClock implements Clock {
  dropping = false;
  /** Timers accepted and thrown away. */
  dropped = 0;
  /** Timers handed to the system clock. */
  armed = 0;
  /** Their delays, in order. */
  readonly delays: number[] = [];
  private readonly lost = new Set<object>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): unknown {
    if (this.dropping) {
      this.dropped++;
      const handle = {};
      this.lost.add(handle);
      return handle;
    }
    this.armed++;
    this.delays.push(ms);
    return systemClock.setTimeout(fn, ms);
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'object' && handle !== null && this.lost.delete(handle)) return;
    systemClock.clearTimeout(handle);
  }
}

const R = 300; // retryInterval
const OPTIONS = { retryInterval: R, timeout: 300, connectTimeout: 300 } as const;
/** How long a live probe takes to bring a returned server back (failover-don.test.ts's bound). */
const FAILBACK_BOUND = R * 1.1 + 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let servers: MemcachedServer[];
let clients: Client[];
beforeEach(async () => {
  servers = await startCluster(3);
  clients = [];
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

/** `count` keys owned by server `index`. */
async function keysOwnedBy(index: number, count: number, prefix: string): Promise<string[]> {
  return (await keysByOwner(servers.map((s) => s.address), count, prefix))[index];
}

/** A client on the cluster with a dropping clock, recording its health events in order. */
function client(clock: DroppingClock, extra: Omit<ClientOptions, 'servers' | 'clock'> = {}) {
  const mc = new Client({ servers: servers.map((s) => s.address), ...OPTIONS, ...extra, clock });
  clients.push(mc);
  const events: { name: string; at: number }[] = [];
  mc.on('down', (s) => events.push({ name: `down ${s.port}`, at: Date.now() }));
  mc.on('recovering', (s) => events.push({ name: `recovering ${s.port}`, at: Date.now() }));
  mc.on('failback', (s, o) => events.push({ name: `failback ${s.port} ${o.role} ${o.flushed.join(',')}`, at: Date.now() }));
  mc.on('up', (s) => events.push({ name: `up ${s.port}`, at: Date.now() }));
  mc.on('error', (e) => events.push({ name: `error ${e.message}`, at: Date.now() }));
  return { mc, events, names: () => events.map((e) => e.name) };
}

/**
 * SIGSTOPs `server` and resolves once every thread of it is stopped: the signal is delivered
 * asynchronously, and on a loaded machine a request sent right after `pause()` may still be served.
 */
const flushes = async (s: MemcachedServer) => Number((await serverStats(s.host, s.port)).get('cmd_flush'));

/**
 * Kills `victim` while `clock` drops timers (the probe timer armed on 'down' is lost), then
 * restarts it. Resolves with when the client marked it down.
 */
async function downWithLostProbe(mc: Client, clock: DroppingClock, victim: MemcachedServer, key: string): Promise<number> {
  // A connection to the victim exists: its failure is noticed through it, with no request pending.
  expect(await mc.set(key, 'before')).toBe(true);
  clock.dropping = true;
  const down = nextEvent(mc, 'down');
  await victim.stop();
  await down;
  const downAt = Date.now();
  expect(clock.dropped, 'the probe timer armed on down').toBe(1);
  await victim.restart();
  return downAt;
}

describe('recovery nudge: a request meeting a down server re-arms a lost probe', () => {
  it('a killed server whose probe timer was dropped stays down after its restart, until a get of its keys nudges recovery', async () => {
    const clock = new DroppingClock();
    const { mc, events, names } = client(clock);
    const victim = servers[1];
    const [key, key2] = await keysOwnedBy(1, 2, 'nudge:');
    const [liveKey] = await keysOwnedBy(0, 1, 'live:');
    expect(await mc.set(liveKey, 'live')).toBe(true);
    const downAt = await downWithLostProbe(mc, clock, victim, key);

    // Dropped timers: nothing brings it back by itself, for more than twice retryInterval after
    // the restart (the probe would have come ~R after the down), with live traffic on the others.
    const restartedAt = Date.now();
    while (Date.now() < Math.max(restartedAt + 2 * R, downAt + 2.5 * R)) {
      expect(await mc.get(liveKey)).toBe('live');
      await sleep(25);
    }
    expect(names()).toEqual([`down ${victim.port}`]);
    expect(mc.servers()[1]).toMatchObject({ status: 'down', counters: { failbacks: 0, offlineSkips: 0 } });
    expect(await flushes(victim)).toBe(0);

    // The runtime keeps timers again. The first get of the victim's keys is an offline skip that
    // finds the probe overdue by more than retryInterval and arms a new one, synchronously.
    clock.dropping = false;
    const nudgedAt = Date.now();
    const armed = clock.armed;
    expect(await mc.get(key)).toBeUndefined();
    expect(clock.armed).toBe(armed + 1);
    expect(mc.servers()[1].counters.offlineSkips).toBe(1);
    // A probe is pending now: later skips do not pile timers up.
    expect(await mc.get(key2)).toBeUndefined();
    expect(await mc.getMany([key, key2, liveKey])).toEqual(new Map([[liveKey, 'live']]));
    expect(clock.armed).toBe(armed + 1);
    expect(mc.servers()[1].counters.offlineSkips).toBe(4);

    await waitFor('the victim to fail back', async () => {
      await mc.get(key);
      return names().includes(`up ${victim.port}`);
    }, 5000, 50);
    const upAt = events.find((e) => e.name === `up ${victim.port}`)!.at;
    expect(upAt - nudgedAt).toBeLessThan(FAILBACK_BOUND);
    // Only the nudge's probe: no other timer of Recovery ran, and there was one failback.
    expect(upAt - nudgedAt).toBeGreaterThanOrEqual(R * 0.9 - 5);
    expect(names()).toEqual([`down ${victim.port}`, `recovering ${victim.port}`, `failback ${victim.port} leader ${victim.address}`, `up ${victim.port}`]);
    expect(await flushes(victim)).toBe(1);
    expect(mc.servers()[1]).toMatchObject({ status: 'up', counters: { failbacks: 1 } });

    // Its keys are served by it again.
    expect(await mc.set(key, 'after')).toBe(true);
    expect(await mc.get(key)).toBe('after');
    expect(await rawCommand(victim.host, victim.port, `get ${key}\r\n`)).toBe(`VALUE ${key} 0 5\r\nafter\r\nEND\r\n`);
  });

  it('without a request for its keys nothing re-arms the lost probe: the server stays down, timers working or not', async () => {
    const clock = new DroppingClock();
    const { mc, events, names } = client(clock);
    const victim = servers[2];
    const [key] = await keysOwnedBy(2, 1, 'idle:');
    const [liveKey] = await keysOwnedBy(0, 1, 'live:');
    await downWithLostProbe(mc, clock, victim, key);
    clock.dropping = false;

    // Longer than the first test's window for a nudged failback: requests for other servers'
    // keys (and whole-cluster commands) go on, none meets the victim.
    const quietFrom = Date.now();
    const armed = clock.armed;
    while (Date.now() < quietFrom + 2 * R + FAILBACK_BOUND) {
      expect(await mc.set(liveKey, 'live')).toBe(true);
      expect(await mc.get(liveKey)).toBe('live');
      expect([...(await mc.version()).keys()]).toEqual([servers[0].address, servers[1].address]);
      await sleep(25);
    }
    expect(names()).toEqual([`down ${victim.port}`]);
    expect(clock.armed, 'timers armed through the clock while no request met the victim').toBe(armed);
    expect(mc.servers()[2]).toMatchObject({ status: 'down', counters: { failbacks: 0, offlineSkips: 0 } });
    expect(await flushes(victim)).toBe(0);

    // One get of its keys is enough.
    const nudgedAt = Date.now();
    const up = nextEvent(mc, 'up', 5000);
    expect(await mc.get(key)).toBeUndefined();
    await up;
    expect(Date.now() - nudgedAt).toBeLessThan(FAILBACK_BOUND);
    expect(events.map((e) => e.name).at(-1)).toBe(`up ${victim.port}`);
    expect(await flushes(victim)).toBe(1);
  });

  it('a failback attempt stuck on a lost timer is given up once far past its budget, and a later get starts a fresh one', async () => {
    // A follower's wait for the leader's done-marker polls through the clock: with the lock held
    // by a leader that never finishes, and that sleep dropped, the attempt hangs (as one whose
    // Worker request ended would).
    const waitTimeout = 200;
    const lockKey = 'nudge_lock';
    const clock = new DroppingClock();
    // Don's mode (one timeout takes it down, the returning server is flushed) so that a lock is taken.
    const { mc, events, names } = client(clock, { timeout: 250, connectTimeout: 250, failureLimit: 1, failback: { flush: 'server', waitTimeout, lockKey: () => lockKey } });
    const budget = 250 + 8 * 250 + 2 * waitTimeout + R; // Recovery.nudge's bound on an attempt
    const victim = servers[1];
    const [key] = await keysOwnedBy(1, 1, 'stuck:');
    await rawCommand(victim.host, victim.port, `set ${lockKey} 0 60 7\r\nanother\r\n`, /STORED\r\n$/);
    expect(await mc.set(key, 'before')).toBe(true);

    // Hung (SIGSTOP): the get times out and takes it down; it answers again right after.
    await victim.pause();
    const err = await mc.get(key).catch((e: unknown) => e);
    victim.resume();
    expect(err).toMatchObject({ code: 'ERR_COMMAND_TIMEOUT' });
    expect(mc.servers()[1].status).toBe('down');

    // The probe (a live timer) finds it and the attempt starts; from then on timers are lost.
    mc.once('recovering', () => {
      clock.dropping = true;
    });
    await nextEvent(mc, 'recovering', 3000);
    const startedBy = Date.now();
    await waitFor('the follower to sleep on a dropped timer', () => clock.dropped === 1, 2000, 5);
    clock.dropping = false;
    const armed = clock.armed;

    // Within its budget the attempt is left alone, however many requests meet the server.
    // (The attempt started before 'recovering', by at most connectTimeout + timeout.)
    while (Date.now() < startedBy + budget - 600) {
      expect(await mc.get(key)).toBeUndefined();
      await sleep(50);
    }
    expect(mc.servers()[1].status).toBe('recovering');
    expect(clock.armed).toBe(armed);
    expect(names()).toEqual([`down ${victim.port}`, `recovering ${victim.port}`]);

    // Far past it, a get gives it up (down again) and arms a new probe; the new attempt waits
    // waitTimeout for the marker, takes the lock over and leads the flush.
    await waitFor('the victim to fail back', async () => {
      expect(await mc.get(key)).toBeUndefined();
      return names().includes(`up ${victim.port}`);
    }, budget + 5000, 50);
    const upAt = events.find((e) => e.name === `up ${victim.port}`)!.at;
    expect(upAt - startedBy).toBeGreaterThan(budget - 600);
    expect(upAt - startedBy).toBeLessThan(budget + R * 1.1 + waitTimeout + 1000);
    // One new probe timer (retryInterval, jittered), then the follower's 50 ms polls.
    const probes = clock.delays.slice(armed).filter((ms) => ms !== 50);
    expect(probes).toHaveLength(1);
    expect(probes[0]).toBeGreaterThanOrEqual(Math.round(R * 0.9));
    expect(probes[0]).toBeLessThanOrEqual(Math.round(R * 1.1));
    expect(names()).toEqual([
      `down ${victim.port}`,
      `recovering ${victim.port}`,
      `recovering ${victim.port}`,
      `failback ${victim.port} leader ${victim.address}`,
      `up ${victim.port}`,
    ]);
    expect(await flushes(victim)).toBe(1);
    expect(mc.servers()[1]).toMatchObject({ status: 'up', counters: { failbacks: 1 } });
    expect(await mc.set(key, 'after')).toBe(true);
    expect(await mc.get(key)).toBe('after');
  });
});

describe('recovery nudge under every failover policy', () => {
  // Under redistribute and gutter a down server's keys go elsewhere: those requests must nudge too.
  for (const failover of ['redistribute', 'gutter'] as const) {
    it(`'${failover}': requests sent to a stand-in re-arm the lost probe of the key's owner`, async () => {
      const retryInterval = 300;
      const clock = new DroppingClock();
      const addresses = servers.slice(0, 2).map((s) => s.address);
      const mc = new Client({
        servers: addresses, failover, ...(failover === 'gutter' ? { gutter: [servers[2].address] } : {}),
        retryInterval, timeout: 300, connectTimeout: 300, clock,
      });
      clients.push(mc);
      const router = await createRouter({ servers: addresses });
      let key = '';
      for (let i = 0; !key; i++) if (router.owner(`k${i}`) === 1) key = `k${i}`;
      await mc.set(key, 'x');
      clock.dropping = true;
      const down = nextEvent(mc, 'down');
      await servers[1].stop();
      await down;
      await servers[1].restart();
      await new Promise((r) => setTimeout(r, 2.5 * retryInterval));
      expect(mc.servers()[1].status).toBe('down');
      clock.dropping = false;
      await waitFor('the owner to fail back', async () => {
        await mc.get(key);
        return mc.servers()[1].status === 'up';
      }, 3000, 50);
      expect(mc.servers()[1].counters.failovers).toBeGreaterThan(0);
      expect(mc.servers()[1].counters.failbacks).toBe(1);
    });
  }
});
