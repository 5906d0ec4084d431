// One frontend as its own OS process: a failback Client running the versioned read-through
// workload (versioned-workload.mjs). Config as JSON in argv[2]:
//   { servers, origin, keys, writer, writers, options, idle }
// Messages from the parent: 'run' (start or resume the workload), 'idle' (pause it), 'stop'
// (report and exit). With `idle: true` it only warms up (one read per key: every server is
// contacted and its identity known) and waits for 'run'.
import { Client } from '../../dist/entry/node.js';
import { runWorkload } from './versioned-workload.mjs';

const config = JSON.parse(process.argv[2]);
const cache = new Client({ servers: config.servers, ...config.options });
const origin = new Client({ servers: [config.origin] });
const events = [];
const record = (event, server, extra = {}) => events.push({ at: Date.now(), event, port: server.port, identity: server.identity, ...extra });
cache.on('down', (s, error) => record('down', s, { code: error.code }));
cache.on('failback', (s, o) => record('failback', s, { role: o.role, flushed: o.flushed.length, deleted: o.deleted, restarted: o.restarted }));
cache.on('up', (s) => record('up', s));
cache.on('error', (error) => record('error', { port: 0 }, { message: error.message }));

let mode = config.idle ? 'idle' : 'run';
let stopping = false;
const totals = { reads: 0, hits: 0, misses: 0, writes: 0, stale: 0, errors: 0 };
const staleSamples = [];
process.on('message', (m) => {
  if (m === 'stop') stopping = true;
  else if (m === 'run' || m === 'idle') mode = m;
});

for (const key of config.keys) await cache.get(key).catch(() => undefined);
process.send?.('ready');
while (!stopping) {
  if (mode === 'idle') {
    await new Promise((r) => setTimeout(r, 10));
    continue;
  }
  const counts = await runWorkload({
    cache, origin, keys: config.keys, writer: config.writer, writers: config.writers,
    until: () => mode === 'run' && !stopping,
    onStale: (s) => staleSamples.length < 20 && staleSamples.push({ ...s, at: Date.now() }),
  });
  for (const k of Object.keys(totals)) totals[k] += counts[k];
}
const servers = cache.servers();
await cache.close();
await origin.close();
process.send?.({ report: { totals, events, staleSamples, servers } });
process.disconnect?.();
