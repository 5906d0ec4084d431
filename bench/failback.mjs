// Cost of a request for a down server's key (no I/O: offline buckets), and time to failback.
// Run: npm run bench:failback
import { Client, createRouter } from '../dist/entry/node.js';
import { startCluster } from '../build/tools/memcached.js';
import { fmtRate, machine, measure } from './lib.mjs';

const REPS = Number(process.env.REPS ?? 5);
const out = [];
const log = (s) => { out.push(s); console.log(s); };

log(`# failback benchmarks\nmachine: ${machine()}\nrepetitions: ${REPS}\n`);
// The shared helper (tools/memcached.ts, compiled by npm run build:tools): kills and restarts by pid, on the same port.
const memcached = await startCluster(2);
const victim = memcached[1];
try {
  const servers = memcached.map((m) => m.address);
  const mc = new Client({ servers, retryInterval: 500, timeout: 300, connectTimeout: 300 });
  const router = await createRouter({ servers });
  const keys = [];
  for (let i = 0; keys.length < 1000; i++) if (router.owner(`k:${i}`) === 1) keys.push(`k:${i}`);
  await mc.set(keys[0], 'x');
  const down = new Promise((r) => mc.once('down', r));
  await victim.stop();
  await down;

  const N = 1000;
  const r = await measure({
    'get of a down server\'s key (offline)': async () => { for (let i = 0; i < N; i++) await mc.get(keys[i]); },
    'set of a down server\'s key (offline)': async () => { for (let i = 0; i < N; i++) await mc.set(keys[i], 'v'); },
    'getMany of 100 down keys (per key)': async () => { for (let i = 0; i < N; i += 100) await mc.getMany(keys.slice(i, i + 100)); },
  }, { units: N, reps: REPS });
  log('## requests for a down server\'s keys (answered without I/O)\n| request | requests/s | floor ≥ 1M/s |\n|---|---|---|');
  for (const [k, v] of Object.entries(r)) log(`| ${k} | ${fmtRate(v.median)} | ${v.median >= 1e6 ? 'yes' : '**no**'} |`);
  if (mc.servers()[1].counters.requests !== 1 && mc.servers()[1].counters.requests !== 0) throw new Error('a down server was contacted');

  // Time to failback: restart, then wait for 'up'.
  const times = [];
  for (let i = 0; i < 3; i++) {
    const upEvent = new Promise((res) => mc.once('up', () => res(Date.now())));
    await victim.restart();
    const restarted = Date.now();
    times.push((await upEvent) - restarted);
    const again = new Promise((res) => mc.once('down', res));
    await victim.stop();
    await mc.get(keys[0]).catch(() => undefined);
    await again;
  }
  log(`\n## time from restart to failback complete (retryInterval 500 ms, ±10% jitter)\n| run | ms | within retryInterval + 1 s |\n|---|---|---|`);
  times.forEach((t, i) => log(`| ${i + 1} | ${t} | ${t <= 1550 ? 'yes' : '**no**'} |`));
  await mc.close();
} finally {
  await Promise.all(memcached.map((m) => m.stop()));
}
