/**
 * What counts as a server failure, on real memcached: a blocked event loop and short stalls are
 * never blamed on the server; a long stall takes it down and back without wiping it (the journal
 * replays this frontend's skipped writes); a restart is failed back with a flush, also at first
 * contact by a frontend that never saw it before.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, type ClientOptions } from '../bindings/entry/node.js';
import { MemcachedServer, rawCommand, serverStats, startCluster } from './support/memcached.js';
import { nextEvent, waitFor } from './support/wait.js';
import { keysByOwner } from './support/keys.js';

let servers: MemcachedServer[];
const clients: Client[] = [];
beforeEach(async () => {
  servers = await startCluster(2);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

function client(options: Omit<ClientOptions, 'servers'> = {}): Client {
  const mc = new Client({ servers: servers.map((s) => s.address), ...options });
  clients.push(mc);
  return mc;
}

async function keysOwnedBy(index: number, count: number): Promise<string[]> {
  return (await keysByOwner(servers.map((s) => s.address), count, 'k:'))[index];
}

const stat = async (s: MemcachedServer, name: string) => Number((await serverStats(s.host, s.port)).get(name));
const block = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) { /* a GC pause, a big JSON.parse */ }
};

describe('not the server\'s fault', () => {
  it('the event loop blocked 700 ms with 64 requests in flight and their answers on the socket: no down, no flush', async () => {
    const mc = client({ timeout: 200, failureLimit: 1, failback: { flush: 'server' } });
    const keys = await keysOwnedBy(0, 64);
    for (const key of keys) await mc.set(key, `value of ${key}`);
    const items = await stat(servers[0], 'curr_items');
    const downs: string[] = [];
    mc.on('down', (s) => downs.push(s.name));
    const gets = keys.map((key) => mc.get(key));
    // Let the requests leave, then block while memcached answers into the socket buffer.
    await new Promise((r) => setImmediate(r));
    block(700);
    const values = await Promise.all(gets);
    expect(values).toEqual(keys.map((key) => `value of ${key}`));
    expect(downs).toEqual([]);
    expect(mc.servers()[0].counters.timeouts).toBe(0);
    expect(await stat(servers[0], 'cmd_flush')).toBe(0);
    expect(await stat(servers[0], 'curr_items')).toBe(items);
  });

  it('64 gets issued, then the caller blocks 700 ms before they leave: all succeed, no down', async () => {
    const mc = client({ timeout: 200, failureLimit: 1 });
    const keys = await keysOwnedBy(1, 64);
    for (const key of keys) await mc.set(key, 'x');
    const downs: string[] = [];
    mc.on('down', (s) => downs.push(s.name));
    const gets = keys.map((key) => mc.get(key));
    block(700);
    expect(await Promise.all(gets)).toEqual(keys.map(() => 'x'));
    expect(downs).toEqual([]);
  });

  it('memcached stopped for 300 ms (timeout 500): every request answered, nothing counted', async () => {
    const mc = client({ timeout: 500 });
    const keys = await keysOwnedBy(0, 20);
    for (const key of keys) await mc.set(key, 'v');
    await servers[0].pause();
    const gets = keys.map((key) => mc.get(key));
    await new Promise((r) => setTimeout(r, 300));
    servers[0].resume();
    expect(await Promise.all(gets)).toEqual(keys.map(() => 'v'));
    expect(mc.servers()[0]).toMatchObject({ status: 'up', counters: { timeouts: 0, failures: 0 } });
  });

  it('memcached stopped for 1.5 × timeout: the requests in flight time out once; the server stays up and is not flushed', async () => {
    const mc = client({ timeout: 400 });
    const keys = await keysOwnedBy(0, 20);
    for (const key of keys) await mc.set(key, 'v');
    const items = await stat(servers[0], 'curr_items');
    await servers[0].pause();
    const inFlight = keys.map((key) => mc.get(key).then(() => 'ok', (err: { code: string }) => err.code));
    await new Promise((r) => setTimeout(r, 600));
    servers[0].resume();
    // The first to expire reports the timeout; the others on that connection close with it.
    const codes = await Promise.all(inFlight);
    expect(codes).toContain('ERR_COMMAND_TIMEOUT');
    expect(codes.every((c) => c === 'ERR_COMMAND_TIMEOUT' || c === 'ERR_CONNECTION_CLOSED')).toBe(true);
    // The next requests reconnect and are answered; one soft failure of failureLimit 3.
    expect(await Promise.all(keys.map((key) => mc.get(key)))).toEqual(keys.map(() => 'v'));
    expect(mc.servers()[0]).toMatchObject({ status: 'up', counters: { timeouts: 1 } });
    expect(await stat(servers[0], 'cmd_flush')).toBe(0);
    expect(await stat(servers[0], 'curr_items')).toBe(items);
  });
});

