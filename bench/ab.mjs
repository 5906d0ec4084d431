// A/B of two builds of failback in one process, against the same memcached servers, in interleaved
// rounds, with the bare node:net loop as a third: the ratios are taken round by round, so a loaded
// machine moves all three together. The baseline is another checkout, built:
//   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci && npm run build)
//   BASE=/tmp/base W=<get1|get64|set64|mget100|mget100x8> SERVERS=<n> node bench/ab.mjs
// (ROUNDS, default 8, of MS, default 400 ms each, after a warm-up round each; realistic keys, values of 100 B.)
import { Client as B } from '../dist/entry/node.js';
import { createBareClient } from './bare-net.mjs';
import { median } from './lib.mjs';
import { round, startPrefilled, WORKLOADS } from './prefilled.mjs';

if (!process.env.BASE) throw new Error('set BASE to the root of a built checkout to compare with (see the header of bench/ab.mjs)');
const { Client: A } = await import(`${process.env.BASE}/dist/entry/node.js`);
const servers = Number(process.env.SERVERS ?? 1);
const W = process.env.W ?? 'mget100x8';
if (!WORKLOADS.includes(W)) throw new Error(`W must be one of ${WORKLOADS.join(', ')}`);
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const MS = Number(process.env.MS ?? 400);
const data = await startPrefilled(servers);
const base = new A({ servers: data.addresses });
const next = new B({ servers: data.addresses });
await base.connect();
await next.connect();
const bare = createBareClient(data.addresses);
await bare.ready;
const clients = { base, new: next, bare };

const runs = { base: [], new: [], bare: [] };
// Each client takes each place in the order in turn: whoever runs after another's garbage is not always the same one.
const ORDERS = [['base', 'new', 'bare'], ['new', 'bare', 'base'], ['bare', 'base', 'new'], ['new', 'base', 'bare'], ['base', 'bare', 'new'], ['bare', 'new', 'base']];
for (const name of Object.keys(clients)) await round(clients[name], W, MS / 2, data); // warm-up, not counted
for (let r = 0; r < ROUNDS; r++) for (const name of ORDERS[r % ORDERS.length]) runs[name].push(await round(clients[name], W, MS, data));
const cell = (name) => `${(median(runs[name].map((x) => x.rate)) / 1000).toFixed(1)} k/s, ${median(runs[name].map((x) => x.cpu)).toFixed(2)} µs`;
const per = (a, b) => median(runs[a].map((x, i) => x.rate / runs[b][i].rate)).toFixed(3);
console.log(`${W}, ${servers} server(s): base ${cell('base')} | new ${cell('new')} | bare ${cell('bare')} | new/base ${per('new', 'base')}, new/bare ${per('new', 'bare')}, base/bare ${per('base', 'bare')}`);
await base.close();
await next.close();
await bare.close();
await data.stop();
