// Client benchmarks: failback against the Node memcached clients (memjs, memcached, memcache-client)
// and memcaslap (C, libmemcached-tools), on real memcached processes on loopback, 1 and 4 servers.
// Run: npm run bench:client   (npm run build && npm run build:tools && node bench/client.mjs; REPS=3, BENCH_MS=1000 per client per repetition, SLICES=4)
// Markdown goes to stdout, progress to stderr.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';
import { Client } from '../dist/entry/node.js';
import { MemcachedServer } from '../build/tools/memcached.js';
import { memcachedBinary } from '../build/tools/memcached-binary.js';
import { createBareClient } from './bare-net.mjs';
import { best, fmtRate, machine, measureRuns, ratio, realisticKeys, timed, valueFor } from './lib.mjs';
import { MEMCASLAP, memcaslapAvailable, runMemcaslap } from './memcaslap.mjs';

const require = createRequire(import.meta.url);
requireTslibForMemcacheClient();
const memjs = require('memjs');
const Memcached = require('memcached');
const { MemcacheClient } = require('memcache-client');

const REPS = Number(process.env.REPS ?? 3);
const MS = Number(process.env.BENCH_MS ?? 1000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 200);
/** Each repetition's BENCH_MS per Node client is cut into this many rounds over all clients. */
const SLICES = Number(process.env.SLICES ?? 4);
const DISTRIBUTION = process.env.FAILBACK_DISTRIBUTION; // failback's default (consistent) when unset
/** Timeout given to every client, in ms: generous, as other work may share this machine. */
const TIMEOUT_MS = 2000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const progress = (s) => process.stderr.write(`${s}\n`);
const log = (s) => console.log(s);

/**
 * memcache-client's parser (memcache-parser, hoisted to the top of node_modules) requires tslib,
 * which this install only has under memcache-client/node_modules: make that folder a global path.
 */
function requireTslibForMemcacheClient() {
  try {
    createRequire(require.resolve('memcache-parser')).resolve('tslib');
  } catch {
    const nested = new URL('../node_modules/memcache-client/node_modules', import.meta.url).pathname;
    process.env.NODE_PATH = [nested, process.env.NODE_PATH].filter(Boolean).join(':');
    require('node:module').Module._initPaths();
  }
}

// ───────────────────────── data: 10,000 keys of 16 bytes, 100-byte values ─────────────────────────

const N = 10_000;
const MULTI = 100;
// KEYS=realistic: keys of 11–40 characters like user:123456:profile (issue 13); else 16 bytes.
const REALISTIC = process.env.KEYS === 'realistic';
const KEYS = REALISTIC ? realisticKeys(N) : Array.from({ length: N }, (_, i) => `bench:key:${String(i).padStart(6, '0')}`);
const KEY_SHAPE = REALISTIC ? 'realistic keys of 11–40 B (user:123456:profile)' : 'keys of 16 B';
const VALUES = KEYS.map(valueFor);
const GROUPS = Array.from({ length: N / MULTI }, (_, g) => KEYS.slice(g * MULTI, (g + 1) * MULTI));
const VALUE_OF = new Map(KEYS.map((k, i) => [k, VALUES[i]]));

// ───────────────────────── memcached processes (ours, stopped by pid) ─────────────────────────

// The shared helper (tools/memcached.ts, compiled by npm run build:tools) kills what it started
// on exit; a Ctrl-C has to become an exit for that.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
const started = [];

/** One memcached sized for the bench (256 MB: every key on every server); resolves with its address. */
async function startMemcached() {
  const server = await MemcachedServer.start({ memoryMb: 256, threads: 2, maxConnections: 4096 });
  started.push(server);
  return server.address;
}

/** SIGTERM, a clean exit: nothing is measured any more. */
function stopMemcached() {
  return Promise.all(started.map((server) => server.stop('SIGTERM')));
}

/** Every key on every server: whatever a client's sharding, each of its gets is a hit. */
async function prefill(servers) {
  for (const server of servers) {
    const bare = createBareClient([server]);
    await bare.ready;
    const stored = await Promise.all(KEYS.map((k, i) => bare.set(k, VALUES[i])));
    if (!stored.every((s) => s === true)) throw new Error(`prefill of ${server} failed`);
    await bare.close();
  }
}

