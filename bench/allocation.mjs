// Command bytes: the slab allocator (allocWireBytes) against a typed array per command and Node's
// Buffer pool, in the same run, and the serializers that use it. Runs on Node, Deno and Bun:
//   node bench/allocation.mjs        (npm run bench:allocation builds first)
//   node_modules/.bin/deno run --allow-read --allow-env --allow-sys bench/allocation.mjs
//   node_modules/.bin/bun bench/allocation.mjs
import * as cmd from '../dist/protocol/commands.js';
import { allocWireBytes, utf8Bytes } from '../dist/protocol/bytes.js';
import { fmtRate, machine, measure, ratio, realisticKeys, valueFor } from './lib.mjs';

const REPS = Number(process.env.REPS ?? 5);
const runtime = globalThis.Deno ? `Deno ${Deno.version.deno}` : globalThis.Bun ? `Bun ${Bun.version}` : `Node ${process.version}`;
const NodeBuffer = globalThis.Buffer;
const keys = realisticKeys(10_000);
const value = new Uint8Array(100).fill(0x61);
const texts = keys.slice(0, 100).map(valueFor);
let sink = 0;
const out = (s) => console.log(s);

out(`# command bytes on ${runtime}\nmachine: ${machine()}\nrepetitions: ${REPS} (tinybench medians; ratios are medians of per-repetition ratios)\n`);

// A set of a 100-byte value under a realistic key is about 140 bytes: past V8's 64-byte limit for
// typed arrays kept on the JS heap.
out('## one 140-byte array (arrays/s)\n| allocator | rate | vs new Uint8Array |\n|---|---|---|');
// 100 per task call: one allocation is below tinybench's timer resolution.
const hundred = (alloc) => () => { for (let n = 0; n < 100; n++) sink += alloc(140).length; };
const tasks = {
  allocWireBytes: hundred(allocWireBytes),
  'new Uint8Array': hundred((n) => new Uint8Array(n)),
};
if (NodeBuffer?.allocUnsafe) tasks['Buffer.allocUnsafe'] = hundred((n) => NodeBuffer.allocUnsafe(n));
const a = await measure(tasks, { reps: REPS, units: 100 });
for (const name of Object.keys(tasks)) out(`| ${name} | ${fmtRate(a[name].median)} | ${ratio(a[name], a['new Uint8Array']).toFixed(2)}× |`);

out('\n## serializers (commands/s)\n| command | rate |\n|---|---|');
let i = 0;
const s = await measure({
  'set of a 100-byte value': () => { sink += cmd.store('set', keys[i++ % 10_000], value, 0, 0).bytes.length; },
  // The string written into the command, against encoding it first (what the client did before).
  'set of a 100-character string': () => { sink += cmd.store('set', keys[i++ % 10_000], texts[i % 100], 0, 0).bytes.length; },
  'set of a 100-character string, encoded first': () => { sink += cmd.store('set', keys[i++ % 10_000], utf8Bytes(texts[i % 100]), 0, 0).bytes.length; },
  get: () => { sink += cmd.get(keys[i++ % 10_000]).bytes.length; },
  'get of 100 keys': () => { const at = i++ % 9_900; sink += cmd.getMulti(keys.slice(at, at + 100)).bytes.length; },
}, { reps: REPS });
for (const [name, r] of Object.entries(s)) out(`| ${name} | ${fmtRate(r.median)} |`);
if (sink === 0) out('(nothing measured)');
