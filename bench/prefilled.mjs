// The loopback setup and closed-loop rounds that bench/ab.mjs and bench/write-share.mjs share:
// memcached servers (ours, stopped by pid) with 10,000 realistic keys and values of 100 B on every
// server, and one timed round of a workload on any client with get/set/getMany.
import { MemcachedServer } from '../build/tools/memcached.js';
import { createBareClient } from './bare-net.mjs';
import { realisticKeys, valueFor } from './lib.mjs';

/** The workloads: one-key gets (1 or 64 in flight), sets (64), multi-gets of 100 keys (1 or 8). */
export const WORKLOADS = ['get1', 'get64', 'set64', 'mget100', 'mget100x8'];

/** `count` memcached servers, every key on every one (so that any routing finds it). */
export async function startPrefilled(count) {
  const started = await Promise.all(Array.from({ length: count }, () => MemcachedServer.start({ memoryMb: 64, threads: 2 })));
  const addresses = started.map((s) => s.address);
  const keys = realisticKeys(10_000);
  const values = keys.map(valueFor);
  const groups = [];
  for (let i = 0; i < keys.length; i += 100) groups.push(keys.slice(i, i + 100));
  for (const address of addresses) {
    const prefill = createBareClient([address]);
    await prefill.ready;
    await Promise.all(keys.map((k, i) => prefill.set(k, values[i])));
    await prefill.close();
  }
  return { addresses, keys, values, groups, stop: () => Promise.all(started.map((s) => s.stop('SIGTERM'))) };
}

/**
 * One round of `workload` on `client` for `ms`, every reply checked: units per second and client
 * CPU µs per unit (the whole process, as `process.cpuUsage` counts it).
 */
export async function round(client, workload, ms, { keys, values, groups }) {
  const inFlight = workload === 'get1' || workload === 'mget100' ? 1 : workload === 'mget100x8' ? 8 : 64;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let units = 0;
  await Promise.all(Array.from({ length: inFlight }, async (_, worker) => {
    for (let i = worker; performance.now() - t0 < ms; i += inFlight) {
      const j = i % keys.length;
      if (workload.startsWith('mget')) {
        const got = await client.getMany(groups[i % groups.length]);
        if (got.size !== 100) throw new Error(`a multi-get of 100 keys returned ${got.size}`);
        units += 100;
      } else if (workload === 'set64') {
        if ((await client.set(keys[j], values[j])) !== true) throw new Error(`set ${keys[j]} failed`);
        units++;
      } else {
        const v = await client.get(keys[j]);
        if (v !== values[j]) throw new Error(`get ${keys[j]} returned ${v}`);
        units++;
      }
    }
  }));
  const cpu = process.cpuUsage(c0);
  return { rate: units / ((performance.now() - t0) / 1000), cpu: (cpu.user + cpu.system) / units, units };
}
