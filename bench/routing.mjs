// Routing benchmarks (issue: routing core §7). Run: npm run bench:routing
import { createRequire } from 'node:module';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { createRouter } from '../dist/entry/node.js';
import { crc32 as jsCrc32 } from '../dist/routing/js/crc32.js';
import { fmtRate, machine, measure, ratio, realisticKeys } from './lib.mjs';

const require = createRequire(import.meta.url);
const CRC32 = require('crc-32');
const HashRing = require('hashring');
const { createCRC32 } = await import('hash-wasm');

const REPS = Number(process.env.REPS ?? 5);
const N = 10_000;
const keys = realisticKeys(N);
const servers = (n) => Array.from({ length: n }, (_, i) => `10.0.${(i >> 8) & 255}.${i & 255}:11211`);
const out = [];
const log = (s) => { out.push(s); console.log(s); };
let sink = 0;

log(`# routing benchmarks\nmachine: ${machine()}\nrepetitions: ${REPS} (medians; ratios are medians of per-repetition ratios)\n`);

// 1. Per-key hashing of 10,000 keys.
const wasm8 = await createRouter({ servers: servers(8), engine: 'wasm' });
const js8 = await createRouter({ servers: servers(8), engine: 'js' });
const scratch = new Uint8Array(1024);
const enc = new TextEncoder();
const hw = await createCRC32();
const byteKeys = keys.map((k) => enc.encode(k));
const perKey = await measure({
  'encodeInto alone (floor)': () => { for (let i = 0; i < N; i++) sink += enc.encodeInto(keys[i], scratch).written; },
  'zlib.crc32(str)': () => { for (let i = 0; i < N; i++) sink += zlibCrc32(keys[i]); },
  'crc-32 CRC32.str': () => { for (let i = 0; i < N; i++) sink += CRC32.str(keys[i]); },
  'hash-wasm crc32': () => { for (let i = 0; i < N; i++) { hw.init(); hw.update(keys[i]); sink += hw.digest('binary')[0]; } },
  'TS twin crc32(bytes)': () => { for (let i = 0; i < N; i++) { const n = enc.encodeInto(keys[i], scratch).written; sink += jsCrc32(scratch, 0, n); } },
  'wasm router.owner(key)': () => { for (let i = 0; i < N; i++) sink += wasm8.owner(keys[i]); },
  'js router.owner(key)': () => { for (let i = 0; i < N; i++) sink += js8.owner(keys[i]); },
  'wasm routeMany(10k), 8 servers': () => { sink += wasm8.routeMany(keys)[0]; },
  'js routeMany(10k), 8 servers': () => { sink += js8.routeMany(keys)[0]; },
  // The same keys already UTF-8 (Uint8Array): what the core does once the bytes are in its memory.
  'wasm routeMany(10k bytes keys), 8 servers': () => { sink += wasm8.routeMany(byteKeys)[0]; },
}, { units: N, reps: REPS });
log('## per-key hashing / routing of 10,000 keys (keys/s)\n| task | keys/s |\n|---|---|');
for (const [k, v] of Object.entries(perKey)) log(`| ${k} | ${fmtRate(v.median)} |`);
// Issue 13: routeMany against the fastest per-key string hash of any library in the same run.
const fastestHash = ['zlib.crc32(str)', 'crc-32 CRC32.str', 'hash-wasm crc32'].reduce((a, b) => (perKey[a].median >= perKey[b].median ? a : b));
const floors = [
  [`routeMany 8-server consistent vs the fastest per-key string hash (${fastestHash})`, ratio(perKey['wasm routeMany(10k), 8 servers'], perKey[fastestHash]), 1.3],
  ['routeMany 8-server consistent vs per-key zlib.crc32(str)', ratio(perKey['wasm routeMany(10k), 8 servers'], perKey['zlib.crc32(str)']), 1.3],
];

// 2. routeMany per distribution, 8 and 1,000 servers, wasm vs js.
log('\n## routeMany of 10,000 keys (keys/s)\n| distribution | servers | wasm | js | wasm/js |\n|---|---|---|---|---|');
for (const distribution of ['consistent', 'standard', 'buckets', 'ketama']) {
  for (const n of [8, 1000]) {
    const w = await createRouter({ servers: servers(n), distribution, engine: 'wasm' });
    const j = await createRouter({ servers: servers(n), distribution, engine: 'js' });
    const r = await measure({ wasm: () => { sink += w.routeMany(keys)[0]; }, js: () => { sink += j.routeMany(keys)[0]; } }, { units: N, reps: REPS });
    const x = ratio(r.wasm, r.js);
    log(`| ${distribution} | ${n} | ${fmtRate(r.wasm.median)} | ${fmtRate(r.js.median)} | ${x.toFixed(2)}× |`);
    if (distribution === 'consistent' && n === 8) floors.push(['wasm vs TS twin, routeMany consistent 8 servers', x, 1.2]);
    if (distribution === 'ketama' && n === 1000) floors.push(['wasm vs TS twin, routeMany ketama 1000 servers', x, 1.2]);
  }
}

