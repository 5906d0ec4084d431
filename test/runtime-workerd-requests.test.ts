/**
 * The README's Cloudflare Workers pattern under load, in workerd (Miniflare API) with real
 * memcached processes on 127.0.0.1: one module-scope Client per isolate, every request through
 * `mc.forRequest(ctx)` (or `mc.wrap({ fetch })` with plain `mc.get()`), many requests in flight at
 * once. The Worker is test/runtimes/request-worker.ts, run against dist/ and build/core.wasm; it
 * calls `ctx.waitUntil` nowhere itself.
 *
 * - read-through at 50 concurrent: no errors, exact hits and misses, nothing down, no flush, no
 *   cross-request warning from workerd, one connection per request per server touched;
 * - a server killed and restarted under 20 concurrent requests: only the requests in flight at the
 *   kill fail, its keys miss while it is down, it is back within retryInterval + 2 s of the
 *   restart with exactly one flush;
 * - a hung server (SIGSTOP): only the requests in flight pay one timeout, later ones answer at
 *   once; after SIGCONT it is back without a flush (policy 'journal', no restart);
 * - the misuse (the module-scope client without forRequest, two requests overlapping): a typed
 *   ERR_CROSS_REQUEST, never a server marked down;
 * - the log capture behind the "no cross-request warning" checks does see workerd's warning.
 * - `mc.wrap({ fetch })` (nodejs_compat) at 50 concurrent; `tls: { ca }` refused at construction.
 *
 * Each test gets its own Miniflare (its own isolate and memcached processes); every process is
 * stopped by pid in afterEach, whatever happens.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { createRouter } from '../bindings/entry/node.js';
import type { WorkerConfig } from './runtimes/request-worker.js';
import { importGraph, repoRoot, transpile } from './runtimes/harness.js';
import { MemcachedServer, serverStats, startCluster } from './support/memcached.js';
import { waitFor } from './support/wait.js';
import { keysByOwner } from './support/keys.js';

const ENTRY = 'dist/entry/workerd.js';
const WORKER = 'test/runtimes/request-worker.ts';

/** Lines workerd prints when a request touches another request's I/O, or waits on it forever. */
const CROSS_REQUEST = /different request|had hung|hanging promise/i;

let modules: { type: 'ESModule' | 'CompiledWasm'; path: string; contents: string | Uint8Array }[] = [];
let workerSource = '';

beforeAll(() => {
  if (!existsSync(`${repoRoot}/${ENTRY}`) || !existsSync(`${repoRoot}/build/core.wasm`)) {
    throw new Error(`${ENTRY} or build/core.wasm is missing: run \`npm run build\` first (npm test does)`);
  }
  modules = importGraph(ENTRY).files.map((file) =>
    file.endsWith('.wasm')
      ? { type: 'CompiledWasm' as const, path: file, contents: readFileSync(file) }
      : { type: 'ESModule' as const, path: file, contents: readFileSync(file, 'utf8') },
  );
  workerSource = transpile(WORKER).replaceAll("'../../bindings/", "'../../dist/");
});

/** Miniflare's own log lines and workerd's stdout/stderr, for the cross-request check. */
class CapturedLog extends Log {
  constructor(readonly lines: string[]) {
    super(LogLevel.DEBUG);
  }
  protected override log(message: string): void {
    this.lines.push(message);
  }
}

/** Miniflare options that collect its log and workerd's stdout/stderr into `logs`. */
function capture(logs: string[]): { log: Log; handleRuntimeStdio(stdout: Readable, stderr: Readable): void } {
  return {
    log: new CapturedLog(logs),
    handleRuntimeStdio(stdout, stderr) {
      stdout.on('data', (d: Buffer) => logs.push(`stdout: ${d.toString()}`));
      stderr.on('data', (d: Buffer) => logs.push(`stderr: ${d.toString()}`));
    },
  };
}

interface Running {
  mf: Miniflare;
  /** Everything Miniflare and workerd printed. */
  logs: string[];
}

