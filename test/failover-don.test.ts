/**
 * Don's sequence from the 2006 thread, with real memcached processes killed and restarted:
 * set v1; kill the key's server; set v2; restart; wait for failback; set v3; kill again; get.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, createRouter, type ClientOptions } from '../bindings/entry/node.js';
import { MemcachedServer, serverStats, startCluster } from './support/memcached.js';
import { nextEvent, waitFor } from './support/wait.js';

let servers: MemcachedServer[];
let gutter: MemcachedServer;
beforeEach(async () => {
  [servers, [gutter]] = await Promise.all([startCluster(3), startCluster(1)]);
});
afterEach(async () => {
  await Promise.all([...servers, gutter].map((s) => s.stop()));
});

const FAST = { retryInterval: 200, timeout: 300, connectTimeout: 300 } as const;

/** A key whose owner is server 1 (so that killing server 1 matters). */
async function keyOwnedBy(addresses: string[], index: number): Promise<string> {
  const router = await createRouter({ servers: addresses });
  for (let i = 0; ; i++) if (router.owner(`don:${i}`) === index) return `don:${i}`;
}

/** Runs Don's sequence and returns what the final get saw. */
async function donsSequence(options: Omit<ClientOptions, 'servers'>, beforeFinalGet?: () => Promise<void>): Promise<{ final: string | undefined; mc: Client }> {
  const addresses = servers.map((s) => s.address);
  const key = await keyOwnedBy(addresses, 1);
  const mc = new Client({ servers: addresses, ...FAST, ...options });
  const owner = servers[1];

  expect(await mc.set(key, 'v1')).toBe(true);
  const down = nextEvent(mc, 'down');
  await owner.stop();
  await down;
  await mc.set(key, 'v2');

  const up = nextEvent(mc, 'up');
  await owner.restart();
  await up;
  expect(await mc.set(key, 'v3')).toBe(true);

  const downAgain = nextEvent(mc, 'down');
  await owner.stop();
  await downAgain;
  await beforeFinalGet?.();
  const final = await mc.get(key);
  return { final, mc };
}

describe("Don's sequence", () => {
  it('offline (default): never returns v2, and v2 was never written anywhere', async () => {
    const { final, mc } = await donsSequence({ failover: 'offline' });
    expect(final).toBeUndefined();
    const owner = mc.servers()[1];
    expect(owner.status).toBe('down');
    expect(owner.counters.offlineSkips).toBeGreaterThanOrEqual(2);
    expect(owner.counters.failbacks).toBe(1);
    expect(mc.servers().reduce((n, s) => n + s.counters.failovers, 0)).toBe(0);
    await mc.close();
  });

  it("redistribute with flush 'none' returns v2: PECL's stale-copy bug, reproduced on purpose", async () => {
    const { final, mc } = await donsSequence({ failover: 'redistribute', failback: { flush: 'none' } });
    expect(final).toBe('v2');
    await mc.close();
  });

  it("redistribute with flush 'cluster' never returns v2", async () => {
    const { final, mc } = await donsSequence({ failover: 'redistribute', failback: { flush: 'cluster' } });
    expect(final).toBeUndefined();
    await mc.close();
  });

  it('redistribute with failoverTtl returns v2 only within the cap', async () => {
    const started = Date.now();
    const { final, mc } = await donsSequence({ failover: 'redistribute', failback: { flush: 'none' }, failoverTtl: 3 }, async () => {
      // memcached's clock ticks in whole seconds: wait past the cap plus one tick.
      const wait = started + 5_000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    });
    expect(final).toBeUndefined();
    await mc.close();
  });

  it('redistribute with failoverTtl still returns v2 inside the cap', async () => {
    const { final, mc } = await donsSequence({ failover: 'redistribute', failback: { flush: 'none' }, failoverTtl: 60 });
    expect(final).toBe('v2');
    await mc.close();
  });

  it('gutter: v2 lands on the gutter server with its TTL capped, and is gone after the cap', async () => {
    const started = Date.now();
    const { final, mc } = await donsSequence({ failover: 'gutter', gutter: [gutter.address], gutterTtl: 2, failback: { flush: 'none' } }, async () => {
      const wait = started + 4_000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    });
    expect(final).toBeUndefined();
    expect(Number((await serverStats(gutter.host, gutter.port)).get('cmd_set'))).toBeGreaterThanOrEqual(1);
    await mc.close();
  });
});

describe("Don's sequence with two frontends", () => {
  it("redistribute + flush 'cluster': a follower that fails back late removes its own stray copy", async () => {
    const addresses = servers.map((s) => s.address);
    const key = await keyOwnedBy(addresses, 1);
    const common = { servers: addresses, failover: 'redistribute', failback: { flush: 'cluster' }, timeout: 300, connectTimeout: 300 } as const;
    const a = new Client({ ...common, retryInterval: 150 }); // notices the return first: the leader
    const b = new Client({ ...common, retryInterval: 2000 }); // notices it later
    const victim = servers[1];
    await a.set(key, 'v1');
    await b.get(key);
    const downs = [nextEvent(a, 'down'), nextEvent(b, 'down')];
    await victim.stop();
    await Promise.all(downs);
    const aUp = nextEvent(a, 'up');
    const bFailback = nextEvent<[unknown, { role: string }]>(b, 'failback', 15_000);
    const bUp = nextEvent(b, 'up', 15_000);
    await victim.restart();
    await aUp; // A led: flushed the victim and every other server
    expect(await b.set(key, 'v2')).toBe(true); // B still sees the victim down: v2 lands on a stand-in
    expect((await bFailback)[1].role).toBe('follower');
    await bUp;
    expect(await a.set(key, 'v3')).toBe(true);
    expect(await b.get(key)).toBe('v3'); // (and B has a connection again, to notice the next failure)
    const downAgain = [nextEvent(a, 'down'), nextEvent(b, 'down')];
    await victim.stop();
    await Promise.all(downAgain);
    expect(await a.get(key)).toBeUndefined();
    expect(await b.get(key)).toBeUndefined();
    await a.close();
    await b.close();
  });
});