describe('a long stall (down, no restart)', () => {
  it("journal (default): back without a flush; only the keys this frontend skipped are deleted", async () => {
    const mc = client({ timeout: 200, connectTimeout: 200, retryInterval: 300 });
    const keys = await keysOwnedBy(0, 30);
    for (const key of keys) await mc.set(key, 'old');
    const items = await stat(servers[0], 'curr_items');
    await servers[0].pause();
    const down = nextEvent(mc, 'down');
    // Three timeouts in a row (each on a fresh connection) take it down.
    for (let i = 0; i < 3; i++) await mc.get(keys[0]).catch(() => undefined);
    await down;
    // While it is down, this frontend skips two writes: those copies are stale on the server.
    expect(await mc.set(keys[1], 'new')).toBe(false);
    expect(await mc.delete(keys[2])).toBe(false);
    const failback = nextEvent<[unknown, { role: string; flushed: string[]; deleted: number; restarted: boolean }]>(mc, 'failback');
    servers[0].resume();
    const [, outcome] = await failback;
    expect(outcome).toMatchObject({ role: 'alone', flushed: [], restarted: false });
    expect(outcome.deleted).toBeGreaterThanOrEqual(2);
    await waitFor('up', () => mc.servers()[0].status === 'up');
    expect(await stat(servers[0], 'cmd_flush')).toBe(0);
    // The skipped keys are gone (a miss, then the origin); the rest of the warm cache survived.
    expect(await mc.get(keys[1])).toBeUndefined();
    expect(await mc.get(keys[2])).toBeUndefined();
    expect(await mc.get(keys[3])).toBe('old');
    expect(await stat(servers[0], 'curr_items')).toBeGreaterThanOrEqual(items - 3);
  });

  it('a journal that overflowed falls back to a flush (this frontend missed writes it cannot name)', async () => {
    const mc = client({ timeout: 200, connectTimeout: 200, retryInterval: 300, failureLimit: 1, failback: { journalLimit: 2 } });
    const keys = await keysOwnedBy(0, 10);
    for (const key of keys) await mc.set(key, 'old');
    await servers[0].pause();
    const down = nextEvent(mc, 'down');
    await mc.get(keys[0]).catch(() => undefined);
    await down;
    for (const key of keys.slice(1, 6)) await mc.set(key, 'new');
    const failback = nextEvent<[unknown, { role: string }]>(mc, 'failback');
    servers[0].resume();
    expect((await failback)[1].role).toBe('leader');
    expect(await stat(servers[0], 'cmd_flush')).toBe(1);
  });
});

describe('restarts', () => {
  it('a restart shorter than any timeout is failed back (flush) with failureLimit 3, no request failing', async () => {
    const mc = client({ failureLimit: 3, retryInterval: 200 });
    const keys = await keysOwnedBy(0, 5);
    for (const key of keys) await mc.set(key, 'before');
    expect(mc.servers()[0].identity?.pid).toBe(servers[0].pid);
    const down = nextEvent<[unknown, { code: string }]>(mc, 'down');
    const failback = nextEvent<[unknown, { role: string; restarted: boolean }]>(mc, 'failback');
    // The idle connection's close is checked at once: a refused or reset reconnect (still dying
    // or dead) or the new process's identity (already back) takes it down; no request failed.
    await servers[0].restart();
    expect(['ERR_SERVER_RESTARTED', 'ERR_CONNECT_FAILED', 'ERR_CONNECTION_CLOSED']).toContain((await down)[1].code);
    expect((await failback)[1]).toMatchObject({ role: 'leader', restarted: true });
    await waitFor('failed back', () => mc.servers()[0].status === 'up', 5000);
    expect(mc.servers()[0].identity?.pid).toBe(servers[0].pid);
    expect(mc.servers()[0].counters.restarts).toBe(1);
    expect(await stat(servers[0], 'cmd_flush')).toBe(1);
    expect(await mc.get(keys[0])).toBeUndefined();
  });

  it('first contact with a server younger than the client: treated as a restart, failed back before use', async () => {
    const mc = client({ retryInterval: 60_000 });
    await new Promise((r) => setTimeout(r, 3500));
    // The server restarts before this client ever reached it; another frontend wrote meanwhile.
    await servers[0].restart();
    const [key] = await keysOwnedBy(0, 1);
    await rawCommand(servers[0].host, servers[0].port, `set ${key} 0 0 5\r\nwrong\r\n`, /STORED\r\n$/);
    const down = nextEvent<[unknown, { code: string }]>(mc, 'down');
    expect(await mc.get(key).catch(() => undefined)).not.toBe('wrong');
    expect((await down)[1].code).toBe('ERR_SERVER_RESTARTED');
    await waitFor('failed back', () => mc.servers()[0].status === 'up', 5000);
    expect(await mc.get(key)).toBeUndefined();
    // The other server, older than the client, is taken as it is once reached.
    await mc.connect();
    expect(mc.servers()[1]).toMatchObject({ status: 'up', counters: { restarts: 0 } });
  });

  it('serverIdentity: false (proxies that refuse stats): no handshake; a restart is then only a connection failure', async () => {
    const mc = client({ serverIdentity: false, retryInterval: 200 });
    const [key] = await keysOwnedBy(0, 1);
    const gets = await stat(servers[0], 'cmd_get');
    expect(await mc.get(key)).toBeUndefined();
    // One get, and no marker get or stats riding ahead of it.
    expect((await stat(servers[0], 'cmd_get')) - gets).toBe(1);
    const failback = nextEvent<[unknown, { restarted: boolean; role: string }]>(mc, 'failback');
    await servers[0].restart();
    expect((await failback)[1]).toMatchObject({ restarted: false, role: 'alone' });
    expect(mc.servers()[0].identity).toBeUndefined();
  });
});
