/**
 * Edge health semantics in Cloudflare's workerd (Miniflare API), with real memcached processes:
 * a Worker keeps its Clients in module scope, so health state lives per isolate.
 *
 * - Fail fast: a request to a down server costs at most the connect timeout once; afterwards that
 *   server's keys are offline skips (no I/O) for the isolate, in later requests too.
 * - Requests after the first reuse the module-scope Client: workerd refuses I/O on a socket opened
 *   by another request, and the cloudflare:sockets transport carries on over a fresh socket
 *   instead of reporting a (false) server failure.
 * - Joint failback: a Worker and a Node frontend read one cluster; a server is killed and
 *   restarted; they coordinate through the lock in memcached: one leader, one follower, one flush.
 *
 * The Worker is test/runtimes/failback-worker.ts, run against dist/ and build/core.wasm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Miniflare } from 'miniflare';
import { Client } from '../bindings/entry/node.js';
import type { Command } from './runtimes/failback-worker.js';
import { importGraph, repoRoot, transpile } from './runtimes/harness.js';
import { MemcachedServer, rawCommand, serverStats, startCluster } from './support/memcached.js';
import { waitFor } from './support/wait.js';
import { keysByOwner } from './support/keys.js';

const ENTRY = 'dist/entry/workerd.js';

let mf: Miniflare | undefined;
const started: MemcachedServer[] = [];
const sockets: Socket[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  if (!existsSync(`${repoRoot}/${ENTRY}`) || !existsSync(`${repoRoot}/build/core.wasm`)) {
    throw new Error(`${ENTRY} or build/core.wasm is missing: run \`npm run build\` first (npm test does)`);
  }
  const modules = importGraph(ENTRY).files.map((file) =>
    file.endsWith('.wasm')
      ? { type: 'CompiledWasm' as const, path: file, contents: readFileSync(file) }
      : { type: 'ESModule' as const, path: file, contents: readFileSync(file, 'utf8') },
  );
  const worker = transpile('test/runtimes/failback-worker.ts').replaceAll("'../../bindings/", "'../../dist/");
  mf = new Miniflare({
    compatibilityDate: '2025-01-01',
    modulesRoot: repoRoot,
    modules: [{ type: 'ESModule', path: `${repoRoot}/test/runtimes/failback-worker.js`, contents: worker }, ...modules],
  });
  await mf.ready;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await mf?.dispose();
  await Promise.all(started.map((s) => s.stop()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** Servers we stop by pid in afterAll, whatever happens. */
async function cluster(count: number, args: string[][] = []): Promise<MemcachedServer[]> {
  const list = args.length > 0 ? await Promise.all(args.map((a) => MemcachedServer.start({ args: a }))) : await startCluster(count);
  started.push(...list);
  return list;
}

interface ServerView {
  port: number;
  status: 'up' | 'down' | 'recovering';
  counters: { requests: number; hits: number; misses: number; offlineSkips: number; failures: number; failbacks: number };
}
interface Answer<R> {
  result: R;
  ms: number;
  events: string[];
  servers: ServerView[];
}
type Got = { key: string; value: string | null; ms: number };

