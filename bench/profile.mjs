// One workload on one client for a while, for `node --cpu-prof`: where failback's time goes.
// Run: node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.mjs <get64|set64|mget100|get1> [seconds] [protocol]
import { Client } from '../dist/entry/node.js';
import { MemcachedServer } from '../build/tools/memcached.js';
import { realisticKeys, valueFor } from './lib.mjs';

const [workload = 'mget100', seconds = '3', protocol = 'text'] = process.argv.slice(2);
const servers = Number(process.env.SERVERS ?? 1);
const started = await Promise.all(Array.from({ length: servers }, () => MemcachedServer.start({ memoryMb: 256, threads: 2, args: (process.env.MC_ARGS ?? '').split(' ').filter(Boolean) })));
const keys = realisticKeys(10_000);
const values = keys.map(valueFor);
const mc = new Client({ servers: started.map((s) => s.address), protocol });
await mc.connect();
await Promise.all(keys.map((k, i) => mc.set(k, values[i])));
const deadline = performance.now() + Number(seconds) * 1000;
let ops = 0;
const worker = async (first, step) => {
  for (let i = first; performance.now() < deadline; i += step) {
    const j = i % keys.length;
    if (workload === 'set64') await mc.set(keys[j], values[j]);
    else if (workload.startsWith('mget')) await mc.getMany(keys.slice((j - (j % 100)), (j - (j % 100)) + 100));
    else await mc.get(keys[j]);
    ops += workload.startsWith('mget') ? 100 : 1;
  }
};
const n = workload === 'get1' || workload === 'mget100' ? 1 : workload === 'mget100x8' ? 8 : 64;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: n }, (_, k) => worker(k * (workload.startsWith('mget') ? 100 : 1), workload.startsWith('mget') ? n * 100 : n)));
const cpu = process.cpuUsage(cpu0);
const s = (performance.now() - t0) / 1000;
console.log(`${workload} ${protocol} ${servers} server(s): ${(ops / s / 1000).toFixed(1)} k units/s, ${((cpu.user + cpu.system) / ops).toFixed(2)} µs CPU/unit (user ${(cpu.user / ops).toFixed(2)}, system ${(cpu.system / ops).toFixed(2)})`);
await mc.close();
await Promise.all(started.map((s) => s.stop('SIGTERM')));
