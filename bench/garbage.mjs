// Bytes allocated per operation, by the function that allocated them: V8's sampling heap profiler
// with the objects collected since counted too, so this is garbage made, not memory kept.
//   node bench/garbage.mjs <failback|bare> <get1|set1|mget>     (after npm run build && npm run build:tools)
// get1 / set1: sequential gets / sets of 100-byte values; mget: sequential getMany of 100 keys.
import { Session } from 'node:inspector/promises';
import { Client } from '../dist/entry/node.js';
import { MemcachedServer } from '../build/tools/memcached.js';
import { createBareClient } from './bare-net.mjs';
import { realisticKeys } from './lib.mjs';

const [which = 'failback', workload = 'get1'] = process.argv.slice(2);
const server = await MemcachedServer.start({ memoryMb: 64, threads: 2 });
const keys = realisticKeys(10_000);
const groups = [];
for (let i = 0; i < keys.length; i += 100) groups.push(keys.slice(i, i + 100));
const mc = new Client({ servers: [server.address] });
await mc.connect();
await Promise.all(keys.map((k) => mc.set(k, 'x'.repeat(100))));
const bare = createBareClient([server.address]);
await bare.ready;
const client = which === 'bare' ? bare : mc;
let at = 0;
const op = {
  get1: () => client.get(keys[at++ % keys.length]),
  set1: () => client.set(keys[at++ % keys.length], 'y'.repeat(100)),
  mget: () => client.getMany(groups[at++ % groups.length]),
}[workload];
if (!op) throw new Error(`unknown workload ${workload}: get1, set1 or mget`);
for (let i = 0; i < 5000; i++) await op();
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const n = workload === 'mget' ? 2000 : 20_000;
for (let i = 0; i < n; i++) await op();
const { profile } = await session.post('HeapProfiler.stopSampling');
const bySite = new Map();
let total = 0;
(function walk(node) {
  const { functionName, url, lineNumber } = node.callFrame;
  const site = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  total += node.selfSize;
  if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  node.children.forEach(walk);
})(profile.head);
console.log(`${which} ${workload}: ${(total / n).toFixed(0)} bytes allocated per operation`);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(bytes / n).toFixed(0).padStart(7)} B  ${site}`);
await mc.close();
await bare.close();
await server.stop('SIGTERM');
