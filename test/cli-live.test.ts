/**
 * `failback stats`, `health` and `lock` against real memcached processes, run as a separate
 * process from dist/cli/main.js: a stopped server, a restart seen under --watch, and the lock
 * and done-marker a real client failback leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../bindings/entry/node.js';
import { jsonLines, spawnCli as run } from './support/cli.js';
import { MemcachedServer, rawCommand, serverStats, startCluster } from './support/memcached.js';
import { waitFor } from './support/wait.js';

interface Summary {
  server: string; up: boolean; error?: string; identity?: { pid: number; bootTime: number }; restarted?: boolean; uptime?: number; version?: string;
  items?: number; hits?: number; misses?: number; hitRate?: number | null; evictions?: number; flushes?: number; recent?: { gets: number; hitRate: number | null };
}
interface LockState {
  server: string; up: boolean; error?: string; identity?: { pid: number; bootTime: number }; time?: number;
  locks?: { key: string; minute: string; holder: string | null }[];
  marker?: { key: string; value: string | null; valid: boolean; epoch?: number; flushedAt?: number; identity?: string; process?: string; leader?: string };
}

let servers: MemcachedServer[];
beforeAll(async () => {
  servers = await startCluster(3);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const identityOf = async (s: MemcachedServer) => {
  const stats = await serverStats(s.host, s.port);
  return { pid: Number(stats.get('pid')), bootTime: Number(stats.get('time')) - Number(stats.get('uptime')) };
};

describe('stats and health', () => {
  it('stats: items, hits, misses, hit rate and evictions as memcached counts them, per server and in total', async () => {
    const [s] = servers;
    for (let i = 0; i < 5; i++) await rawCommand(s.host, s.port, `set stats:${i} 0 0 1\r\nx\r\n`);
    await rawCommand(s.host, s.port, 'get stats:0 stats:1 stats:2 missing:0\r\n', /END\r\n$/);
    const before = await serverStats(s.host, s.port);
    const json = await run(['stats', '--servers', s.address, '--json']);
    expect(json.status).toBe(0);
    const [{ servers: [summary] }] = jsonLines<{ time: string; servers: Summary[] }>(json.stdout);
    const hits = Number(before.get('get_hits'));
    const misses = Number(before.get('get_misses'));
    expect(summary).toMatchObject({
      server: s.address, up: true, identity: await identityOf(s), items: Number(before.get('curr_items')), hits, misses, hitRate: hits / (hits + misses), evictions: 0, flushes: 0,
      version: before.get('version'),
    });
    expect(summary.items).toBeGreaterThanOrEqual(5);

    const text = await run(['stats', '--servers', servers.map((x) => x.address).join(',')]);
    expect(text.status).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['server', 'status', 'pid:boot', 'uptime', 'items', 'memory', 'hit rate', 'evictions', 'conns', 'note']);
    expect(lines[1]).toMatch(new RegExp(`^${s.address} +up +${s.pid}:\\d+ +[\\dms ]+ +${summary.items} +[\\d.]+ [KM]?i?B / 64\\.0 MiB +${((hits / (hits + misses)) * 100).toFixed(1)}% +0 +\\d+$`));
    expect(lines[4]).toMatch(/^total +3\/3 up +- +- +\d+ /);
  });

  it('health with one server stopped: that one down and why, the others up with their pid; exit 1; the JSON says the same', async () => {
    const stopped = await MemcachedServer.start();
    const list = [servers[0].address, stopped.address, servers[1].address].join(',');
    await stopped.stop();
    const text = await run(['health', '--servers', list]);
    expect(text.status).toBe(1);
    expect(text.stderr).toBe('');
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['server', 'status', 'identity', 'uptime', 'version', 'latency', 'note']);
    expect(lines[1]).toMatch(new RegExp(`^${servers[0].address} +up +pid ${servers[0].pid}, booted \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z +\\d+s +1\\.\\d+\\.\\d+ +[\\d.]+ ms$`));
    expect(lines[2]).toMatch(new RegExp(`^${stopped.address} +down +- +- +- +- +could not connect to memcached at ${stopped.address}: connect ECONNREFUSED`));
    expect(lines[3]).toMatch(new RegExp(`^${servers[1].address} +up +pid ${servers[1].pid}, `));
    expect(lines[4]).toBe('2 of 3 up, 1 down');

    const json = await run(['health', '--servers', list, '--json', '--timeout', '500']);
    expect(json.status).toBe(1);
    const [{ servers: summaries }] = jsonLines<{ servers: Summary[] }>(json.stdout);
    expect(summaries.map((x) => x.up)).toEqual([true, false, true]);
    expect(summaries[1]).toEqual({ server: stopped.address, up: false, error: expect.stringMatching(/could not connect .*ECONNREFUSED/) });
    expect(summaries[0].identity).toEqual(await identityOf(servers[0]));
    // Every server up: exit 0.
    expect((await run(['health', '--servers', servers[0].address])).status).toBe(0);
  });

  it('--watch 0.2 --count 2: two refreshes, the second with the gets since the first', async () => {
    const [s] = servers;
    await rawCommand(s.host, s.port, 'set watch:hit 0 0 1\r\nx\r\n');
    let gets = 0;
    const out = await run(['stats', '--servers', s.address, '--json', '--watch', '0.2', '--count', '2'], undefined, () => {
      // Between the two refreshes: one hit and one miss.
      if (gets++ === 0) void rawCommand(s.host, s.port, 'get watch:hit\r\nget nothing:here\r\n', /END\r\nEND\r\n$/);
    });
    expect(out.status).toBe(0);
    const refreshes = jsonLines<{ time: string; servers: Summary[] }>(out.stdout);
    expect(refreshes).toHaveLength(2);
    expect(refreshes[0].servers[0].recent).toBeUndefined();
    expect(refreshes[1].servers[0].recent).toMatchObject({ gets: 2, hitRate: 0.5 });
    const seconds = (Date.parse(refreshes[1].time) - Date.parse(refreshes[0].time)) / 1000;
    // Refreshes start 0.2 s apart; each is stamped once its answers are in.
    expect(seconds).toBeGreaterThan(0.1);
    expect(seconds).toBeLessThan(2);

    const text = await run(['stats', '--servers', s.address, '--watch', '0.2', '--count', '2']);
    expect(text.stdout.match(/^\d{4}-\d\d-\d\dT[\d:]+Z, every 0\.2 s \(Ctrl-C stops\)$/gm)).toHaveLength(2);
    // A bare --watch takes the default interval: one refresh, then stopped by --count.
    const bare = await run(['health', '--servers', s.address, '--watch', '--count', '1']);
    expect(bare.stdout).toMatch(/every 2 s/);
  });

  it('health --watch names a restart between two refreshes (a new pid and boot time)', async () => {
    const victim = await MemcachedServer.start();
    let restarting: Promise<void> | undefined;
    const out = await run(['health', '--servers', victim.address, '--json', '--watch', '0.3', '--count', '5', '--timeout', '300'], undefined, () => {
      restarting ??= victim.restart();
    });
    await restarting;
    const refreshes = jsonLines<{ servers: Summary[] }>(out.stdout).map((r) => r.servers[0]);
    const pids = refreshes.filter((r) => r.up).map((r) => r.identity!.pid);
    expect(new Set(pids).size, out.stdout).toBe(2);
    expect(pids.at(-1)).toBe(victim.pid);
    // Exactly the first refresh of the new process says so.
    const firstNew = refreshes.findIndex((r) => r.identity?.pid === victim.pid);
    expect(refreshes.map((r) => r.restarted === true)).toEqual(refreshes.map((_, i) => i === firstNew));
    await victim.stop();
  });
});

describe('lock', () => {
  const lockOf = async (args: string[]) => {
    const out = await run(['lock', ...args, '--json']);
    return { status: out.status, states: jsonLines<{ servers: LockState[] }>(out.stdout)[0].servers };
  };

  it('after a real failback: the done-marker of this process (epoch, flush time, identity, leader), no lock left; read only', async () => {
    const server = await MemcachedServer.start();
    const mc = new Client({ servers: [server.address], retryInterval: 200, timeout: 300, connectTimeout: 300 });
    try {
      const fresh = await lockOf(['--servers', server.address]);
      expect(fresh.status).toBe(0);
      expect(fresh.states[0].marker).toEqual({ key: 'last_failback_done', value: null, valid: true });
      expect(fresh.states[0].locks!.map((l) => l.holder)).toEqual([null, null]);
      const text = await run(['lock', '--servers', server.address]);
      expect(text.stdout).toMatch(/done-marker +last_failback_done +none: no failback has finished on this server since it started/);

      await mc.set('k', 'v');
      await server.restart();
      // The client meets the new process, and as the only frontend leads its flush and writes the marker.
      await waitFor('the failback\'s done-marker', async () => {
        await mc.get('k').catch(() => undefined);
        return (await rawCommand(server.host, server.port, 'get last_failback_done\r\n', /END\r\n$/)).includes('VALUE');
      });
      await waitFor('the failback to finish', () => mc.servers()[0].status === 'up');
      const before = await serverStats(server.host, server.port);
      const { status, states: [state] } = await lockOf(['--servers', server.address]);
      expect(status).toBe(0);
      const identity = await identityOf(server);
      expect(state.identity).toEqual(identity);
      expect(state.locks!.map((l) => [l.minute, l.key, l.holder])).toEqual([
        ['this', `last_failback_${Math.floor(state.time! / 60)}`, null],
        ['previous', `last_failback_${Math.floor(state.time! / 60) - 1}`, null],
      ]);
      expect(state.marker).toMatchObject({ key: 'last_failback_done', valid: true, epoch: 1, identity: `${identity.pid}:${identity.bootTime}`, process: 'this' });
      expect(state.time! - state.marker!.flushedAt!).toBeLessThan(30);
      expect(state.marker!.value).toBe(`1 ${state.marker!.flushedAt} ${identity.pid}:${identity.bootTime} ${state.marker!.leader}`);
      // Looking changed nothing: no write, no flush (only the plain gets were counted).
      const after = await serverStats(server.host, server.port);
      for (const counter of ['cmd_set', 'cmd_flush', 'cmd_touch', 'delete_hits', 'delete_misses']) expect([counter, after.get(counter)]).toEqual([counter, before.get(counter)]);
      // A get of the released lock (expired by the leader's cas, not yet reclaimed) reclaims it:
      // items may only go, never come.
      expect(Number(after.get('curr_items'))).toBeLessThanOrEqual(Number(before.get('curr_items')));

      const text2 = await run(['lock', '--servers', server.address]);
      expect(text2.stdout).toMatch(new RegExp(`^${server.address}  up, pid ${identity.pid}, booted [\\dT:-]+Z, clock [\\dT:-]+Z\\n`));
      expect(text2.stdout).toMatch(new RegExp(`done-marker +last_failback_done +epoch 1: flushed [\\dT:-]+Z \\(\\d+s ago\\) by leader \\S+, on ${identity.pid}:${identity.bootTime} \\(this process: it was failed back since it started\\)`));
    } finally {
      await mc.close();
      await server.stop();
    }
  });

  it('a held lock (a leader at work) and an earlier process\'s marker, under a custom --lock-key; a down server: exit 1', async () => {
    const [s] = servers;
    const time = Number((await serverStats(s.host, s.port)).get('time'));
    const minute = Math.floor(time / 60);
    // As a leader does (failback-lock.ts): add the minute's lock with its token; the marker is "epoch seconds pid:boot token".
    await rawCommand(s.host, s.port, `add ops_lock_${minute} 0 60 9\r\nleader-42\r\n`);
    const marker = `3 ${time - 90} 1:100 tok-7`;
    await rawCommand(s.host, s.port, `set ops_lock_done 0 0 ${marker.length}\r\n${marker}\r\n`);
    const down = await MemcachedServer.start();
    await down.stop();
    const { status, states } = await lockOf(['--servers', `${s.address},${down.address}`, '--lock-key', 'ops_lock_']);
    expect(status).toBe(1);
    // The lock is this minute's, or the previous one's when the minute turned meanwhile: both are read.
    expect(states[0].locks!.find((l) => l.key === `ops_lock_${minute}`)?.holder).toBe('leader-42');
    expect(states[0].marker).toMatchObject({ key: 'ops_lock_done', valid: true, epoch: 3, flushedAt: time - 90, identity: '1:100', process: 'earlier', leader: 'tok-7' });
    expect(states[1]).toEqual({ server: down.address, up: false, error: expect.stringMatching(/could not connect .*ECONNREFUSED/) });

    const text = await run(['lock', '--servers', `${s.address},${down.address}`, '--lock-key', 'ops_lock_']);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/held by leader-42: a failback of this server is running, or its leader died/);
    expect(text.stdout).toMatch(/epoch 3: flushed .* by leader tok-7, on 1:100 \(an earlier process: no failback of the one answering now has finished\)/);
    expect(text.stdout).toMatch(new RegExp(`^${down.address}  down: could not connect`, 'm'));

    // Another client's value under the marker key is shown, not misread.
    await rawCommand(s.host, s.port, 'set ops_lock_done 0 0 4\r\nbusy\r\n');
    const odd = await lockOf(['--servers', s.address, '--lock-key', 'ops_lock_']);
    expect(odd.states[0].marker).toEqual({ key: 'ops_lock_done', value: 'busy', valid: false });
  });
});