const running: Running[] = [];
const started: MemcachedServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.mf.dispose()));
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function cluster(count: number): Promise<MemcachedServer[]> {
  const list = await startCluster(count);
  started.push(...list);
  return list;
}

/**
 * One isolate running the request Worker for `config`: its default export, or (`wrap`) an entry
 * module that is `export default mc.wrap({ fetch })`, with the nodejs_compat flag.
 */
async function startWorker(config: WorkerConfig, { wrap = false } = {}): Promise<Running> {
  const logs: string[] = [];
  const main = wrap
    ? [{ type: 'ESModule' as const, path: `${repoRoot}/test/runtimes/wrap-entry.js`, contents: "export { wrapped as default } from './request-worker.js';\n" }]
    : [];
  const mf = new Miniflare({
    compatibilityDate: '2025-01-01',
    ...(wrap ? { compatibilityFlags: ['nodejs_compat'] } : {}),
    modulesRoot: repoRoot,
    modules: [...main, { type: 'ESModule', path: `${repoRoot}/test/runtimes/request-worker.js`, contents: workerSource }, ...modules],
    bindings: { MEMCACHED: JSON.stringify(config) },
    // No lookup of the Request.cf placeholder on the internet: loopback only.
    cf: false,
    logRequests: false,
    ...capture(logs),
  });
  await mf.ready;
  const run = { mf, logs };
  running.push(run);
  return run;
}

interface ServerView {
  port: number;
  status: 'up' | 'down' | 'recovering';
  counters: { requests: number; hits: number; misses: number; offlineSkips: number; failovers: number; timeouts: number; failures: number; restarts: number; failbacks: number };
}
interface StatsAnswer {
  servers: ServerView[];
  events: string[];
}
interface ReadAnswer {
  results?: { key: string; hit: boolean; value: string }[];
  error?: { code: string; name: string; message: string };
  key?: string;
  ms: number;
}
/** One request as Node saw it (times in Date.now() ms). */
interface Sample {
  key: string;
  status: number;
  start: number;
  end: number;
  body: ReadAnswer;
}

/** Longest any one request may take before the test calls it hung (waiting on another request's I/O never ends). */
const REQUEST_DEADLINE_MS = 20_000;

/**
 * One request to the isolate. Every answer of the Worker is JSON (its own errors included), so a
 * body that is not, such as workerd's "canceled this request because it detected that your
 * Worker's code had hung", fails the test here.
 */