/** One request to the Worker (each dispatchFetch is a new request of the same isolate). */
async function call<R = unknown>(command: Command): Promise<R> {
  if (!mf) throw new Error('Miniflare did not start');
  const res = await mf.dispatchFetch('http://localhost/', { method: 'POST', body: JSON.stringify(command) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`the worker answered ${res.status} to ${command.op}: ${text.slice(0, 2000)}`);
  return JSON.parse(text) as R;
}


const opened = (s: Socket) => new Promise<boolean>((resolve) => {
  s.once('connect', () => resolve(true));
  s.once('error', () => resolve(false));
  setTimeout(() => resolve(false), 300);
});

/**
 * SIGSTOPs a memcached started with `-b 1` and fills its listen queue: the kernel then drops new
 * SYNs, so a connect hangs as it does to a host that went away (no refusal to fail fast on).
 */
async function hang(server: MemcachedServer): Promise<void> {
  server.pause();
  const fillers = Array.from({ length: 4 }, () => connect({ host: server.host, port: server.port }).on('error', () => {}));
  sockets.push(...fillers);
  await Promise.all(fillers.map(opened));
  const probe = connect({ host: server.host, port: server.port }).on('error', () => {});
  sockets.push(probe);
  if (await opened(probe)) throw new Error(`connecting to the stopped ${server.address} still succeeds: its listen queue is not full`);
}

/**
 * SIGSTOPs `server` and resolves once every thread of it is stopped: the signal is delivered
 * asynchronously, and on a loaded machine a request sent right after `pause()` may still be served.
 */
const CONNECT_TIMEOUT = 300;

describe('workerd: fail fast, then offline for the isolate', () => {
  it('a hung server costs one connect timeout; its keys are then offline skips, in later requests too, without I/O', async () => {
    const [live, dead] = await cluster(2, [[], ['-b', '1']]);
    const addresses = [live.address, dead.address];
    const [liveKeys, deadKeys] = await keysByOwner(addresses, 3, 'fast:');
    for (const k of liveKeys) await rawCommand(live.host, live.port, `set ${k} 0 0 ${k.length}\r\n${k}\r\n`, /STORED\r\n$/);
    await hang(dead);

    await call({ op: 'create', name: 'fast', options: { servers: addresses, connectTimeout: CONNECT_TIMEOUT, timeout: 300, retryInterval: 60_000, failureLimit: 1 } });
    const first = await call<Answer<Got[]>>({ op: 'get', name: 'fast', keys: [deadKeys[0], deadKeys[1], liveKeys[0]] });
    const [timedOut, skipped, hit] = first.result;
    expect(timedOut.value).toMatch(/^ERR ERR_CONNECT_TIMEOUT/);
    expect(timedOut.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT - 50);
    expect(timedOut.ms).toBeLessThan(CONNECT_TIMEOUT + 400);
    expect(skipped).toMatchObject({ value: null });
    expect(skipped.ms).toBeLessThan(50);
    expect(hit.value).toBe(liveKeys[0]);
    expect(first.events).toEqual([`down ${dead.port} ERR_CONNECT_TIMEOUT`]);
    const before = first.servers[1];
    expect(before).toMatchObject({ status: 'down', counters: { requests: 1, offlineSkips: 1, failures: 1 } });

    // A later request of the same isolate: the dead server's keys miss at once, the live one's hit.
    const later = await call<Answer<Got[]>>({ op: 'get', name: 'fast', keys: [...deadKeys, ...liveKeys] });
    expect(later.result.map((g) => g.value)).toEqual([null, null, null, ...liveKeys]);
    for (const g of later.result.slice(0, 3)) expect(g.ms).toBeLessThan(50);
    const after = later.servers[1];
    expect(after.status).toBe('down');
    expect(after.counters.requests).toBe(before.counters.requests);
    expect(after.counters.offlineSkips).toBe(before.counters.offlineSkips + 3);
    expect(after.counters.failures).toBe(1);
    expect(later.servers[0]).toMatchObject({ status: 'up', counters: { failures: 0 } });
    expect(later.events).toHaveLength(1);
  });

  it('a killed server (connection refused) fails the first get at once, then is skipped', async () => {
    const [live, dead] = await cluster(2);
    const addresses = [live.address, dead.address];
    const [, deadKeys] = await keysByOwner(addresses, 2, 'refused:');
    await dead.stop();
    await call({ op: 'create', name: 'refused', options: { servers: addresses, connectTimeout: CONNECT_TIMEOUT, timeout: 300, retryInterval: 60_000 } });
    const { result, servers: view } = await call<Answer<Got[]>>({ op: 'get', name: 'refused', keys: deadKeys });
    expect(result[0].value).toMatch(/^ERR ERR_CONNECT_FAILED/);
    expect(result[0].ms).toBeLessThan(CONNECT_TIMEOUT);
    expect(result[1]).toMatchObject({ value: null });
    expect(view[1]).toMatchObject({ status: 'down', counters: { requests: 1, offlineSkips: 1 } });
  });
});

describe('workerd: a module-scope Client across requests of one isolate', () => {
  it('later requests get their values, mark nothing down and reconnect from their own context', async () => {
    const list = await cluster(2);
    const addresses = list.map((s) => s.address);
    const keys = (await keysByOwner(addresses, 3, 'reuse:')).flat();
    const connections = async () => Promise.all(list.map(async (s) => Number((await serverStats(s.host, s.port)).get('total_connections'))));

    await call({ op: 'create', name: 'reuse', options: { servers: addresses, connectTimeout: 1000, timeout: 500 } });
    const set = await call<Answer<boolean[]>>({ op: 'set', name: 'reuse', entries: keys.map((k) => [k, `v:${k}`]) });
    expect(set.result).toEqual(keys.map(() => true));
    const before = await connections();

    for (let request = 0; request < 3; request++) {
      const got = await call<Answer<Got[]>>({ op: 'get', name: 'reuse', keys });
      expect(got.result.map((g) => g.value)).toEqual(keys.map((k) => `v:${k}`));
      expect(got.events).toEqual([]);
      for (const s of got.servers) expect(s).toMatchObject({ status: 'up', counters: { failures: 0, offlineSkips: 0 } });
    }
    const many = await call<Answer<Record<string, string>>>({ op: 'getMany', name: 'reuse', keys });
    expect(many.result).toEqual(Object.fromEntries(keys.map((k) => [k, `v:${k}`])));
    expect(many.events).toEqual([]);
    // Each request opened its own socket to each server (the previous request's one was closed
    // with it): three gets and one getMany, plus one stats connection of ours per server each time.
    const after = await connections();
    for (let i = 0; i < list.length; i++) expect(after[i] - before[i]).toBe(4 + 1);

    const closed = await call<Answer<null>>({ op: 'close', name: 'reuse' });
    expect(closed.ms).toBeLessThan(500);
    expect(closed.events).toEqual([]);
  });

  it('the transport replays a refused write on a fresh socket, but not when the old socket still owes an answer', async () => {
    const [mc] = await cluster(1);
    const silent = createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.resume();
    });
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;

    // Answered in its own request, then used by later ones: every exchange goes through.
    await call({ op: 'open', name: 'mc', host: mc.host, port: mc.port, first: { text: 'version\r\n', expect: 'VERSION' } });
    for (let request = 0; request < 2; request++) {
      const sent = await call<{ answered: boolean; data: string; closes: unknown[] }>({ op: 'send', name: 'mc', text: 'version\r\n', expect: 'VERSION' });
      expect(sent).toMatchObject({ answered: true, closes: [] });
      expect(sent.data).toMatch(/^VERSION \S+\r\n$/);
    }

    // A question left unanswered in the first request: a later request's bytes cannot be put on
    // another socket (its answer would come before the one owed), so the transport fails.
    const open = await call<{ answered: boolean }>({ op: 'open', name: 'owes', host: '127.0.0.1', port: silentPort, first: { text: 'version\r\n', expect: 'VERSION' } });
    expect(open.answered).toBe(false);
    const refused = await call<{ closes: string[] }>({ op: 'send', name: 'owes', text: 'version\r\n', expect: 'VERSION' });
    expect(refused.closes).toHaveLength(1);
    // Typed as the runtime's refusal (ERR_CROSS_REQUEST), which never counts against the server.
    expect(refused.closes[0]).toMatch(/belongs to another request.*mc\.forRequest\(ctx\)/);
  });
});