describe('failback', () => {
  it("flushes the returning server once, runs reconnect callbacks, then brings its buckets online", async () => {
    const addresses = servers.map((s) => s.address);
    const mc = new Client({ servers: addresses, ...FAST });
    const seen: string[] = [];
    mc.setReconnectedCallback((client, host, port) => { expect(client).toBe(mc); seen.push(`pecl ${host}:${port}`); });
    mc.onReconnect(async (_c, host, port) => { await new Promise((r) => setTimeout(r, 50)); seen.push(`async ${host}:${port}`); });
    mc.onReconnect(() => { throw new Error('a broken callback'); });
    const failures: string[] = [];
    mc.setFailureCallback((_c, host, port, error) => failures.push(`${host}:${port} ${error.constructor.name}`));
    const errors: Error[] = [];
    mc.on('error', (e) => errors.push(e));
    const order: string[] = [];
    for (const e of ['down', 'recovering', 'failback', 'up'] as const) mc.on(e, (info: { status: string }) => order.push(`${e} ${info.status}`));

    // A connection to the server exists (the failure is noticed through it, with no request pending).
    await mc.set(await keyOwnedBy(addresses, 2), 'x');
    const owner = servers[2];
    const down = nextEvent(mc, 'down');
    await owner.stop();
    await down;
    const returned = Date.now();
    const failback = nextEvent<[unknown, { role: string; flushed: string[] }]>(mc, 'failback');
    const up = nextEvent(mc, 'up');
    await owner.restart();
    const [, outcome] = await failback;
    await up;
    const elapsed = Date.now() - returned;

    expect(outcome).toMatchObject({ role: 'leader', flushed: [owner.address], restarted: true });
    expect(Number((await serverStats(owner.host, owner.port)).get('cmd_flush'))).toBe(1);
    expect(seen).toEqual([`pecl ${owner.address}`, `async ${owner.address}`]);
    expect(errors.map((e) => e.message)).toEqual([`a reconnect callback threw for ${owner.address}: a broken callback`]);
    // The idle connection's close is checked at once: the reconnect is refused (or reset, while
    // the process is still dying): a hard failure.
    expect(failures).toHaveLength(1);
    expect([`${owner.address} ConnectError`, `${owner.address} ConnectionClosedError`]).toContain(failures[0]);
    expect(order).toEqual(['down down', 'recovering recovering', 'failback recovering', 'up up']);
    // Within retryInterval (+10% jitter) + 1 s of the server's return.
    expect(elapsed).toBeLessThan(FAST.retryInterval * 1.1 + 1000);
    expect(mc.servers()[2].status).toBe('up');
    await mc.close();
  });

  it("Don's mode (failureLimit 1, flush 'server'): a hung server (SIGSTOP) is down at its first timeout and flushed on its way back", async () => {
    const addresses = servers.map((s) => s.address);
    const mc = new Client({ servers: addresses, ...FAST, failureLimit: 1, failback: { flush: 'server' } });
    const key = await keyOwnedBy(addresses, 0);
    await mc.set(key, 'before');
    await servers[0].pause();
    const err = await mc.get(key).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ERR_COMMAND_TIMEOUT');
    expect(mc.servers()[0].status).toBe('down');
    expect(mc.servers()[0].counters.timeouts).toBe(1);
    // Down: answered at once, no I/O.
    const requests = mc.servers()[0].counters.requests;
    expect(await mc.get(key)).toBeUndefined();
    expect(mc.servers()[0].counters.requests).toBe(requests);
    const up = nextEvent(mc, 'up');
    servers[0].resume();
    await up;
    // Flushed on the way back: the pre-failure value is gone.
    expect(await mc.get(key)).toBeUndefined();
    await waitFor('cmd_flush = 1', async () => (await serverStats(servers[0].host, servers[0].port)).get('cmd_flush') === '1');
    await mc.close();
  });

  it('a refused connect takes the server down, and its keys never touch the network while down', async () => {
    const addresses = servers.map((s) => s.address);
    await servers[1].stop();
    const mc = new Client({ servers: addresses, ...FAST, retryInterval: 60_000 });
    const key = await keyOwnedBy(addresses, 1);
    const err = await mc.get(key).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ERR_CONNECT_FAILED');
    expect(mc.servers()[1].status).toBe('down');
    const before = mc.servers()[1].counters.requests;
    for (let i = 0; i < 100; i++) {
      expect(await mc.get(key)).toBeUndefined();
      expect(await mc.set(key, 'x')).toBe(false);
      expect(await mc.delete(key)).toBe(false);
    }
    expect(mc.servers()[1].counters.requests).toBe(before);
    expect(mc.servers()[1].counters.offlineSkips).toBe(300);
    await mc.close();
  });
});