// ───────────────────────── clients, behind one shape ─────────────────────────
// get(k) / set(k, v) / getMany(keys) return each client's own result (no conversion while timed);
// hit(r) is a cheap miss check kept in the timed loops; text(r) and mapText(r, keys) normalize for
// the warm-up checks.

/** failback over one wire protocol (text is the default; meta checks every answer's opaque token). */
function failbackOver(protocol) {
  return async (servers) => {
    const mc = new Client({ servers, protocol, timeout: TIMEOUT_MS, connectTimeout: TIMEOUT_MS, ...(DISTRIBUTION ? { distribution: DISTRIBUTION } : {}) });
    await mc.connect();
    return {
      get: (k) => mc.get(k),
      hit: (r) => r !== undefined,
      text: (r) => r,
      set: (k, v) => mc.set(k, v, { ttl: 0 }),
      stored: (r) => r === true,
      getMany: (keys) => mc.getMany(keys),
      mapText: (m) => m,
      close: () => mc.close(),
    };
  };
}

const ALL_CLIENTS = {
  failback: failbackOver('text'),
  'failback (meta)': failbackOver('meta'),
  // Shards itself (hashCode % servers); binary protocol; no multi-get: an app issues the gets at once.
  async memjs(servers) {
    const mc = memjs.Client.create(servers.join(','), { timeout: TIMEOUT_MS / 1000, conntimeout: TIMEOUT_MS / 1000, logger: { log() {} } });
    return {
      get: (k) => mc.get(k),
      hit: (r) => r.value !== null,
      text: (r) => r.value?.toString(),
      set: (k, v) => mc.set(k, v, { expires: 0 }),
      stored: (r) => r === true,
      getMany: (keys) => Promise.all(keys.map((k) => mc.get(k))),
      mapText: (rs, keys) => new Map(rs.flatMap((r, i) => (r.value === null ? [] : [[keys[i], r.value.toString()]]))),
      close: () => mc.close(),
    };
  },
  // Shards itself (hashring); a pool of connections per server; callbacks.
  async memcached(servers) {
    // poolSize 64: its default pool of 10 sockets runs dry at 64 in flight ("The connection pool is full").
    const mc = new Memcached(servers, { timeout: TIMEOUT_MS, retries: 0, idle: 60_000, poolSize: 64 });
    return {
      get: (k) => new Promise((resolve, reject) => mc.get(k, (err, data) => (err ? reject(err) : resolve(data)))),
      hit: (r) => r !== undefined,
      text: (r) => r,
      set: (k, v) => new Promise((resolve, reject) => mc.set(k, v, 0, (err, ok) => (err ? reject(err) : resolve(ok)))),
      stored: (r) => r === true,
      getMany: (keys) => new Promise((resolve, reject) => mc.getMulti(keys, (err, data) => (err ? reject(err) : resolve(data)))),
      mapText: (obj) => new Map(Object.entries(obj)),
      close: () => mc.end(),
    };
  },
  // Several servers mean failover to it, not sharding: one client per server, keys sharded here by crc32.
  async 'memcache-client'(servers) {
    const shards = servers.map((server) => new MemcacheClient({ server, cmdTimeout: TIMEOUT_MS, connectTimeout: TIMEOUT_MS }));
    const n = shards.length;
    const pick = n === 1 ? () => shards[0] : (k) => shards[crc32(k) % n];
    return {
      get: (k) => pick(k).get(k),
      hit: (r) => r !== undefined,
      text: (r) => r?.value,
      set: (k, v) => pick(k).set(k, v, { lifetime: 0 }),
      stored: (r) => r?.[0] === 'STORED',
      async getMany(keys) {
        if (n === 1) return shards[0].get(keys);
        const groups = Array.from({ length: n }, () => []);
        for (const k of keys) groups[crc32(k) % n].push(k);
        const parts = await Promise.all(groups.map((g, i) => (g.length ? shards[i].get(g) : {})));
        return Object.assign({}, ...parts);
      },
      mapText: (obj) => new Map(Object.entries(obj).map(([k, r]) => [k, r.value])),
      close: async () => { for (const s of shards) s.shutdown(); },
    };
  },
  // The ceiling: bare pipelined sockets (bench/bare-net.mjs), no client features at all.
  async 'node:net bare (ceiling)'(servers) {
    const bare = createBareClient(servers);
    await bare.ready;
    return {
      get: (k) => bare.get(k),
      hit: (r) => r !== undefined,
      text: (r) => r,
      set: (k, v) => bare.set(k, v),
      stored: (r) => r === true,
      getMany: (keys) => bare.getMany(keys),
      mapText: (m) => m,
      close: () => bare.close(),
    };
  },
};
// CLIENTS=failback,'failback (meta)' for a quick look at some of them (floors are judged on the full run).
const CLIENTS = process.env.CLIENTS ? Object.fromEntries(Object.entries(ALL_CLIENTS).filter(([name]) => process.env.CLIENTS.split(',').includes(name))) : ALL_CLIENTS;
const PEERS = ['memjs', 'memcached', 'memcache-client'];
const CEILING = 'node:net bare (ceiling)';
const SLAP = 'memcaslap (C)';

