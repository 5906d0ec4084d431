// Memory over a long run: RSS and heap sampled every 5 s while failback runs gets and sets with
// 64 in flight, then multi-gets of 100 keys (8 in flight), each for MEMORY_SECONDS (60 by default) on
// one real memcached. Growth is judged on the second half of each run (after warm-up and the
// first full GCs): the slope of heapUsed after a forced GC at each sample, and RSS at the end
// against RSS at the half. Run: npm run bench:memory   (builds first; MEMORY_SECONDS=60)
import v8 from 'node:v8';
import vm from 'node:vm';
import { Client } from '../dist/entry/node.js';
import { MemcachedServer } from '../build/tools/memcached.js';
import { machine, realisticKeys, valueFor } from './lib.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const SECONDS = Number(process.env.MEMORY_SECONDS ?? 60);
const SAMPLE_MS = 5000;
const keys = realisticKeys(10_000);
const values = keys.map(valueFor);
const groups = Array.from({ length: 100 }, (_, g) => keys.slice(g * 100, g * 100 + 100));
const mb = (n) => (n / 1048576).toFixed(1);

const server = await MemcachedServer.start({ memoryMb: 256, threads: 2 });
const mc = new Client({ servers: [server.address], timeout: 2000 });
await mc.connect();
await mc.setMany(keys.map((k, i) => [k, values[i]]));

const workloads = {
  'get and set, 64 in flight (3 gets : 1 set)': async (deadline) => {
    let ops = 0;
    await Promise.all(Array.from({ length: 64 }, async (_, w) => {
      for (let i = w; performance.now() < deadline; i += 64) {
        const j = i % keys.length;
        if (i % 4 === 3) await mc.set(keys[j], values[j]);
        else if ((await mc.get(keys[j])) !== values[j]) throw new Error(`wrong value for ${keys[j]}`);
        ops++;
      }
    }));
    return ops;
  },
  'multi-get of 100 keys, 8 in flight': async (deadline) => {
    let ops = 0;
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      for (let g = w; performance.now() < deadline; g += 8) {
        const m = await mc.getMany(groups[g % groups.length]);
        if (m.size !== 100) throw new Error(`multi-get returned ${m.size} of 100`);
        ops += 100;
      }
    }));
    return ops;
  },
};

console.log(`# memory over ${SECONDS} s per workload\nmachine: ${machine()}\nsamples every ${SAMPLE_MS / 1000} s: RSS, heapUsed after a forced full GC, external\n`);
const verdicts = [];
for (const [name, run] of Object.entries(workloads)) {
  gc();
  const samples = [];
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      gc();
      const m = process.memoryUsage();
      samples.push({ t: (performance.now() - start) / 1000, rss: m.rss, heap: m.heapUsed, external: m.external });
    }
  })();
  const ops = await run(deadline);
  done = true;
  await sampler;
  console.log(`## ${name}: ${(ops / SECONDS / 1000).toFixed(1)} k units/s\n| t (s) | RSS MB | heap used MB | external MB |\n|---|---|---|---|`);
  for (const s of samples) console.log(`| ${s.t.toFixed(0)} | ${mb(s.rss)} | ${mb(s.heap)} | ${mb(s.external)} |`);
  const second = samples.filter((s) => s.t >= SECONDS / 2);
  // Least-squares slope of heapUsed over the second half, in KB per minute.
  const n = second.length;
  const mt = second.reduce((a, s) => a + s.t, 0) / n;
  const mh = second.reduce((a, s) => a + s.heap, 0) / n;
  const slope = second.reduce((a, s) => a + (s.t - mt) * (s.heap - mh), 0) / second.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  const rssGrowth = second[n - 1].rss - second[0].rss;
  verdicts.push(`| ${name} | ${(slope * 60 / 1024).toFixed(1)} KB/min | ${mb(rssGrowth)} MB | ${mb(Math.max(...samples.map((s) => s.rss)))} MB |`);
  console.log('');
}
console.log('## second half of each run\n| workload | heap slope (after GC) | RSS change | peak RSS |\n|---|---|---|---|');
for (const v of verdicts) console.log(v);
await mc.close();
await server.stop('SIGTERM');
