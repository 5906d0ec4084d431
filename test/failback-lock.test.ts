/**
 * The one-frontend failback lock, on a real memcached, with an injected clock to place the
 * failback exactly on a minute boundary and to run the followers' waits instantly.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Connection } from '../bindings/connection/connection.js';
import { runFailback, doneKey, type FailbackPlan, type LockStore } from '../bindings/health/failback-lock.js';
import * as cmd from '../bindings/protocol/commands.js';
import { connectNode } from '../bindings/transport/node.js';
import { JumpingClock } from './support/fake-clock.js';
import { MemcachedServer, serverStats } from './support/memcached.js';

let server: MemcachedServer;
const connections: Connection[] = [];
beforeAll(async () => {
  server = await MemcachedServer.start();
});
afterAll(async () => {
  connections.forEach((c) => c.destroy());
  await server.stop();
});
beforeEach(async () => {
  await store().set('reset', '', 1);
  await connections[0].send(cmd.flushAll());
});

const enc = new TextEncoder();
const dec = new TextDecoder();
/** A lock store on its own connection, as each frontend has. */
function store(): LockStore & { conn: Connection } {
  const conn = new Connection({ host: server.host, port: server.port, connector: connectNode, connectTimeout: 1000, timeout: 1000, maxQueue: 100 });
  connections.push(conn);
  return {
    conn,
    get: async (k) => { const i = await conn.send(cmd.get(k)); return i ? dec.decode(i.value) : undefined; },
    gets: async (k) => { const i = await conn.send(cmd.gets(k)); return i ? { value: dec.decode(i.value), cas: i.cas! } : undefined; },
    add: async (k, v, t) => (await conn.send(cmd.store('add', k, enc.encode(v), 0, t))) === 'STORED',
    cas: async (k, v, c, t) => { const s = await conn.send(cmd.cas(k, enc.encode(v), 0, t, c)); return s === 'STORED' ? true : s === 'EXISTS' ? false : undefined; },
    set: async (k, v, t) => (await conn.send(cmd.store('set', k, enc.encode(v), 0, t))) === 'STORED',
    delete: async (k) => (await conn.send(cmd.del(k))) === 'DELETED',
  };
}

const lockKey = (s: number) => `last_failback_${Math.floor(s / 60)}`;
const flushes = async () => Number((await serverStats(server.host, server.port)).get('cmd_flush'));

function plan(clock: JumpingClock, s: LockStore & { conn: Connection }, token: string, flush?: () => Promise<string[]>): FailbackPlan {
  return {
    store: s, clock, lockKey, lockTtl: 60, waitTimeout: 2_000, failedAfter: clock.now() - 15_000, token,
    flush: flush ?? (async () => { await s.conn.send(cmd.flushAll()); return [server.address]; }),
  };
}

describe('runFailback', () => {
  it('the first add wins; followers wait for the done-marker; exactly one flush', async () => {
    const before = await flushes();
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 12, 0, 10));
    const outcomes = await Promise.all(['a', 'b', 'c', 'd'].map((t) => runFailback(plan(clock, store(), t))));
    expect(outcomes.filter((o) => o.role === 'leader')).toHaveLength(1);
    expect(outcomes.filter((o) => o.role === 'follower')).toHaveLength(3);
    expect((await flushes()) - before).toBe(1);
    expect(await store().get(doneKey(lockKey))).toMatch(/^\d+ [abcd]$/);
  });

  it('a failback straddling a minute boundary flushes once, not twice', async () => {
    const before = await flushes();
    // The leader takes minute m's lock at hh:00:59.9 and flushes slowly…
    const leaderClock = new JumpingClock(Date.UTC(2026, 10, 23, 12, 0, 59, 900));
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const leaderStore = store();
    // After its add, the leader checks the previous minute's lock; that answer is slow to come.
    const slowStore = { ...leaderStore, gets: async (k: string) => { await slow; return leaderStore.gets(k); } };
    const leader = runFailback(plan(leaderClock, slowStore, 'leader'));
    await new Promise((r) => setTimeout(r, 50));
    // …while another frontend arrives at hh:01:00.1, when minute m+1's lock is free.
    const lateClock = new JumpingClock(Date.UTC(2026, 10, 23, 12, 1, 0, 100));
    lateClock.time = leaderClock.time + 200;
    const late = runFailback({ ...plan(lateClock, store(), 'late'), failedAfter: leaderClock.time - 15_000, waitTimeout: 60_000 });
    await new Promise((r) => setTimeout(r, 50));
    release();
    const [a, b] = await Promise.all([leader, late]);
    expect(a.role).toBe('leader');
    expect(b.role).toBe('follower');
    expect((await flushes()) - before).toBe(1);
  });

  it('a frontend arriving after the marker follows without taking any lock, across minutes', async () => {
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 12, 5, 30));
    const first = await runFailback(plan(clock, store(), 'first'));
    expect(first.role).toBe('leader');
    const before = await flushes();
    const later = new JumpingClock(clock.time + 90_000); // two minutes later, a new lock key
    const outcome = await runFailback({ ...plan(later, store(), 'later'), failedAfter: clock.time - 10_000 });
    expect(outcome).toEqual({ role: 'follower', flushed: [] });
    expect(await flushes()).toBe(before);
  });

  it('a marker older than this frontend\'s failure belongs to an earlier failback and is ignored', async () => {
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 13, 0, 0));
    await runFailback(plan(clock, store(), 'old'));
    // The server fails again later; the old marker must not stop this failback's flush.
    const later = new JumpingClock(clock.time + 10 * 60_000);
    const before = await flushes();
    const outcome = await runFailback({ ...plan(later, store(), 'new'), failedAfter: later.time - 5_000 });
    expect(outcome.role).toBe('leader');
    expect((await flushes()) - before).toBe(1);
  });

  it('when the leader vanishes holding the lock, exactly one follower takes over and flushes', async () => {
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 14, 0, 20));
    // The vanished leader: its add succeeded, then nothing.
    expect(await store().add(lockKey(clock.now() / 1000), 'ghost', 60)).toBe(true);
    const before = await flushes();
    // A long wait (in jumped time): the losers of the takeover must outwait the winner's flush
    // even when this machine is loaded.
    const outcomes = await Promise.all(['x', 'y', 'z'].map((t) => runFailback({ ...plan(clock, store(), t), waitTimeout: 120_000 })));
    expect(outcomes.filter((o) => o.role === 'leader')).toHaveLength(1);
    expect((await flushes()) - before).toBe(1);
  });
});