async function fetchJson<T>(worker: Running, path: string): Promise<{ status: number; body: T }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${path} got no answer within ${REQUEST_DEADLINE_MS} ms: the request hangs`)), REQUEST_DEADLINE_MS);
  });
  try {
    const res = await Promise.race([worker.mf.dispatchFetch(`http://localhost${path}`), hung]);
    const text = await Promise.race([res.text(), hung]);
    try {
      return { status: res.status, body: JSON.parse(text) as T };
    } catch {
      throw new Error(`the worker answered ${res.status} to ${path} with no JSON: ${text.slice(0, 2000)}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

async function read(worker: Running, keys: string[], extra = ''): Promise<Sample> {
  const start = Date.now();
  const { status, body } = await fetchJson<ReadAnswer>(worker, `/read?${keys.map((k) => `key=${encodeURIComponent(k)}`).join('&')}${extra}`);
  return { key: keys.join(','), status, start, end: Date.now(), body };
}

async function workerStats(worker: Running): Promise<StatsAnswer> {
  const { status, body } = await fetchJson<StatsAnswer>(worker, '/stats');
  expect(status).toBe(200);
  return body;
}

/** Runs `jobs` with at most `concurrency` in flight; results in job order. */
async function pool<T>(concurrency: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  }));
  return out;
}


async function stat(server: MemcachedServer, name: string): Promise<number> {
  return Number((await serverStats(server.host, server.port)).get(name));
}

/** Per server: `total_connections` and `cmd_get` (each reading opens one connection of its own). */
async function counts(list: MemcachedServer[]): Promise<{ connections: number; gets: number }[]> {
  return Promise.all(list.map(async (s) => {
    const stats = await serverStats(s.host, s.port);
    return { connections: Number(stats.get('total_connections')), gets: Number(stats.get('cmd_get')) };
  }));
}

function crossRequestLines(logs: string[]): string[] {
  return logs.filter((l) => CROSS_REQUEST.test(l));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * `concurrency` request loops over `keys` (request i reads keys[i % keys.length]) until `stop()`
 * is called, or `maxMs` / `maxRequests` pass.
 */
function loadLoop(worker: Running, keys: string[], concurrency: number, maxMs: number, maxRequests: number) {
  const samples: Sample[] = [];
  let stopped = false;
  let issued = 0;
  const deadline = Date.now() + maxMs;
  const done = Promise.all(Array.from({ length: concurrency }, async () => {
    while (!stopped && Date.now() < deadline && issued < maxRequests) {
      const key = keys[issued++ % keys.length];
      samples.push(await read(worker, [key]));
    }
  }));
  return { samples, done, stop: () => void (stopped = true) };
}

describe('workerd: the log capture the cross-request checks rely on', () => {
  it('sees workerd\'s warning when a request touches an I/O object of a request that ended', async () => {
    const logs: string[] = [];
    const mf = new Miniflare({
      compatibilityDate: '2025-01-01',
      modules: [{ type: 'ESModule', path: '/w/worker.js', contents: `
        let writer;
        export default { async fetch(request) {
          if (new URL(request.url).pathname === '/open') {
            writer = new TransformStream().writable.getWriter();
            return new Response('opened');
          }
          try {
            await writer.write(new Uint8Array(1));
            return new Response('written');
          } catch (err) {
            return new Response(err.message);
          }
        } };` }],
      modulesRoot: '/w',
      cf: false,
      logRequests: false,
      ...capture(logs),
    });
    running.push({ mf, logs });
    expect(await (await mf.dispatchFetch('http://localhost/open')).text()).toBe('opened');
    expect(await (await mf.dispatchFetch('http://localhost/write')).text()).toMatch(/^Cannot perform I\/O on behalf of a different request/);
    await waitFor('workerd\'s warning on stderr', () => crossRequestLines(logs).length > 0, 5000);
    expect(crossRequestLines(logs)[0]).toMatch(/^stderr: .*from a different request context/);
  }, 60_000);
});

describe('workerd: the README pattern (module-scope Client, mc.forRequest(ctx))', () => {
  it('3 × 200 read-through requests at 50 concurrent: no errors, exact hits and misses, nothing down, no flush, no cross-request warning', async () => {
    const list = await cluster(2);
    const addresses = list.map((s) => s.address);
    const worker = await startWorker({ servers: addresses, options: { connectTimeout: 2000, timeout: 2000 } });
    const router = await createRouter({ servers: addresses });
    const keys = Array.from({ length: 200 }, (_, i) => `readme:${i}`);
    const owned = addresses.map((_, s) => keys.filter((k) => router.owner(k) === s).length);
    expect(owned.every((n) => n > 0)).toBe(true);

    const rounds: Sample[][] = [];
    const deltas: { connections: number; gets: number }[][] = [];
    for (let round = 0; round < 3; round++) {
      const before = await counts(list);
      rounds.push(await pool(50, keys.map((k) => () => read(worker, [k]))));
      const after = await counts(list);
      deltas.push(after.map((a, i) => ({ connections: a.connections - before[i].connections, gets: a.gets - before[i].gets })));
    }

    const all = rounds.flat();
    expect(all.filter((s) => s.status !== 200).map((s) => s.body)).toEqual([]);
    const hits = rounds.map((r) => r.filter((s) => s.body.results?.[0].hit).length);
    // Round 1: every key distinct and new, so every request misses and sets; rounds 2 and 3 hit.
    expect(hits).toEqual([0, 200, 200]);
    const loaded = new Map(rounds[0].map((s) => [s.key, s.body.results?.[0].value]));
    for (const s of [...rounds[1], ...rounds[2]]) expect(s.body.results?.[0].value).toBe(loaded.get(s.key));

    const { servers, events } = await workerStats(worker);
    expect(events).toEqual([]);
    for (const s of servers) expect(s).toMatchObject({ status: 'up', counters: { failures: 0, timeouts: 0, offlineSkips: 0, failovers: 0, restarts: 0, failbacks: 0 } });
    expect(servers.reduce((n, s) => n + s.counters.hits, 0)).toBe(400);
    expect(servers.reduce((n, s) => n + s.counters.misses, 0)).toBe(200);
    for (const s of list) expect(await stat(s, 'cmd_flush')).toBe(0);
    expect(crossRequestLines(worker.logs)).toEqual([]);

    // The cost: one connection (one handshake: stats, stats settings, get of the failback marker)
    // per request per server it touched, plus the one of our own stats reading.
    for (const round of deltas) expect(round.map((d) => d.connections)).toEqual(owned.map((n) => n + 1));
    // A hit request: its get and the handshake's marker get.
    expect(deltas[1].map((d) => d.gets)).toEqual(owned.map((n) => 2 * n));
    const latency = (r: Sample[]) => r.map((s) => s.end - s.start);
    console.log(`[cost] per round (connections, cmd_get per server): ${JSON.stringify(deltas)}; owned ${JSON.stringify(owned)}; ` +
      `latency ms p50/p99 per round: ${rounds.map((r) => `${percentile(latency(r), 50)}/${percentile(latency(r), 99)}`).join(', ')}`);
  }, 120_000);

  it('the cost per request: one connection per server touched; a request that touches both servers opens two', async () => {
    const list = await cluster(2);
    const addresses = list.map((s) => s.address);
    const worker = await startWorker({ servers: addresses, options: { connectTimeout: 2000, timeout: 2000 } });
    const [a, b] = await keysByOwner(addresses, 100, 'both:');
    // Warm: every key set (one request per key pair).
    const warm = await pool(20, a.map((k, i) => () => read(worker, [k, b[i]])));
    expect(warm.filter((s) => s.status !== 200).map((s) => s.body)).toEqual([]);

    const before = await counts(list);
    const both = await pool(50, a.map((k, i) => () => read(worker, [k, b[i]])));
    const after = await counts(list);
    expect(both.filter((s) => s.status !== 200 || !s.body.results?.every((r) => r.hit)).map((s) => s.body)).toEqual([]);
    const connections = after.map((x, i) => x.connections - before[i].connections);
    expect(connections).toEqual([101, 101]);

    // A read-through whose load awaits something else (an origin fetch of 60 ms) between the get
    // and the set: measured, not assumed.
    const slowKeys = Array.from({ length: 50 }, (_, i) => `slow:${i}`);
    const slowBefore = await counts(list);
    const slow = await pool(25, slowKeys.map((k) => () => read(worker, [k], '&load=60')));
    const slowAfter = await counts(list);
    expect(slow.filter((s) => s.status !== 200 || s.body.results?.[0].hit).map((s) => s.body)).toEqual([]);
    const slowConnections = slowAfter.reduce((n, x, i) => n + x.connections - slowBefore[i].connections, 0) - list.length;
    console.log(`[cost] 100 requests × 2 servers: connections per server ${JSON.stringify(connections)} (incl. 1 stats); ` +
      `50 misses with a 60 ms load between get and set: ${slowConnections} connections (${(slowConnections / 50).toFixed(2)} per request)`);
    expect(slowConnections).toBeGreaterThanOrEqual(50);
    expect(slowConnections).toBeLessThanOrEqual(100);
    expect(crossRequestLines(worker.logs)).toEqual([]);
  }, 120_000);
});

describe('workerd: a server killed and restarted under 20 concurrent requests (the Worker has no waitUntil of its own)', () => {
  it('only requests in flight at the kill fail; its keys miss while down; back within retryInterval + 2 s of the restart with one flush', async () => {
    expect(workerSource).not.toMatch(/ctx\.waitUntil\(|\.waitUntil\(/);
    const RETRY = 1000;
    const [live, victim] = await cluster(2);
    const addresses = [live.address, victim.address];
    const worker = await startWorker({ servers: addresses, options: { connectTimeout: 1000, timeout: 1000, retryInterval: RETRY } });
    const [liveKeys, victimKeys] = await keysByOwner(addresses, 20, 'kill:');
    const victimSet = new Set(victimKeys);
    const keys = liveKeys.flatMap((k, i) => [k, victimKeys[i]]);

    const t0 = Date.now();
    const loop = loadLoop(worker, keys, 20, 40_000, 50_000);
    let killStart = 0, killedAt = 0, restartStart = 0, restartedAt = 0, upAt = 0;
    const polls: { at: number; status: string }[] = [];
    try {
      await sleep(t0 + 5000 - Date.now());
      killStart = Date.now();
      await victim.stop();
      killedAt = Date.now();
      await sleep(t0 + 12_000 - Date.now());
      restartStart = Date.now();
      await victim.restart();
      restartedAt = Date.now();
      // Watch the isolate's view of the server (bounded: the loop ends at 25 s anyway).
      while (Date.now() < t0 + 25_000) {
        const { servers } = await workerStats(worker);
        polls.push({ at: Date.now(), status: servers[1].status });
        if (upAt === 0 && servers[1].status === 'up') upAt = Date.now();
        await sleep(100);
      }
    } finally {
      loop.stop();
      await loop.done;
    }
    const samples = loop.samples;
    const errors = samples.filter((s) => s.status !== 200);
    const final = await workerStats(worker);
    const detail = JSON.stringify({ errors: errors.slice(0, 30).map((e) => ({ key: e.key, start: e.start - t0, end: e.end - t0, error: e.body.error })), killStart: killStart - t0, killedAt: killedAt - t0, restartStart: restartStart - t0, restartedAt: restartedAt - t0, upAt: upAt - t0, events: final.events });
    console.log(`[kill] ${samples.length} requests, ${errors.length} errors; ${detail}`);

    expect(samples.length).toBeGreaterThan(200);
    // Only requests in flight at the kill failed, each for the killed server's key, and few.
    expect(errors.length, detail).toBeLessThanOrEqual(20);
    for (const e of errors) {
      expect(victimSet.has(e.key), detail).toBe(true);
      expect(e.end, detail).toBeGreaterThanOrEqual(killStart);
      expect(e.start, detail).toBeLessThanOrEqual(killedAt + 500);
      expect(e.body.error?.code, detail).toMatch(/^ERR_(CONNECTION_CLOSED|CONNECT_FAILED)$/);
    }
    // While it is down its keys miss (at once, with no error); the live server's keys hit throughout.
    const down = samples.filter((s) => s.start > killedAt + 1000 && s.end < restartStart);
    const downVictim = down.filter((s) => victimSet.has(s.key));
    expect(downVictim.length).toBeGreaterThan(20);
    expect(downVictim.filter((s) => s.status !== 200 || s.body.results?.[0].hit !== false).map((s) => s.body), detail).toEqual([]);
    const warm = samples.filter((s) => s.start > t0 + 2000 && !victimSet.has(s.key));
    expect(warm.filter((s) => s.status !== 200 || !s.body.results?.[0].hit).map((s) => s.body), detail).toEqual([]);

    // Back in the isolate within retryInterval + 2 s of the restart, and used again: a hit after a set.
    expect(upAt, detail).toBeGreaterThan(0);
    expect(upAt - restartStart, detail).toBeLessThanOrEqual(RETRY + 2000);
    const firstHit = samples.find((s) => victimSet.has(s.key) && s.start > restartStart && s.body.results?.[0].hit);
    expect(firstHit, detail).toBeDefined();
    expect((firstHit as Sample).end - restartStart, detail).toBeLessThanOrEqual(RETRY + 2000);
    expect(polls.slice(polls.findIndex((p) => p.status === 'up')).every((p) => p.status === 'up'), detail).toBe(true);

    // Exactly one flush, on the restarted server; the other one never flushed nor failed.
    expect(await stat(victim, 'cmd_flush'), detail).toBe(1);
    expect(await stat(live, 'cmd_flush'), detail).toBe(0);
    expect(final.servers[1], detail).toMatchObject({ status: 'up', counters: { restarts: 1, failbacks: 1 } });
    expect(final.servers[0], detail).toMatchObject({ status: 'up', counters: { failures: 0, offlineSkips: 0 } });
    expect(final.events.filter((e) => / failback /.test(e)), detail).toHaveLength(1);
    expect(final.events.filter((e) => / failback /.test(e))[0], detail).toMatch(/ leader flushed=127\.0\.0\.1:\d+ .*restarted=true$/);
    expect(crossRequestLines(worker.logs)).toEqual([]);
  }, 120_000);
});

describe('workerd: a hung server (SIGSTOP) under 20 concurrent requests', () => {
  it('only requests in flight pay one timeout, later ones answer at once; after SIGCONT it is back without a flush', async () => {
    const RETRY = 1000;
    const TIMEOUT = 500;
    const CONNECT_TIMEOUT = 500;
    const [live, hung] = await cluster(2);
    const addresses = [live.address, hung.address];
    const worker = await startWorker({ servers: addresses, options: { connectTimeout: CONNECT_TIMEOUT, timeout: TIMEOUT, retryInterval: RETRY } });
    const [liveKeys, hungKeys] = await keysByOwner(addresses, 20, 'hung:');
    const hungSet = new Set(hungKeys);
    const keys = liveKeys.flatMap((k, i) => [k, hungKeys[i]]);

    const t0 = Date.now();
    const loop = loadLoop(worker, keys, 20, 30_000, 50_000);
    let pauseStart = 0, pausedAt = 0, resumedAt = 0, upAt = 0;
    try {
      await sleep(t0 + 4000 - Date.now());
      pauseStart = Date.now();
      await hung.pause();
      pausedAt = Date.now();
      await sleep(t0 + 9000 - Date.now());
      hung.resume();
      resumedAt = Date.now();
      while (Date.now() < t0 + 16_000) {
        const { servers } = await workerStats(worker);
        if (upAt === 0 && servers[1].status === 'up') upAt = Date.now();
        await sleep(100);
      }
    } finally {
      hung.resume();
      loop.stop();
      await loop.done;
    }
    const samples = loop.samples;
    const errors = samples.filter((s) => s.status !== 200);
    const final = await workerStats(worker);
    const latency = (s: Sample) => s.end - s.start;
    const detail = JSON.stringify({ errors: errors.slice(0, 30).map((e) => ({ key: e.key, start: e.start - t0, ms: latency(e), error: e.body.error?.code })), pauseStart: pauseStart - t0, pausedAt: pausedAt - t0, resumedAt: resumedAt - t0, upAt: upAt - t0, events: final.events });
    console.log(`[hung] ${samples.length} requests, ${errors.length} errors, max latency ${Math.max(...samples.map(latency))} ms; ${detail}`);

    expect(samples.length).toBeGreaterThan(200);
    // No request waits more than one timeout (a fresh connection: connect, then the handshake and the get).
    for (const s of samples) expect(latency(s), detail).toBeLessThanOrEqual(TIMEOUT + CONNECT_TIMEOUT + 700);
    // The ones that failed were the hung server's, in flight around the pause, each with a timeout.
    expect(errors.length, detail).toBeGreaterThan(0);
    expect(errors.length, detail).toBeLessThanOrEqual(25);
    for (const e of errors) {
      expect(hungSet.has(e.key), detail).toBe(true);
      expect(e.body.error?.code, detail).toMatch(/^ERR_(COMMAND|CONNECT)_TIMEOUT$/);
      expect(e.end, detail).toBeGreaterThanOrEqual(pauseStart);
      expect(e.start, detail).toBeLessThanOrEqual(pausedAt + TIMEOUT + CONNECT_TIMEOUT + 700);
    }
    // Once it is down (the last timeout answered), its keys miss at once until it is back.
    const lastError = Math.max(...errors.map((e) => e.end));
    const whileDown = samples.filter((s) => hungSet.has(s.key) && s.start > lastError + 100 && s.end < resumedAt);
    expect(whileDown.length, detail).toBeGreaterThan(20);
    expect(whileDown.filter((s) => s.status !== 200 || s.body.results?.[0].hit !== false).map((s) => s.body), detail).toEqual([]);
    const downLatency = whileDown.map(latency);
    console.log(`[hung] while down: ${whileDown.length} requests for its keys, latency ms p50 ${percentile(downLatency, 50)}, p99 ${percentile(downLatency, 99)}, max ${Math.max(...downLatency)}`);
    expect(percentile(downLatency, 50), detail).toBeLessThan(100);
    expect(whileDown.filter((s) => latency(s) > 250).length, detail).toBeLessThanOrEqual(Math.ceil(whileDown.length * 0.05));
    // The live server's keys hit throughout.
    const warm = samples.filter((s) => s.start > t0 + 2000 && !hungSet.has(s.key));
    expect(warm.filter((s) => s.status !== 200 || !s.body.results?.[0].hit).map((s) => s.body), detail).toEqual([]);

    // Back after SIGCONT, and never flushed: the same process (policy 'journal': its own stale keys deleted).
    expect(upAt, detail).toBeGreaterThan(0);
    expect(upAt - resumedAt, detail).toBeLessThanOrEqual(RETRY + 2000);
    expect(await stat(hung, 'cmd_flush'), detail).toBe(0);
    expect(await stat(live, 'cmd_flush'), detail).toBe(0);
    expect(final.servers[1], detail).toMatchObject({ status: 'up', counters: { restarts: 0, failbacks: 1 } });
    expect(final.events.filter((e) => / failback /.test(e)), detail).toEqual([expect.stringMatching(/ alone flushed= deleted=\d+ restarted=false$/)]);
    const back = samples.filter((s) => hungSet.has(s.key) && s.start > upAt + 500);
    expect(back.length, detail).toBeGreaterThan(0);
    expect(back.filter((s) => s.status !== 200).map((s) => s.body), detail).toEqual([]);
    expect(back.some((s) => s.body.results?.[0].hit), detail).toBe(true);
    expect(crossRequestLines(worker.logs)).toEqual([]);
  }, 120_000);
});

describe('workerd: the misuse, a module-scope Client used without forRequest', () => {
  it('two overlapping requests: where they collide on the shared socket, ERR_CROSS_REQUEST (naming forRequest); no server is marked down', async () => {
    const list = await cluster(2);
    const addresses = list.map((s) => s.address);
    const worker = await startWorker({ servers: addresses, options: { connectTimeout: 2000, timeout: 2000, failureLimit: 1 } });
    const [[key]] = await keysByOwner(addresses, 1, 'unbound:');

    interface Unbound { gets: number; errors: { code: string; message: string }[] }
    const answers: { status: number; body: Unbound; cancelled?: string }[] = [];
    // workerd may instead cancel a request whose promise another request's I/O would settle
    // ("…your Worker's code had hung…"): as loud, and just as harmless to the servers' health.
    const ask = () => fetchJson<Unbound>(worker, `/unbound?key=${key}&n=20&ms=1500`).catch((err: Error) => {
      if (!/had hung/.test(err.message)) throw err;
      return { status: 500, body: { gets: 0, errors: [] }, cancelled: err.message };
    });
    // Two requests of one isolate at once, each keeping gets in flight on the shared connection.
    const loud = () => answers.some((a) => a.body.errors.length > 0 || a.cancelled !== undefined);
    for (let attempt = 0; attempt < 5 && !loud(); attempt++) answers.push(...(await Promise.all([ask(), ask()])));
    const summary = answers.map((a) => ({ status: a.status, gets: a.body.gets, errors: a.body.errors.length, codes: [...new Set(a.body.errors.map((e) => e.code))], cancelled: a.cancelled !== undefined }));
    const detail = JSON.stringify({ summary, first: answers.flatMap((a) => a.body.errors)[0], logs: worker.logs });
    console.log(`[unbound] ${detail}`);
    expect(loud(), detail).toBe(true);
    // Where the library sees the collision, the request whose write was refused fails; so do the
    // other's gets still pending on that socket, every one with the runtime's typed refusal.
    for (const e of answers.flatMap((a) => a.body.errors)) {
      expect(e.code, detail).toBe('ERR_CROSS_REQUEST');
      expect(e.message, detail).toMatch(/mc\.forRequest\(ctx\)/);
    }
    const { servers, events } = await workerStats(worker);
    expect(events, detail).toEqual([]);
    // Not down: 'unknown' when every request to it was refused by the runtime (nothing answered, nothing failed).
    for (const s of servers) expect(s, detail).toMatchObject({ status: expect.stringMatching(/^(up|unknown)$/), counters: { failures: 0, timeouts: 0, offlineSkips: 0 } });
    for (const s of list) expect(await stat(s, 'cmd_flush')).toBe(0);
  }, 120_000);
});

describe('workerd: mc.wrap({ fetch }) with plain mc.get()/mc.set() (nodejs_compat)', () => {
  it('50 concurrent read-through requests, twice: no errors, all misses then all hits, each on its own connections', async () => {
    const list = await cluster(2);
    const addresses = list.map((s) => s.address);
    const worker = await startWorker({ servers: addresses, options: { connectTimeout: 2000, timeout: 2000 } }, { wrap: true });
    const router = await createRouter({ servers: addresses });
    const keys = Array.from({ length: 50 }, (_, i) => `wrap:${i}`);
    const owned = addresses.map((_, s) => keys.filter((k) => router.owner(k) === s).length);

    const rounds: Sample[][] = [];
    const deltas: number[][] = [];
    for (let round = 0; round < 2; round++) {
      const before = await counts(list);
      rounds.push(await pool(50, keys.map((k) => () => read(worker, [k]))));
      const after = await counts(list);
      deltas.push(after.map((a, i) => a.connections - before[i].connections));
    }
    expect(rounds.flat().filter((s) => s.status !== 200).map((s) => s.body)).toEqual([]);
    expect(rounds.map((r) => r.filter((s) => s.body.results?.[0].hit).length)).toEqual([0, 50]);
    // Per-request connections (the request's own session), not the shared one.
    for (const d of deltas) expect(d).toEqual(owned.map((n) => n + 1));
    const { servers, events } = await workerStats(worker);
    expect(events).toEqual([]);
    for (const s of servers) expect(s).toMatchObject({ status: 'up', counters: { failures: 0, offlineSkips: 0 } });
    for (const s of list) expect(await stat(s, 'cmd_flush')).toBe(0);
    expect(crossRequestLines(worker.logs)).toEqual([]);
  }, 120_000);
});

describe('workerd: TLS options', () => {
  it('tls: { ca } is an InvalidOptionError at construction (ERR_INVALID_OPTION, option tls)', async () => {
    const [s] = await cluster(1);
    const worker = await startWorker({ servers: [s.address] });
    const { status, body } = await fetchJson<{ constructed: boolean; error?: { code: string; name: string; message: string; option?: string; isInvalidOption: boolean } }>(worker, '/tls');
    expect(status).toBe(200);
    expect(body).toMatchObject({ constructed: false, error: { code: 'ERR_INVALID_OPTION', name: 'InvalidOptionError', option: 'tls', isInvalidOption: true } });
    expect(body.error?.message).toMatch(/^tls: Cloudflare Workers take no TLS options \(got ca\)/);
  }, 60_000);
});
