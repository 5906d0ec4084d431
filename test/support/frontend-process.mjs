// One frontend as its own OS process (for the multi-frontend failback test): reads keys in a loop
// through a failback Client and reports what it saw. Config comes as JSON in argv[2].
import { Client } from '../../dist/entry/node.js';

const config = JSON.parse(process.argv[2]);
// Don's mode: a hang is a failure at the first timeout, and the returning server is flushed.
const mc = new Client({ servers: config.servers, retryInterval: config.retryInterval, timeout: 200, connectTimeout: 300, failureLimit: 1, failback: { flush: 'server' } });
const report = { events: [], preReadsAfterUp: 0, readsAfterUp: 0, errors: 0, reads: 0, upAt: undefined, role: undefined };
let up = false;
mc.on('down', (s) => report.events.push(`down ${s.port}`));
mc.on('failback', (s, outcome) => { if (s.port === config.watchPort) report.role = outcome.role; report.events.push(`failback ${s.port} ${outcome.role} ${outcome.flushed.join(',')}`); });
// Reads count as after failback once the watched server (the one the test fails) is back.
mc.on('up', (s) => { if (s.port === config.watchPort) { up = true; report.upAt = Date.now(); } report.events.push(`up ${s.port}`); });

let running = true;
process.on('message', async (m) => {
  if (m !== 'stop') return;
  running = false;
});

process.send?.('ready');
while (running) {
  const key = config.keys[Math.floor(Math.random() * config.keys.length)];
  try {
    const value = await mc.get(key);
    report.reads++;
    if (up) {
      report.readsAfterUp++;
      if (value === 'pre-failure') report.preReadsAfterUp++;
    }
  } catch {
    report.errors++;
  }
  await new Promise((r) => setTimeout(r, 2));
}
await mc.close();
process.send?.({ report });
process.disconnect?.();
