/**
 * Races of the failback found in review, each on real memcached and each failing before its fix:
 * a stalled leader taken over, a journal overflowing after another frontend's flush, epochs after
 * a restart, an 'up' listener's first request, a connect error that is not a refusal, a quiet
 * frontend's failure point, and a blocked event loop during a connect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client, createRouter, type ClientOptions } from '../bindings/entry/node.js';
import { Connection } from '../bindings/connection/connection.js';
import { runFailback, type DoneMarker, type FailbackPlan, type LockStore } from '../bindings/health/failback-lock.js';
import * as cmd from '../bindings/protocol/commands.js';
import { connectNode } from '../bindings/transport/node.js';
import { JumpingClock } from './support/fake-clock.js';
import { MemcachedServer, rawCommand, serverStats } from './support/memcached.js';
import { nextEvent, waitFor } from './support/wait.js';

const servers: MemcachedServer[] = [];
const clients: Client[] = [];
const conns: Connection[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  conns.splice(0).forEach((c) => c.destroy());
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
async function start(args: string[] = []) { const s = await MemcachedServer.start({ args }); servers.push(s); return s; }
function client(s: MemcachedServer, o: Omit<ClientOptions, 'servers'>): Client {
  const mc = new Client({ servers: [s.address], ...o }); clients.push(mc); return mc;
}
const stat = async (s: MemcachedServer, n: string) => Number((await serverStats(s.host, s.port)).get(n));
const enc = new TextEncoder(); const dec = new TextDecoder();
function store(s: MemcachedServer): LockStore {
  const conn = new Connection({ host: s.host, port: s.port, connector: connectNode, connectTimeout: 1000, timeout: 1000, maxQueue: 100 });
  conns.push(conn);
  return {
    get: async (k) => { const i = await conn.send(cmd.get(k)); return i ? dec.decode(i.value) : undefined; },
    gets: async (k) => { const i = await conn.send(cmd.gets(k)); return i ? { value: dec.decode(i.value), cas: i.cas! } : undefined; },
    add: async (k, v, t) => (await conn.send(cmd.store('add', k, enc.encode(v), 0, t))) === 'STORED',
    cas: async (k, v, c, t) => { const r = await conn.send(cmd.cas(k, enc.encode(v), 0, t, c)); return r === 'STORED' ? true : r === 'EXISTS' ? false : undefined; },
    set: async (k, v, t) => (await conn.send(cmd.store('set', k, enc.encode(v), 0, t))) === 'STORED',
    delete: async (k) => (await conn.send(cmd.del(k))) === 'DELETED',
    flushAll: async () => void (await conn.send(cmd.flushAll())),
  };
}
const lockKey = (s: number) => `last_failback_${Math.floor(s / 60)}`;
function plan(s: MemcachedServer, clock: JumpingClock, st: LockStore, token: string, baseline: number): FailbackPlan {
  return {
    store: st, clock, lockKey, lockTtl: 60, waitTimeout: 2000, token, serverSeconds: Math.floor(clock.now() / 1000),
    server: s.address, identity: '1:100', closes: (m: DoneMarker) => m.identity === '1:100' && m.epoch > 0, knownEpoch: 0,
    flushSelf: true, flushOthers: async () => [],
    // as recovery.ts: the server's cmd_flush now, against the count this frontend's probe read
    flushedSince: async () => (await stat(s, 'cmd_flush')) > baseline,
  };
}

describe('failback races', () => {
  it('a leader stalled between its add and its flush, whose lock was taken over, does not flush again', async () => {
    const s = await start();
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 12, 0, 10));
    const base = await stat(s, 'cmd_flush');
    let resume!: () => void; const stopped = new Promise<void>((r) => (resume = r));
    const a = store(s);
    // The leader's stats answer (flushedSince) was read before the stop; the process then sleeps.
    const leader = runFailback({ ...plan(s, clock, a, 'A', base), flushedSince: async () => { const r = (await stat(s, 'cmd_flush')) > base; await stopped; return r; } });
    await new Promise((r) => setTimeout(r, 100));
    const follower = await runFailback(plan(s, clock, store(s), 'B', base)); // waits waitTimeout, takes over, flushes
    expect(follower.role).toBe('leader');
    resume(); // SIGCONT
    await leader;
    expect((await stat(s, 'cmd_flush')) - base).toBe(1);
  });

  it('a frontend whose journal overflows after another frontend\'s flush flushes again rather than serve a superseded copy', async () => {
    const s = await start();
    const opts = { failureLimit: 1, timeout: 300, connectTimeout: 300 };
    const a = client(s, { ...opts, retryInterval: 100 });
    const b = client(s, { ...opts, retryInterval: 1500, failback: { journalLimit: 2 } });
    await a.set('k', 'v0'); await b.get('k');
    const bUp = nextEvent(b, 'up');
    const aUp = nextEvent(a, 'up');
    await s.restart();
    await aUp;                                   // A failed the new process back (flushed it)
    await waitFor('b down', () => b.servers()[0].status !== 'up');
    await a.set('k', 'v1');                      // A caches what it read from the database
    expect(await b.set('k', 'v2')).toBe(false);  // B updated the database to v2; its cache write is skipped…
    for (const x of ['x1', 'x2', 'x3']) await b.set(x, 'y'); // …and its journal overflows
    await bUp;
    expect(await b.get('k')).not.toBe('v1');     // must be a miss (flushed or deleted), never the superseded v1
  }, 20_000);

  it('epochs after a restart: frontends that knew different counts agree on one flush at the next failback (server policy)', async () => {
    const s = await start();
    const st = await serverStats(s.host, s.port);
    const id = `${st.get('pid')}:${Number(st.get('time')) - Number(st.get('uptime'))}`;
    // History: this server had 5 failbacks already.
    await rawCommand(s.host, s.port, `set last_failback_done 0 0 ${`5 ${st.get('time')} ${id} old`.length}\r\n5 ${st.get('time')} ${id} old\r\n`);
    const opts = { failureLimit: 1, timeout: 200, connectTimeout: 300, failback: { flush: 'server' as const } };
    const a = client(s, { ...opts, retryInterval: 1500 });
    await a.get('k');                            // handshake: A knows epoch 5
    const aUp = nextEvent(a, 'up');
    await s.restart();
    await a.get('k').catch(() => undefined);
    await aUp;                                   // A led the new process's failback: marker epoch 1, A keeps epoch 5
    const c = client(s, { ...opts, retryInterval: 100 });
    await c.get('k');                            // C, a new frontend: epoch 1
    const f0 = await stat(s, 'cmd_flush');
    const bothUp = Promise.all([nextEvent(a, 'up'), nextEvent(c, 'up')]);
    await s.pause();
    await Promise.all([a.get('k'), c.get('k')].map((p) => p.catch(() => undefined)));
    await waitFor('both down', () => a.servers()[0].status !== 'up' && c.servers()[0].status !== 'up');
    s.resume();
    const roles: string[] = [];
    a.on('failback', (_s, o) => roles.push(`A:${o.role}:${o.epoch}`)); c.on('failback', (_s, o) => roles.push(`C:${o.role}:${o.epoch}`));
    await bothUp;
    expect((await stat(s, 'cmd_flush')) - f0, roles.join(' ')).toBe(1);
  }, 20_000);

  it('a request sent from an up listener goes over the new connection', async () => {
    const s = await start();
    const a = client(s, { failureLimit: 1, timeout: 200, retryInterval: 100 });
    await a.get('k');
    let sent: Promise<unknown> | undefined;
    a.on('up', () => { sent ??= a.get('k'); });
    await s.restart();
    await a.get('k').catch(() => undefined);
    await waitFor('the up listener to send', () => sent !== undefined);
    await expect(sent).resolves.toBeUndefined();
  }, 20_000);

  it('the event loop blocked while a (re)connect is under way: no connect timeout is blamed on the server', async () => {
    const s = await start();
    const a = client(s, { failureLimit: 1, connectTimeout: 100, timeout: 200, retryInterval: 60_000 });
    const p = a.get('k');                        // first connect starts now
    const until = Date.now() + 300; while (Date.now() < until) { /* GC pause */ }
    await p.catch(() => undefined);
    expect(a.servers()[0].status).toBe('up');
  });

  it('a connect error that is not a refusal (EHOSTUNREACH, DNS, TLS) at first contact does not make the server "restarted": no flush', async () => {
    const s = await start();
    await rawCommand(s.host, s.port, 'set warm 0 0 1\r\nx\r\n');
    await new Promise((r) => setTimeout(r, 300));
    let first = true;
    const connector: typeof connectNode = (o, h) => {
      if (first) { first = false; return Promise.reject(Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' })); }
      return connectNode(o, h);
    };
    const a = client(s, { connector, retryInterval: 100 });
    const up = nextEvent(a, 'up');
    await a.get('warm').catch(() => undefined); // the blip: down
    await up;
    expect(await stat(s, 'cmd_flush')).toBe(0);
    expect(await a.get('warm')).toBe('x');
  });

  it('a quiet frontend never takes the marker of a failback it missed, before its own outage, for its own ("server" policy: it flushes)', async () => {
    const s = await start();
    const b = client(s, { failureLimit: 1, timeout: 200, retryInterval: 200, failback: { flush: 'server' } });
    await b.set('k', 'old');                       // B's last good answer; its connection stays open
    await new Promise((r) => setTimeout(r, 1100));
    // Another frontend's failback that B never saw (its own stall): flush + marker epoch 1
    const st = await serverStats(s.host, s.port);
    const m = `1 ${st.get('time')} ${st.get('pid')}:${Number(st.get('time')) - Number(st.get('uptime'))} A`;
    await rawCommand(s.host, s.port, `flush_all\r\nset last_failback_done 0 0 ${m.length}\r\n${m}\r\nset k 0 0 2\r\nv1\r\n`, /STORED\r\nSTORED\r\n$/);
    await new Promise((r) => setTimeout(r, 1100));
    const f0 = await stat(s, 'cmd_flush');
    // Later, B's own outage (a stall only B sees in real life).
    const up = nextEvent(b, 'up');
    await s.pause();
    await b.get('k').catch(() => undefined);
    s.resume();
    const [, outcome] = await up as [unknown, { role: string }];
    expect(outcome?.role ?? 'leader').toBe('leader');
    expect((await stat(s, 'cmd_flush')) - f0).toBe(1);
  }, 20_000);
});
