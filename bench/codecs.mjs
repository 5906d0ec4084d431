// PHP codec benchmarks: FastLZ in the WASM core against its TS twin, whole-item decode of values
// real php-memcached 3.2.0 wrote (bench/fixtures/, recorded from PHP 8.2), PHP serialize() against
// JSON. Run: npm run bench:codecs
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { phpMemcachedCodec } from '../dist/entry/node.js';
import { decompressFastlzWith } from '../dist/codec/fastlz.js';
import { phpSerialize, phpUnserialize } from '../dist/codec/php-serialize.js';
import { createJsCore } from '../dist/routing/js/core.js';
import { instantiateWasmCore } from '../dist/routing/wasm-core.js';
import { fmtRate, machine, measure, ratio } from './lib.mjs';

const REPS = Number(process.env.REPS ?? 5);
const fixture = (name) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const rows = fixture('php-memcached-rows-flags84.bin'); // 400 records, serialize()d, FastLZ
const html = fixture('php-memcached-html-flags80.bin'); // 48 KB of repetitive HTML, FastLZ
const rowsZ = fixture('php-memcached-rows_z-flags52.bin'); // the records, zlib
const length = (b) => (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
const wasm = await instantiateWasmCore();
const js = createJsCore();
const codec = phpMemcachedCodec();
let sink = 0;
const out = (s) => console.log(s);

out(`# PHP codec benchmarks\nmachine: ${machine()}\nrepetitions: ${REPS} (medians; ratios are medians of per-repetition ratios)\n`);
out('## FastLZ decompression (MB/s of output)\n| value | bytes in → out | WASM core | TS twin | WASM/TS |\n|---|---|---|---|---|');
for (const [name, item] of [['400 records, serialize()d', rows], ['repetitive HTML', html]]) {
  const n = length(item);
  const body = item.subarray(4);
  const r = await measure({
    wasm: () => { sink += decompressFastlzWith(wasm, body, n)[0]; },
    js: () => { sink += decompressFastlzWith(js, body, n)[0]; },
  }, { units: n / 1e6, reps: REPS });
  out(`| ${name} | ${item.length} → ${n} | ${r.wasm.median.toFixed(0)} | ${r.js.median.toFixed(0)} | ${ratio(r.wasm, r.js).toFixed(2)}× |`);
}

out('\n## whole-item decode of the 400 records (items/s)\n| path | items/s |\n|---|---|');
const serialized = decompressFastlzWith(wasm, rows.subarray(4), length(rows));
const records = phpUnserialize(serialized);
const json = new TextEncoder().encode(JSON.stringify(records));
await codec.decode(rows, 84); // the first FastLZ item waits for the core; every later one is synchronous
const whole = await measure({
  'php-memcached codec, FastLZ item': () => { sink += codec.decode(rows, 84).length; },
  'php-memcached codec, zlib item': () => { sink += codec.decode(rowsZ, 52).length; },
  'inflateSync alone (zlib item)': () => { sink += inflateSync(rowsZ.subarray(4)).length; },
  'phpUnserialize alone': () => { sink += phpUnserialize(serialized).length; },
  'JSON.parse of the same data (baseline)': () => { sink += JSON.parse(new TextDecoder().decode(json)).length; },
  'phpSerialize of the records': () => { sink += phpSerialize(records).length; },
  'JSON.stringify + encode (baseline)': () => { sink += new TextEncoder().encode(JSON.stringify(records)).length; },
}, { units: 1, reps: REPS });
for (const [k, v] of Object.entries(whole)) out(`| ${k} | ${fmtRate(v.median)} |`);
out(`\nphpUnserialize / JSON.parse: ${ratio(whole['phpUnserialize alone'], whole['JSON.parse of the same data (baseline)']).toFixed(2)}×; ` +
  `phpSerialize / JSON.stringify: ${ratio(whole['phpSerialize of the records'], whole['JSON.stringify + encode (baseline)']).toFixed(2)}×`);
if (sink === 42) out('');