describe('workerd: timers lost with the request that armed them', () => {
  it('a server hung (SIGSTOP) after an earlier request used it: a later get times out within `timeout`, it does not hang', async () => {
    const TIMEOUT = 400;
    const [live, hung] = await cluster(2);
    const addresses = [live.address, hung.address];
    const [liveKeys, hungKeys] = await keysByOwner(addresses, 2, 'later:');
    for (const [s, k] of [[live, liveKeys[0]], [hung, hungKeys[0]]] as const) await rawCommand(s.host, s.port, `set ${k} 0 0 ${k.length}\r\n${k}\r\n`, /STORED\r\n$/);
    await call({ op: 'create', name: 'later', options: { servers: addresses, connectTimeout: 1000, timeout: TIMEOUT, retryInterval: 60_000, failureLimit: 1 } });

    // Request 1 opens the connection (and arms the command timer, which dies with the request).
    const first = await call<Answer<Got[]>>({ op: 'get', name: 'later', keys: [hungKeys[0], liveKeys[0]] });
    expect(first.result.map((g) => g.value)).toEqual([hungKeys[0], liveKeys[0]]);
    expect(first.events).toEqual([]);

    await hung.pause();
    try {
      const sent = Date.now();
      const hangs = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('request 2 hangs: no command timer fired')), TIMEOUT + 5000));
      const second = await Promise.race([call<Answer<Got[]>>({ op: 'get', name: 'later', keys: [hungKeys[0], hungKeys[1], liveKeys[0]] }), hangs]);
      const wall = Date.now() - sent;
      const [timedOut, skipped, hit] = second.result;
      expect(timedOut.value).toMatch(/^ERR ERR_COMMAND_TIMEOUT/);
      expect(timedOut.ms).toBeGreaterThanOrEqual(TIMEOUT - 50);
      expect(timedOut.ms).toBeLessThan(TIMEOUT + 600);
      expect(wall).toBeLessThan(TIMEOUT + 1500);
      // The hung server is down for the isolate: its next key is a skip; the live one still answers.
      expect(skipped).toMatchObject({ value: null });
      expect(skipped.ms).toBeLessThan(50);
      expect(hit.value).toBe(liveKeys[0]);
      expect(second.events).toEqual([`down ${hung.port} ERR_COMMAND_TIMEOUT`]);
      expect(second.servers[1]).toMatchObject({ status: 'down', counters: { timeouts: 1, failures: 1, offlineSkips: 1 } });
      expect(second.servers[0]).toMatchObject({ status: 'up', counters: { failures: 0 } });
    } finally {
      hung.resume();
    }
  });

  it('a probe lost with its request: later short requests for the server\'s keys nudge recovery, and it fails back', async () => {
    const R = 300;
    const [live, victim] = await cluster(2);
    const addresses = [live.address, victim.address];
    const [liveKeys, victimKeys] = await keysByOwner(addresses, 2, 'lost:');
    await call({ op: 'create', name: 'lost', options: { servers: addresses, connectTimeout: 300, timeout: 300, retryInterval: R, failureLimit: 1 } });

    // Request 1 meets the killed server and ends without ctx.waitUntil: the probe timer armed on
    // 'down' dies with it.
    await victim.stop();
    const first = await call<Answer<Got[]>>({ op: 'get', name: 'lost', keys: [victimKeys[0], liveKeys[0]], waitUntil: false });
    const downAt = Date.now();
    expect(first.result[0].value).toMatch(/^ERR ERR_CONNECT_FAILED/);
    expect(first.result[1].value).toBeNull();
    expect(first.events).toEqual([`down ${victim.port} ERR_CONNECT_FAILED`]);
    await victim.restart();

    // Well past the probe (~R) and the failback a live one would have run: still down.
    await new Promise((r) => setTimeout(r, Math.max(0, downAt + 2.5 * R - Date.now())));
    const idle = await call<Answer<null>>({ op: 'state', name: 'lost', waitUntil: false });
    expect(idle.events).toEqual([`down ${victim.port} ERR_CONNECT_FAILED`]);
    expect(idle.servers[1]).toMatchObject({ status: 'down', counters: { failbacks: 0, offlineSkips: 0 } });
    expect(Number((await serverStats(victim.host, victim.port)).get('cmd_flush'))).toBe(0);

    // Short requests (each answers at once: an offline skip) for the server's keys; the first one
    // finds the probe overdue and arms a new one, which its ctx.waitUntil keeps alive.
    const nudgedAt = Date.now();
    const nudging = await call<Answer<Got[]>>({ op: 'get', name: 'lost', keys: [victimKeys[1]] });
    expect(nudging.result[0]).toMatchObject({ value: null });
    expect(nudging.result[0].ms).toBeLessThan(50);
    let last: Answer<Got[]> | undefined;
    await waitFor('the Worker to fail the server back', async () => {
      last = await call<Answer<Got[]>>({ op: 'get', name: 'lost', keys: [victimKeys[1], liveKeys[1]] });
      expect(last.ms).toBeLessThan(R);
      return last.servers[1].status === 'up' && last.events.includes(`up ${victim.port}`);
    }, 8 * R, 50);
    expect(Date.now() - nudgedAt).toBeLessThan(3 * R + 1000);
    expect(last?.events).toEqual([
      `down ${victim.port} ERR_CONNECT_FAILED`,
      `recovering ${victim.port}`,
      `failback ${victim.port} leader ${victim.address}`,
      `up ${victim.port}`,
    ]);
    expect(last?.servers[1]).toMatchObject({ status: 'up', counters: { failbacks: 1 } });
    expect(Number((await serverStats(victim.host, victim.port)).get('cmd_flush'))).toBe(1);

    // The returned server is used again by the isolate.
    const written = await call<Answer<boolean[]>>({ op: 'set', name: 'lost', entries: [[victimKeys[0], 'back']] });
    expect(written.result).toEqual([true]);
    expect(await rawCommand(victim.host, victim.port, `get ${victimKeys[0]}\r\n`)).toBe(`VALUE ${victimKeys[0]} 0 4\r\nback\r\nEND\r\n`);
  });
});