// ───────────────────────── workloads ─────────────────────────

class WrongReply extends Error {}

function expect(ok, what) {
  if (!ok) throw new WrongReply(what);
}

/** Closed loops: `concurrency` workers, each issuing its next request when the last one is answered. */
const WORKLOADS = [
  {
    id: 'get1', title: 'get, 1 in flight (sequential)', unit: 'gets', concurrency: 1, slap: { kind: 'get', concurrency: 1 },
  },
  {
    id: 'get64', title: 'get, 64 in flight', unit: 'gets', concurrency: 64, slap: { kind: 'get', concurrency: 64 },
  },
  {
    id: 'set64', title: 'set of 100 B values, 64 in flight', unit: 'sets', concurrency: 64, slap: { kind: 'set', concurrency: 64 },
  },
  {
    id: 'mget100', title: 'multi-get of 100 keys, 1 in flight', unit: 'keys', concurrency: 1, slap: { kind: 'get', concurrency: 1, division: MULTI },
  },
  {
    // A busy frontend has several multi-gets in flight; with one, every client waits on the round trip.
    id: 'mget100x8', title: 'multi-get of 100 keys, 8 in flight', unit: 'keys', concurrency: 8, slap: { kind: 'get', concurrency: 8, division: MULTI },
  },
];

/** Runs workload `w` on client `c` for `ms`; returns units done. With `verify`, checks every reply. */
async function drive(w, c, ms, verify) {
  const deadline = performance.now() + ms;
  const step = w.concurrency;
  let ops = 0;
  let misses = 0;
  let worker;
  if (w.id === 'set64') {
    worker = async (first) => {
      for (let i = first; performance.now() < deadline; i += step) {
        const j = i % N;
        const r = await c.set(KEYS[j], VALUES[j]);
        if (verify) expect(c.stored(r), `set ${KEYS[j]} answered ${JSON.stringify(r)}`);
        ops++;
      }
    };
  } else if (w.id.startsWith('mget')) {
    worker = async (first) => {
      for (let g = first; performance.now() < deadline; g += step) {
        const keys = GROUPS[g % GROUPS.length];
        const r = await c.getMany(keys);
        if (verify) {
          const m = c.mapText(r, keys);
          expect(m.size === keys.length, `multi-get of ${keys.length} keys returned ${m.size}`);
          for (const [k, v] of m) expect(v === VALUE_OF.get(k), `multi-get: key ${k} came back with ${JSON.stringify(v)?.slice(0, 40)}`);
        }
        ops += MULTI;
      }
    };
  } else {
    worker = async (first) => {
      for (let i = first; performance.now() < deadline; i += step) {
        const j = i % N;
        const r = await c.get(KEYS[j]);
        if (!c.hit(r)) misses++;
        else if (verify) expect(c.text(r) === VALUES[j], `get ${KEYS[j]} returned ${JSON.stringify(c.text(r))?.slice(0, 40)}`);
        ops++;
      }
    };
  }
  const offset = Math.floor(Math.random() * N);
  await Promise.all(Array.from({ length: step }, (_, k) => worker(offset + k)));
  if (misses > 0) throw new WrongReply(`${misses} misses in ${ops} gets: every key was prefilled on every server`);
  return ops;
}

// ───────────────────────── run ─────────────────────────

// Subsets for quick looks: WORKLOADS=get1,get64 SERVER_COUNTS=1 (floors are judged on the full run).
const only = process.env.WORKLOADS?.split(',');
const RUN_WORKLOADS = only ? WORKLOADS.filter((w) => only.includes(w.id)) : WORKLOADS;
const COUNTS = (process.env.SERVER_COUNTS ?? '1,4').split(',').map(Number);

