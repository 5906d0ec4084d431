import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { createRouter } from '../bindings/entry/node.js';
import { loadVectorFiles } from './support/vectors.js';

const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
const run = (args: string[], input?: string) => spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8' });

it('failback route prints each key and its server, like the PECL recording', () => {
  const v = loadVectorFiles().find((f) => f.file.startsWith('pecl-memcache_standard_crc32_w6.json'))!;
  const servers = v.servers.map((s) => `${s.host}:${s.port}:${s.weight}`).join(',');
  const sample = v.vectors.slice(0, 50);
  const out = run(['route', '--servers', servers, '--distribution', 'standard', '--', ...sample.map(([k]) => k)]);
  expect(out.status).toBe(0);
  const lines = out.stdout.trimEnd().split('\n');
  expect(lines).toEqual(sample.map(([k, s]) => `${k}\t${v.servers[s].host}:${v.servers[s].port}`));
});

it.each([
  ['php-memcached_modula_fnv1a_64_w6.json', ['--hash', 'fnv1a_64']],
  ['twemproxy_modula_fnv1a_64_w6.json', []],
  ['pylibmc_modula_default_w6.json', ['--hash', 'one_at_a_time']],
  ['perl-cache-memcached-fast_ketama150_e4.json', ['--points', '150']],
  ['pymemcache_rendezvous_murmur3_e8.json', []],
])('failback route --compat client/strategy places keys like the %s recording', (file, extra) => {
  const v = loadVectorFiles().find((f) => f.file === file)!;
  const servers = v.servers.map((s) => `${s.host}:${s.port}:${s.weight}`).join(',');
  const sample = v.vectors.slice(0, 60);
  const out = run(['route', '--servers', servers, '--compat', `${v.client}/${v.strategy}`, ...extra, '--', ...sample.map(([k]) => k)]);
  expect(out.stderr).toBe('');
  expect(out.stdout.trimEnd().split('\n')).toEqual(sample.map(([k, s]) => `${k}\t${v.servers[s].host}:${v.servers[s].port}`));
});

it('reads keys from stdin in batches (large inputs streamed) and marks down servers\' keys', async () => {
  const servers = ['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211'];
  const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}:profile`);
  const router = await createRouter({ servers });
  const out = run(['route', '--servers', servers.join(','), '--down', '1', '--failover', 'offline'], keys.join('\n') + '\n');
  expect(out.status).toBe(0);
  const lines = out.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(keys.length);
  const owners = router.routeMany(keys);
  lines.forEach((line, i) => expect(line).toBe(`${keys[i]}\t${owners[i] === 1 ? '-' : servers[owners[i]]}`));
});

it('explains bad options and exits 2', () => {
  const missing = run(['route', 'k']);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/--servers: is required/);
  const bad = run(['route', '--servers', 'a:1', '--distribution', 'modulo', 'k']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/distribution: must be one of 'consistent', 'standard', 'buckets', 'ketama', 'modula'/);
  const compat = run(['route', '--servers', 'a:1', '--compat', 'dalli/consistent', 'k']);
  expect(compat.status).toBe(2);
  expect(compat.stderr).toMatch(/compat: must be one of 'pecl-memcache\/consistent', .*'php-memcached\/modula'/);
  expect(run(['--help']).status).toBe(0);
});