// 3. Single-key route; ketama against npm hashring (npm memcached's ring).
const ketamaServers = servers(8);
const kw = await createRouter({ servers: ketamaServers, distribution: 'ketama', engine: 'wasm' });
const kj = await createRouter({ servers: ketamaServers, distribution: 'ketama', engine: 'js' });
const ring = new HashRing(ketamaServers);
// Every lookup walks all 10,000 distinct keys: hashring's default 5,000-entry LRU cache then never hits,
// as in production where keys rarely repeat within the cache's window.
const single = await measure({
  'wasm route (consistent)': () => { for (let i = 0; i < N; i++) sink += wasm8.route(keys[i]); },
  'js route (consistent)': () => { for (let i = 0; i < N; i++) sink += js8.route(keys[i]); },
  'wasm route (ketama)': () => { for (let i = 0; i < N; i++) sink += kw.route(keys[i]); },
  'js route (ketama)': () => { for (let i = 0; i < N; i++) sink += kj.route(keys[i]); },
  'hashring.get (ketama, default cache)': () => { for (let i = 0; i < N; i++) sink += ring.get(keys[i]).length; },
}, { units: N, reps: REPS });
log('\n## single-key route (lookups/s; µs per lookup)\n| task | lookups/s | µs |\n|---|---|---|');
for (const [k, v] of Object.entries(single)) log(`| ${k} | ${fmtRate(v.median)} | ${(1e6 / v.median).toFixed(3)} |`);
floors.push(['ketama route vs hashring', ratio(single['wasm route (ketama)'], single['hashring.get (ketama, default cache)']), 20]);

// 4. Building a 1,000-server ring.
log('\n## building a 1,000-server ring (builds/s; ms per build)\n| distribution | wasm | js |\n|---|---|---|');
for (const distribution of ['consistent', 'standard', 'buckets', 'ketama']) {
  const r = await measure({
    wasm: async () => { sink += (await createRouter({ servers: servers(1000), distribution, engine: 'wasm' })).servers.length; },
    js: async () => { sink += (await createRouter({ servers: servers(1000), distribution, engine: 'js' })).servers.length; },
  }, { reps: Math.min(REPS, 3), time: 300 });
  log(`| ${distribution} | ${(1000 / r.wasm.median).toFixed(2)} ms | ${(1000 / r.js.median).toFixed(2)} ms |`);
}

// 5. CRC32 throughput over large buffers (for the record).
const { instantiateWasmCore } = await import('../dist/routing/wasm-core.js');
const core = await instantiateWasmCore();
core.reserveServers(1, 1);
new Int32Array(core.memory.buffer).set([0, 1, 1], core.serversPtr() >> 2);
core.build(1, 0, 1);
log('\n## CRC32 over large buffers (MB/s)\n| size | wasm core | TS twin | zlib.crc32 |\n|---|---|---|---|');
for (const size of [64 * 1024, 1024 * 1024]) {
  core.reserveKeys(size, 1);
  const buf = new Uint8Array(size).map((_, i) => (i * 31) & 255);
  new Uint8Array(core.memory.buffer).set(buf, core.keysPtr());
  const ptr = core.keysPtr();
  const r = await measure({
    wasm: () => { sink += core.hash(0, ptr, size); },
    js: () => { sink += jsCrc32(buf, 0, size); },
    zlib: () => { sink += zlibCrc32(buf); },
  }, { units: size / 1e6, reps: Math.min(REPS, 3) });
  log(`| ${size / 1024} KiB | ${r.wasm.median.toFixed(0)} | ${r.js.median.toFixed(0)} | ${r.zlib.median.toFixed(0)} |`);
}

log('\n## floors\n| floor | measured | required | met |\n|---|---|---|---|');
for (const [name, got, need] of floors) log(`| ${name} | ${got.toFixed(2)}× | ≥ ${need}× | ${got >= need ? 'yes' : '**no**'} |`);
if (sink === 42) console.log('');