/** Which failback the numbers are for: the commit, whether the tree was dirty, when dist/ was built. */
function build() {
  const git = (...args) => { try { return execFileSync('git', args, { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return ''; } };
  const head = git('rev-parse', '--short', 'HEAD') || 'unknown commit';
  const dirty = git('status', '--porcelain', '--', 'bindings', 'assembly') ? ' + uncommitted changes' : '';
  const built = statSync(new URL('../dist/client/client.js', import.meta.url)).mtime.toISOString().replace(/\.\d+Z$/, 'Z');
  return `${head}${dirty}, built ${built}`;
}
const version = (pkg) => require(`${pkg}/package.json`).version;
const slapOn = memcaslapAvailable() && process.env.MEMCASLAP !== '0';

progress(`client bench: ${REPS} repetitions × ${MS} ms per measurement (+${WARMUP_MS} ms verified warm-up)`);
const allServers = await Promise.all([startMemcached(), startMemcached(), startMemcached(), startMemcached()]);
const memcachedVersion = execFileSync(memcachedBinary(), ['-V']).toString().trim();
const slapVersion = slapOn ? execFileSync(MEMCASLAP, ['-V']).toString().trim().split('\n')[0] : 'not run';

log(`# client benchmarks\nmachine: ${machine()}\nrepetitions: ${REPS} × ${MS} ms per client and workload, interleaved: each repetition runs the Node clients in ${SLICES} rounds of ${MS / SLICES} ms, and memcaslap once (medians; ratios are medians of per-repetition ratios)`);
log(`failback build: dist/ of ${build()}`);
log(`servers: ${memcachedVersion} on loopback (\`memcached -U 0 -m 256 -t 2 -c 4096\`), same machine as the clients`);
log(`clients: failback ${require('../package.json').version} (distribution ${DISTRIBUTION ?? 'default'}), memjs ${version('memjs')}, memcached ${version('memcached')}, memcache-client ${version('memcache-client')} (sharded by crc32 in the bench), ${slapVersion} (\`-T 1\`), bare node:net loop`);
log(`data: ${N} ${KEY_SHAPE}, values of 100 B, every key on every server; each workload first runs ${WARMUP_MS} ms checking every reply (memcaslap: get_misses = 0)`);
log('multi-get: failback getMany, memcached getMulti, memcache-client get([keys]) per shard, memjs (no multi-get) 100 concurrent gets, memcaslap `-d 100`');
log('cells: throughput per second, and client CPU µs per unit (process.cpuUsage delta / units; memcaslap: /proc/<pid>/stat over the same window)\n');

const floors = [];
/** failback over meta against failback over text, per workload and server count, in the same run. */
const metaRows = [];
try {
  for (const count of COUNTS) {
    const servers = allServers.slice(0, count);
    progress(`\n${count} server(s): ${servers.join(', ')}`);
    const clients = {};
    for (const [name, make] of Object.entries(CLIENTS)) clients[name] = await make(servers);
    const results = {};
    for (const w of RUN_WORKLOADS) {
      await prefill(servers);
      const tasks = {};
      for (const [name, c] of Object.entries(clients)) {
        tasks[name] = async (slice) => {
          if (slice === 0) {
            try {
              await drive(w, c, WARMUP_MS, true);
            } catch (err) {
              throw new Error(`${name}, ${w.title}, ${count} server(s): wrong reply in warm-up: ${err.message}`, { cause: err });
            }
            gc();
          }
          return timed(() => drive(w, c, MS / SLICES, false));
        };
      }
      if (slapOn) {
        tasks[SLAP] = async () => {
          const r = await runMemcaslap({ servers, ...w.slap, seconds: Math.max(1, Math.round(MS / 1000)) });
          if (r.misses !== 0) throw new Error(`memcaslap: ${r.misses} get misses (${r.args})`);
          w.slapArgs = r.args.replace(/ -s \S+/, ' -s <servers>').replace(/ -F \S+/, ` -F <${w.slap.kind} only, key 16 B, value 100 B>`);
          return r;
        };
        tasks[SLAP].whole = true; // its start-up takes seconds: one run per repetition
      }
      progress(`  ${w.title}`);
      results[w.id] = await measureRuns(tasks, { reps: REPS, slices: SLICES, between: () => gc() });
      for (const [name, r] of Object.entries(results[w.id])) {
        progress(`    ${name.padEnd(24)} ${fmtRate(r.median).padStart(10)}  ${r.cpu.median.toFixed(2).padStart(6)} µs/${w.unit.replace(/s$/, '').padEnd(4)}  runs: ${r.runs.map((x) => fmtRate(x)).join(', ')}`);
      }
    }
    for (const c of Object.values(clients)) await c.close();

    const names = [...Object.keys(CLIENTS), ...(slapOn ? [SLAP] : [])];
    log(`## ${count} server${count > 1 ? 's' : ''}: throughput (units/s)\n| workload | ${names.join(' | ')} | failback / best Node peer |${slapOn ? ' failback / memcaslap |' : ''}\n|---|${names.map(() => '---|').join('')}---|${slapOn ? '---|' : ''}`);
    for (const w of RUN_WORKLOADS) {
      const r = results[w.id];
      const present = PEERS.filter((p) => r[p] !== undefined);
      // With CLIENTS naming no peer (a quick look), there is no peer ratio: NaN, shown as such.
      const vsPeer = present.length > 0 ? ratio(r.failback, best(present.map((p) => r[p]))) : NaN;
      const vsSlap = slapOn ? ratio(r.failback, r[SLAP]) : undefined;
      log(`| ${w.title} (${w.unit}/s) | ${names.map((n) => fmtRate(r[n].median).replace(' /s', '').replace('/s', '')).join(' | ')} | ${vsPeer.toFixed(2)}× |${slapOn ? ` ${vsSlap.toFixed(2)}× |` : ''}`);
      if (r['failback (meta)']) metaRows.push(`| ${w.title}, ${count} server${count > 1 ? 's' : ''} | ${fmtRate(r.failback.median)} | ${fmtRate(r['failback (meta)'].median)} | ${ratio(r['failback (meta)'], r.failback).toFixed(2)}× | ${r.failback.cpu.median.toFixed(2)} / ${r['failback (meta)'].cpu.median.toFixed(2)} |`);
      // [vs best Node peer, vs memcaslap, vs the bare loop]: issue 13's goals for the peer and bare-loop ratios.
      const need = { get1: [0.9, undefined, 1.0], get64: [2, 1.0, 1.0], set64: [2, 1.0, 1.0], mget100: [2.5, undefined, 1.2], mget100x8: [2.5, undefined, 1.2] }[w.id];
      const where = `${w.title}, ${count} server${count > 1 ? 's' : ''}`;
      if (present.length > 0) floors.push([`${where}: failback vs best Node peer`, vsPeer, need[0]]);
      if (need[1] !== undefined && slapOn) floors.push([`${where}: failback vs memcaslap`, vsSlap, need[1]]);
      if (r[CEILING] !== undefined) floors.push([`${where}: failback vs the bare node:net loop`, ratio(r.failback, r[CEILING]), need[2]]);
    }
    log(`\n## ${count} server${count > 1 ? 's' : ''}: client CPU µs per unit\n| workload | ${names.join(' | ')} |\n|---|${names.map(() => '---|').join('')}`);
    for (const w of RUN_WORKLOADS) {
      const r = results[w.id];
      log(`| ${w.title} (µs/${w.unit.replace(/s$/, '')}) | ${names.map((n) => r[n].cpu.median.toFixed(2)).join(' | ')} |`);
    }
    log('');
  }
} finally {
  await stopMemcached();
}

if (slapOn) {
  log('## memcaslap commands (one thread; `-c` connections with one request in flight each)');
  for (const w of RUN_WORKLOADS) log(`- ${w.title}: \`${w.slapArgs}\``);
  log('');
}
log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join('/')} (on ${os.cpus().length} CPUs; clients, servers and memcaslap share them)\n`);
if (metaRows.length > 0) {
  log('## failback over meta against failback over text (same run)\n| workload | text (units/s) | meta (units/s) | meta / text | client CPU µs per unit, text / meta |\n|---|---|---|---|---|');
  for (const row of metaRows) log(row);
  log('');
}
log('## floors\n| floor | measured | required | met |\n|---|---|---|---|');
for (const [name, got, need] of floors) log(`| ${name} | ${got.toFixed(2)}× | ≥ ${need}× | ${got >= need ? 'yes' : '**no**'} |`);
process.exit(0);
