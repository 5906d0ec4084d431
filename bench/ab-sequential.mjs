// A/B of the sequential get path between two builds: node bench/ab-sequential.mjs <dist dir> <memcached port>
// (20,000 sequential gets of one 100-byte value after 2,000 warm-up; prints gets/s and client CPU µs per get).
const [dist, port] = process.argv.slice(2);
const { Client } = await import(`${dist}/entry/node.js`);
const mc = new Client({ servers: [`127.0.0.1:${port}`] });
await mc.set('k', 'x'.repeat(100));
for (let i = 0; i < 2000; i++) await mc.get('k');
const n = 20000; const t0 = performance.now(); const c0 = process.cpuUsage();
for (let i = 0; i < n; i++) await mc.get('k');
const ms = performance.now() - t0; const cpu = process.cpuUsage(c0);
console.log(dist, (n / ms * 1000 | 0), 'gets/s', ((cpu.user + cpu.system) / n).toFixed(1), 'µs cpu/get');
await mc.close();