describe('workerd + Node: joint failback through the lock in memcached', () => {
  it('a Worker (a request series) and a Node frontend fail a killed and restarted server back: one leader, one follower, one flush', async () => {
    const list = await cluster(3);
    const addresses = list.map((s) => s.address);
    const victim = list[1];
    const owned = await keysByOwner(addresses, 4, 'joint:');
    const keys = owned.flat();
    const options = { servers: addresses, retryInterval: 400, connectTimeout: 300, timeout: 300 };

    const node = new Client(options);
    const nodeEvents: string[] = [];
    node.on('down', (s) => nodeEvents.push(`down ${s.port}`));
    node.on('failback', (s, o) => nodeEvents.push(`failback ${s.port} ${o.role} ${o.flushed.join(',')}`));
    node.on('up', (s) => nodeEvents.push(`up ${s.port}`));
    await call({ op: 'create', name: 'joint', options });

    let running = true;
    let nodeReads = 0;
    const nodeLoop = (async () => {
      for (let i = 0; running; i++) {
        await node.get(keys[i % keys.length]).catch(() => undefined);
        nodeReads++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    let worker: Answer<Got[]> | undefined;
    let workerRequests = 0;
    const workerLoop = (async () => {
      for (let i = 0; running; i++) {
        // Each a separate request of the same isolate: four keys, one of each server at least.
        worker = await call<Answer<Got[]>>({ op: 'get', name: 'joint', keys: owned.map((k) => k[i % k.length]).concat(keys[i % keys.length]) });
        workerRequests++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const workerSaw = (event: string) => worker?.events.includes(event) ?? false;

    try {
      await waitFor('both frontends reading', () => nodeReads > 20 && workerRequests > 5);
      await victim.stop();
      await waitFor('both frontends to mark the server down', () => nodeEvents.includes(`down ${victim.port}`) && worker?.events.some((e) => e.startsWith(`down ${victim.port}`)), 5000);
      // Down for a few probes of each.
      await new Promise((r) => setTimeout(r, 800));
      await victim.restart();
      await waitFor('both frontends to fail back', () => nodeEvents.includes(`up ${victim.port}`) && workerSaw(`up ${victim.port}`), 8000);
    } finally {
      running = false;
      await Promise.all([nodeLoop, workerLoop]);
    }

    const flushes = Number((await serverStats(victim.host, victim.port)).get('cmd_flush'));
    const roles = [...nodeEvents, ...(worker?.events ?? [])].filter((e) => e.startsWith(`failback ${victim.port}`));
    const detail = JSON.stringify({ node: nodeEvents, worker: worker?.events });
    expect(flushes, detail).toBe(1);
    expect(roles, detail).toHaveLength(2);
    expect(roles.filter((e) => e.split(' ')[2] === 'leader'), detail).toEqual([`failback ${victim.port} leader ${victim.address}`]);
    expect(roles.filter((e) => e.split(' ')[2] === 'follower'), detail).toHaveLength(1);
    // The Worker's own story, in order, and no other server touched.
    expect(worker?.events.filter((e) => !e.startsWith('recovering')), detail).toEqual([
      expect.stringMatching(new RegExp(`^down ${victim.port} (ERR_CONNECTION_CLOSED|ERR_CONNECT_FAILED)$`)),
      expect.stringMatching(new RegExp(`^failback ${victim.port} (leader|follower)`)),
      `up ${victim.port}`,
    ]);

    // Both use the returned server again: a value written by one is read by the other.
    const back = owned[1][0];
    const written = await call<Answer<(boolean | string)[]>>({ op: 'set', name: 'joint', entries: [[back, 'after failback']] });
    expect(written.result).toEqual([true]);
    expect(await node.get(back)).toBe('after failback');
    const read = await call<Answer<Got[]>>({ op: 'get', name: 'joint', keys: [back] });
    expect(read.result[0].value).toBe('after failback');
    expect(read.servers[1]).toMatchObject({ status: 'up', counters: { failbacks: 1 } });
    expect(node.servers()[1]).toMatchObject({ status: 'up', counters: { failbacks: 1 } });
    await node.close();
  });
});
