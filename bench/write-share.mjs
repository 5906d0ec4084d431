// How much of each client's CPU per unit goes into `socket.write` (Node's stream code and the
// write syscall, which on loopback also runs the TCP stack up to the server's socket), and how
// many writes each client makes: the part of the bare loop's cost that a client making the same
// writes cannot save.
//   SERVERS=<1|4> [W=get1,get64,set64,mget100,mget100x8] [ROUNDS=6] [MS=500] node bench/write-share.mjs
// failback (text) and the bare node:net loop in one process, on the same servers, in interleaved
// rounds after a warm-up round each; every reply checked. Realistic keys, values of 100 B. Each
// column is its own median over the rounds. What the timing sees: calls of socket.write (a write
// Node defers behind a pending one leaves later through _writev, untimed and uncounted), and the
// bare loop hands it a string, so its encoding is inside the write where failback's is not.
import net from 'node:net';
import { Client } from '../dist/entry/node.js';
import { createBareClient } from './bare-net.mjs';
import { machine, median } from './lib.mjs';
import { round, startPrefilled, WORKLOADS } from './prefilled.mjs';

const servers = Number(process.env.SERVERS ?? 1);
const workloads = process.env.W ? process.env.W.split(',') : WORKLOADS;
for (const w of workloads) if (!WORKLOADS.includes(w)) throw new Error(`W takes ${WORKLOADS.join(', ')} (comma-separated)`);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const MS = Number(process.env.MS ?? 500);

// Every socket.write of this process, timed: both clients write through node:net.
let writes = 0;
let writeMicros = 0;
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function timedWrite(...args) {
  const t0 = performance.now();
  try {
    return write.apply(this, args);
  } finally {
    writeMicros += (performance.now() - t0) * 1000;
    writes++;
  }
};

const data = await startPrefilled(servers);
const failback = new Client({ servers: data.addresses });
await failback.connect();
const bare = createBareClient(data.addresses);
await bare.ready;
const clients = { failback, bare };

/** One round of `w` on `c`, with its time in socket.write (µs) and its writes, per unit. */
async function timedRound(c, w) {
  writes = 0;
  writeMicros = 0;
  const r = await round(c, w, MS, data);
  return { ...r, write: writeMicros / r.units, writes: writes / r.units };
}

console.log(`machine: ${machine()}; ${servers} memcached server(s), ${ROUNDS} rounds of ${MS} ms\n`);
console.log('| workload | client | units/s | CPU µs/unit | in socket.write µs/unit | the rest µs/unit | writes/unit |');
console.log('|---|---|---|---|---|---|---|');
const summary = [];
for (const w of workloads) {
  const runs = { failback: [], bare: [] };
  for (const name of ['failback', 'bare']) await timedRound(clients[name], w); // warm-up, not counted
  for (let r = 0; r < ROUNDS; r++) for (const name of r % 2 ? ['bare', 'failback'] : ['failback', 'bare']) runs[name].push(await timedRound(clients[name], w));
  const m = (name, field) => median(runs[name].map((x) => x[field]));
  for (const name of ['failback', 'bare']) {
    const rest = median(runs[name].map((x) => x.cpu - x.write));
    console.log(`| ${w} | ${name} | ${(m(name, 'rate') / 1000).toFixed(1)} k | ${m(name, 'cpu').toFixed(2)} | ${m(name, 'write').toFixed(2)} | ${rest.toFixed(2)} | ${m(name, 'writes').toFixed(3)} |`);
  }
  const share = median(runs.bare.map((x) => x.write / x.cpu));
  const ratio = median(runs.failback.map((x, i) => x.rate / runs.bare[i].rate));
  summary.push(`| ${w} | ${ratio.toFixed(2)}× | ${(100 * share).toFixed(0)}% |`);
}
console.log(`\n| workload | failback / bare (units/s) | share of the bare loop's CPU in socket.write |`);
console.log('|---|---|---|');
for (const line of summary) console.log(line);
await failback.close();
await bare.close();
await data.stop();
