// One frontend as its own OS process for the read-through stampede test: on 'go', runs
// `callers` concurrent fetches of one key through the built package and reports what each got.
// The loader counts itself in memcached (`incr` of a counter key), so loads are counted across
// every process. Config comes as JSON in argv[2].
import { Client } from '../../dist/entry/node.js';

const config = JSON.parse(process.argv[2]);
const mc = new Client({ servers: config.servers });
let loads = 0;
const loader = async () => {
  loads++;
  await mc.incr(config.counter);
  await new Promise((r) => setTimeout(r, config.loadMs));
  return config.value;
};

process.once('message', async () => {
  const started = Date.now();
  const results = await Promise.allSettled(Array.from({ length: config.callers }, () => mc.fetch(config.key, loader, { ttl: 60, wait: 20, maxWait: config.maxWait })));
  const values = results.map((r) => (r.status === 'fulfilled' ? r.value : `error: ${r.reason?.message}`));
  process.send?.({ values, loads, ms: Date.now() - started });
  await mc.close();
  process.disconnect?.();
});
await mc.connect();
process.send?.('ready');
