// routeMany per compat preset, the WASM core against its TS twin, both in the same run (issue 10's
// proof: "bench/RESULTS.md adds routeMany per preset, WASM against the TS twin").
// Run: npm run bench:presets   (REPS=n repetitions, SERVERS=n servers; defaults 3 and 8)
import { createRouter } from '../dist/entry/node.js';
import { COMPAT_NAMES } from '../dist/routing/options.js';
import { fmtRate, machine, measure, ratio, realisticKeys } from './lib.mjs';

const REPS = Number(process.env.REPS ?? 3);
const SERVERS = Number(process.env.SERVERS ?? 8);
const N = 10_000;
const keys = realisticKeys(N);
// Bytes take the router's one-crossing batch path; strings are encoded and routed one crossing each.
const encoder = new TextEncoder();
const byteKeys = keys.map((k) => encoder.encode(k));
let sink = 0;

/** The options each preset is measured with: its defaults, plus the variants that change the work per key. */
function variants(compat) {
  if (compat === 'perl-cache-memcached-fast/ketama') return [{ points: 150 }];
  if (compat.startsWith('spymemcached/')) return [{ hash: 'native' }, { hash: 'md5' }];
  if (compat === 'pymemcache/rendezvous') return [{}, { keyType: 'bytes' }];
  if (compat === 'dalli/ring') return [{}, { namespace: 'app' }];
  return [{}];
}

/** SERVERS servers on 10.0.x.y:11211; spymemcached's ketama node names given, as its JVM would have formed them from host names. */
function servers(compat) {
  return Array.from({ length: SERVERS }, (_, i) => {
    const host = `10.0.${i >> 8}.${i & 255}`;
    if (compat === 'spymemcached/ketama-libmemcached') return { host, port: 11211, name: `cache-${i}.example.net` };
    if (compat.startsWith('spymemcached/ketama')) return { host, port: 11211, name: `cache-${i}.example.net/${host}:11211` };
    return { host, port: 11211 };
  });
}

const describeVariant = (options) => Object.entries(options).map(([k, v]) => `${k} ${v}`).join(', ') || 'defaults';
const rows = [];
for (const compat of COMPAT_NAMES) {
  for (const options of variants(compat)) {
    const config = { servers: servers(compat), compat, ...options };
    const wasm = await createRouter({ ...config, engine: 'wasm' });
    const js = await createRouter({ ...config, engine: 'js' });
    // Both engines must agree before their speeds mean anything.
    if (Array.from(wasm.routeMany(keys)).join() !== Array.from(js.routeMany(keys)).join()) throw new Error(`${compat}: the engines disagree`);
    const r = await measure({
      'wasm strings': () => { sink += wasm.routeMany(keys)[0]; },
      'js strings': () => { sink += js.routeMany(keys)[0]; },
      'wasm bytes': () => { sink += wasm.routeMany(byteKeys)[0]; },
      'js bytes': () => { sink += js.routeMany(byteKeys)[0]; },
    }, { units: N, reps: REPS });
    rows.push({ compat, variant: describeVariant(options), hash: wasm.hash, r });
    process.stderr.write(`${compat} (${describeVariant(options)}) done\n`);
  }
}

console.log(`# routeMany per compat preset, WASM core vs TS twin\nmachine: ${machine()}`);
console.log(`keys: ${N} realistic keys of 10–60 characters (user:123456:profile); ${SERVERS} servers; every server up`);
console.log(`repetitions: ${REPS} (medians; ratios are medians of per-repetition ratios)\n`);
console.log('| compat | options | hash | wasm, strings | js, strings | wasm/js | wasm, bytes | js, bytes | wasm/js |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const { compat, variant, hash, r } of rows) {
  const strings = ratio(r['wasm strings'], r['js strings']);
  const bytes = ratio(r['wasm bytes'], r['js bytes']);
  console.log(`| ${compat} | ${variant} | ${hash} | ${fmtRate(r['wasm strings'].median)} | ${fmtRate(r['js strings'].median)} | ${strings.toFixed(2)}× | ${fmtRate(r['wasm bytes'].median)} | ${fmtRate(r['js bytes'].median)} | ${bytes.toFixed(2)}× |`);
}
if (sink === 42) console.log('');
