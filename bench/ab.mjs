// A/B of two builds of failback in one process, against the same memcached servers, in interleaved
// rounds, with the bare node:net loop as a third: the ratios are taken round by round, so a loaded
// machine moves all three together. The baseline is another checkout, built:
//   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci && npm run build)
//   BASE=/tmp/base W=<get1|get64|set64|mget100|mget100x8> SERVERS=<n> node bench/ab.mjs
// (ROUNDS, default 8, of MS, default 400 ms each; realistic keys, values of 100 B.)
import { Client as B } from '../dist/entry/node.js';
import { MemcachedServer } from '../build/tools/memcached.js';
import { createBareClient } from './bare-net.mjs';
import { median, realisticKeys } from './lib.mjs';

if (!process.env.BASE) throw new Error('set BASE to the root of a built checkout to compare with (see the header of bench/ab.mjs)');
const { Client: A } = await import(`${process.env.BASE}/dist/entry/node.js`);
const servers = Number(process.env.SERVERS ?? 1);
const W = process.env.W ?? 'mget100x8';
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const MS = Number(process.env.MS ?? 400);
const started = await Promise.all(Array.from({ length: servers }, () => MemcachedServer.start({ memoryMb: 64, threads: 2 })));
const addresses = started.map((s) => s.address);
const keys = realisticKeys(10_000);
const values = keys.map((k) => `${k}|${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3)}`.slice(0, 100));
const groups = [];
for (let i = 0; i < keys.length; i += 100) groups.push(keys.slice(i, i + 100));
// Every key on every server, so that any routing finds it.
for (const address of addresses) {
  const prefill = createBareClient([address]);
  await prefill.ready;
  await Promise.all(keys.map((k, i) => prefill.set(k, values[i])));
  await prefill.close();
}
const base = new A({ servers: addresses });
const next = new B({ servers: addresses });
await base.connect();
await next.connect();
const bare = createBareClient(addresses);
await bare.ready;
const clients = { base, new: next, bare };
const inFlight = W === 'get1' || W === 'mget100' ? 1 : W === 'mget100x8' ? 8 : 64;

/** One round of `W` on `c`: units per second and client CPU µs per unit; every reply checked. */
async function round(c) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let units = 0;
  await Promise.all(Array.from({ length: inFlight }, async (_, w) => {
    for (let i = w; performance.now() - t0 < MS; i += inFlight) {
      const j = i % keys.length;
      if (W.startsWith('mget')) {
        const got = await c.getMany(groups[i % groups.length]);
        if (got.size !== 100) throw new Error(`a multi-get of 100 keys returned ${got.size}`);
        units += 100;
      } else if (W === 'set64') {
        await c.set(keys[j], values[j]);
        units++;
      } else {
        const v = await c.get(keys[j]);
        if (v !== values[j]) throw new Error(`get ${keys[j]} returned ${v}`);
        units++;
      }
    }
  }));
  const cpu = process.cpuUsage(c0);
  return { rate: units / ((performance.now() - t0) / 1000), cpu: (cpu.user + cpu.system) / units };
}

const runs = { base: [], new: [], bare: [] };
for (let r = 0; r < ROUNDS; r++) for (const name of r % 2 ? ['new', 'base', 'bare'] : ['base', 'new', 'bare']) runs[name].push(await round(clients[name]));
const cell = (name) => `${(median(runs[name].map((x) => x.rate)) / 1000).toFixed(1)} k/s, ${median(runs[name].map((x) => x.cpu)).toFixed(2)} µs`;
const per = (a, b) => median(runs[a].map((x, i) => x.rate / runs[b][i].rate)).toFixed(3);
console.log(`${W}, ${servers} server(s): base ${cell('base')} | new ${cell('new')} | bare ${cell('bare')} | new/base ${per('new', 'base')}, new/bare ${per('new', 'bare')}, base/bare ${per('base', 'bare')}`);
await base.close();
await next.close();
await bare.close();
await Promise.all(started.map((s) => s.stop('SIGTERM')));
