/**
 * The one-frontend failback lock, on a real memcached, with an injected clock to place the
 * failback exactly on a minute boundary and to run the followers' waits instantly.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Connection } from '../bindings/connection/connection.js';
import { runFailback, doneKey, parseMarker, type DoneMarker, type FailbackPlan, type LockStore } from '../bindings/health/failback-lock.js';
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
    flushAll: async () => void (await conn.send(cmd.flushAll())),
  };
}

const lockKey = (s: number) => `last_failback_${Math.floor(s / 60)}`;
const flushes = async () => Number((await serverStats(server.host, server.port)).get('cmd_flush'));

/** The failure this frontend closes: markers above `epoch` (numbered by the leader) close it. */
function plan(clock: JumpingClock, s: LockStore & { conn: Connection }, token: string, epoch = 0): FailbackPlan {
  return {
    store: s, clock, lockKey, lockTtl: 60, waitTimeout: 2_000, token,
    serverSeconds: Math.floor(clock.now() / 1000), server: server.address, identity: '1:100',
    closes: (m: DoneMarker) => m.identity === '1:100' && m.epoch > epoch,
    knownEpoch: epoch, flushSelf: true, flushOthers: async () => [], flushedSince: async () => false,
  };
}
const marker = async () => parseMarker(await store().get(doneKey(lockKey)));

describe('runFailback', () => {
  it('the first add wins; followers wait for the done-marker; exactly one flush', async () => {
    const before = await flushes();
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 12, 0, 10));
    const outcomes = await Promise.all(['a', 'b', 'c', 'd'].map((t) => runFailback(plan(clock, store(), t))));
    expect(outcomes.filter((o) => o.role === 'leader')).toHaveLength(1);
    expect(outcomes.filter((o) => o.role === 'follower')).toHaveLength(3);
    expect((await flushes()) - before).toBe(1);
    expect(await marker()).toMatchObject({ epoch: 1, identity: '1:100', token: expect.stringMatching(/^[abcd]$/) });
    // The leader's lock went with its flush; no follower left one behind.
    expect(await store().get(lockKey(clock.now() / 1000))).toBeUndefined();
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
    const late = runFailback({ ...plan(lateClock, store(), 'late'), serverSeconds: Math.floor(lateClock.now() / 1000), waitTimeout: 60_000 });
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
    const outcome = await runFailback(plan(later, store(), 'later'));
    expect(outcome).toEqual({ role: 'follower', flushed: [], epoch: 1 });
    expect(await flushes()).toBe(before);
  });

  it('a marker of an earlier failback never closes a later failure, however little time passed', async () => {
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 13, 0, 0));
    const first = await runFailback(plan(clock, store(), 'old'));
    expect(first.epoch).toBe(1);
    // The same frontend, idle since that failback (no successful request in between), sees the
    // server fail again in the same second: the marker it honoured is epoch 1, so only a later
    // one closes this failure, and it leads a new flush.
    const before = await flushes();
    const outcome = await runFailback(plan(clock, store(), 'new', first.epoch));
    expect(outcome).toMatchObject({ role: 'leader', epoch: 2 });
    expect((await flushes()) - before).toBe(1);
  });

  it('a frontend whose add lands right after the leader\'s flush follows and removes its own lock', async () => {
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 15, 0, 5));
    const leaderStore = store();
    const lateStore = store();
    // Hold the late frontend's add until the leader's flush_all has been counted by memcached.
    const flushesBefore = await flushes();
    let lateAdd!: Promise<boolean>;
    const held = { ...lateStore, add: async (k: string, v: string, t: number) => {
      while ((await flushes()) === flushesBefore) await new Promise((r) => setTimeout(r, 5));
      return (lateAdd = lateStore.add(k, v, t));
    } };
    const [leader, late] = await Promise.all([runFailback(plan(clock, leaderStore, 'leader')), runFailback(plan(clock, held, 'late'))]);
    expect(leader.role).toBe('leader');
    expect(late.role).toBe('follower');
    expect(await lateAdd).toBe(true); // its add did win the (flushed) lock key…
    // …and it removed that lock: the next outage in the same minute is not held up for waitTimeout.
    expect(await store().get(lockKey(clock.now() / 1000))).toBeUndefined();
    const next = await runFailback({ ...plan(clock, store(), 'next', leader.epoch), waitTimeout: 60_000 });
    expect(next).toMatchObject({ role: 'leader', epoch: 2 });
    expect(clock.now()).toBe(Date.UTC(2026, 10, 23, 15, 0, 5)); // no wait happened (the clock jumps only when waiting)
  });

  it("an add that lands between the leader's flush_all and its marker follows: the server's flush counter says the flush is done", async () => {
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 15, 30, 5));
    const before = await flushes();
    const leaderStore = store();
    // memcached runs other connections on other threads: model the leader's marker arriving late.
    const slowMarker = { ...leaderStore, set: async (k: string, v: string, t: number) => {
      await new Promise((r) => setTimeout(r, 300));
      return leaderStore.set(k, v, t);
    } };
    const leader = runFailback(plan(clock, slowMarker, 'leader'));
    await (async () => { while ((await flushes()) === before) await new Promise((r) => setTimeout(r, 5)); })();
    // The lock is gone with the flush and the marker is not there yet.
    const late = await runFailback({ ...plan(clock, store(), 'late'), flushedSince: async () => (await flushes()) > before });
    expect(late.role).toBe('follower');
    expect((await leader).role).toBe('leader');
    expect((await flushes()) - before).toBe(1);
    expect(await store().get(lockKey(clock.now() / 1000))).toBeUndefined();
  });

  it("with flush 'none' the leader writes the marker and removes its lock", async () => {
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 16, 0, 5));
    const before = await flushes();
    const outcome = await runFailback({ ...plan(clock, store(), 'quiet'), flushSelf: false });
    expect(outcome).toEqual({ role: 'leader', flushed: [], epoch: 1 });
    expect(await flushes()).toBe(before);
    expect(await store().get(lockKey(clock.now() / 1000))).toBeUndefined();
    expect((await marker())?.token).toBe('quiet');
  });

  it('the leader flushes the other servers before its own flush and the marker; a failure writes no marker', async () => {
    const clock = new JumpingClock(Date.UTC(2026, 10, 23, 17, 0, 5));
    const order: string[] = [];
    const s = store();
    const spied = { ...s, set: async (k: string, v: string, t: number) => { order.push(`set ${k}`); return s.set(k, v, t); } };
    const outcome = await runFailback({ ...plan(clock, spied, 'l'), flushOthers: async () => { await new Promise((r) => setTimeout(r, 30)); order.push('others'); return ['other:1'] } });
    expect(outcome.flushed).toEqual([server.address, 'other:1']);
    expect(order).toEqual(['others', `set ${doneKey(lockKey)}`]);
    await expect(runFailback({ ...plan(clock, store(), 'f', outcome.epoch), flushOthers: async () => { throw new Error('stand-in down'); } })).rejects.toThrow('stand-in down');
    expect((await marker())?.epoch).toBe(outcome.epoch);
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
