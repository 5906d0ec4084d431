/**
 * The `failback` command without a cluster: conventions (help, version, errors), `route` and
 * `moves`, run as a separate process from dist/cli/main.js. The live commands are in cli-live.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRouter } from '../bindings/entry/node.js';
import { jsonLines, spawnCli as run } from './support/cli.js';
import { loadVectorFiles } from './support/vectors.js';

const COMMANDS = ['route', 'moves', 'stats', 'health', 'lock'];
const SERVERS = ['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211'];

describe('conventions', () => {
  it.each(['--help', '-h', ''])('failback %s prints the usage on stdout, every command listed, exit 0', async (flag) => {
    const out = await run(flag ? [flag] : []);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/^usage: failback <command>/);
    for (const name of COMMANDS) expect(out.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it.each([['--version'], ['-V']])('failback %s prints the package version, exit 0', async (flag) => {
    const out = await run([flag]);
    expect(out).toEqual({ status: 0, stdout: `${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`, stderr: '' });
  });

  it.each(COMMANDS)('failback %s --help (and -h, and failback help <it>) prints that command\'s usage, exit 0', async (name) => {
    const outs = await Promise.all([run([name, '--help']), run([name, '--servers', 'a:1', '-h']), run(['help', name])]);
    for (const out of outs) {
      expect(out.status).toBe(0);
      expect(out.stderr).toBe('');
      expect(out.stdout).toMatch(new RegExp(`^usage: failback ${name} `));
    }
    expect(outs[1].stdout).toBe(outs[0].stdout);
    expect(outs[2].stdout).toBe(outs[0].stdout);
  });

  it('unknown commands and options: a message on stderr that says what to run, nothing on stdout, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['rout'], /^failback: unknown command "rout"; the commands are route, moves, stats, health, lock\n\(run "failback --help" for usage\)\n$/],
      [['--verbose'], /^failback: unknown option "--verbose"; the commands are route/],
      [['help', 'nope'], /^failback: no command "nope"; the commands are route/],
      [['route', '--servers', 'a:1', '--distrubution', 'ketama', 'k'], /^failback route: Unknown option '--distrubution'.*\n\(run "failback route --help" for usage\)\n$/],
      [['moves', '--servers', 'a:1', '--add'], /^failback moves: Option '--add <value>' argument missing/],
      [['stats', '--servers', 'a:1', 'extra'], /^failback stats: Unexpected argument 'extra'/],
      [['health', '--servers', 'a:1', '--watch', 'soon'], /^failback health: Unexpected argument 'soon'/],
      [['health', '--servers', 'a:1', '--count', '2'], /^failback health: --count: counts --watch refreshes; add --watch \[seconds\]/],
      [['health', '--servers', 'a:1', '--watch', '0'], /^failback health: --watch: expected a number greater than 0, got "0"/],
      [['lock'], /^failback lock: --servers: is required, e.g. --servers 10\.0\.0\.1:11211/],
      [['lock', '--servers', 'a:1', '--lock-key', 'has space'], /^failback: --lock-key: /],
      [['stats', '--servers', 'a:99999'], /^failback: --servers\[0\]: port must be an integer from 1 to 65535/],
    ];
    const outs = await Promise.all(cases.map(([args]) => run(args)));
    cases.forEach(([args, message], i) => {
      expect({ args, status: outs[i].status, stdout: outs[i].stdout }).toEqual({ args, status: 2, stdout: '' });
      expect(outs[i].stderr).toMatch(message);
    });
  });
});

describe('route', () => {
  it('prints each key and its server, like the PECL recording', async () => {
    const v = loadVectorFiles().find((f) => f.file.startsWith('pecl-memcache_standard_crc32_w6.json'))!;
    const servers = v.servers.map((s) => `${s.host}:${s.port}:${s.weight}`).join(',');
    const sample = v.vectors.slice(0, 50);
    const out = await run(['route', '--servers', servers, '--distribution', 'standard', '--', ...sample.map(([k]) => k)]);
    expect(out.status).toBe(0);
    expect(out.stdout.trimEnd().split('\n')).toEqual(sample.map(([k, s]) => `${k}\t${v.servers[s].host}:${v.servers[s].port}`));
  });

  it.each([
    ['php-memcached_modula_fnv1a_64_w6.json', ['--hash', 'fnv1a_64']],
    ['twemproxy_modula_fnv1a_64_w6.json', []],
    ['pylibmc_modula_default_w6.json', ['--hash', 'one_at_a_time']],
    ['perl-cache-memcached-fast_ketama150_e4.json', ['--points', '150']],
    ['pymemcache_rendezvous_murmur3_e8.json', []],
    ['dalli_ring_sha1-crc32_e8.json', ['--hash', 'sha1-crc32']],
    ['spymemcached_ketama_md5_e8.json', []],
    ['spymemcached_ketama-libmemcached_md5_e8.json', ['--hash', 'md5']],
    ['spymemcached_ketama-weighted_md5_w6.json', []],
  ])('--compat client/strategy places keys like the %s recording', async (file, extra) => {
    const v = loadVectorFiles().find((f) => f.file === file)!;
    // A server's own name (spymemcached's ketama node name) after its address, as twemproxy's config writes it.
    const servers = v.servers.map((s) => `${s.host}:${s.port}:${s.weight}${s.name === undefined ? '' : ` ${s.name}`}`).join(',');
    const sample = v.vectors.slice(0, 60);
    const out = await run(['route', '--servers', servers, '--compat', `${v.client}/${v.strategy}`, ...extra, '--', ...sample.map(([k]) => k)]);
    expect(out.stderr).toBe('');
    expect(out.stdout.trimEnd().split('\n')).toEqual(sample.map(([k, s]) => `${k}\t${v.servers[s].host}:${v.servers[s].port}`));
  });

  it('--namespace (Dalli), --key-type (pymemcache) and named servers (twemproxy) route as the router does', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `user:${i}:profile`);
    const named = SERVERS.map((s, i) => ({ host: s.split(':')[0], port: 11211, name: `server${i}` }));
    const cases: [string[], Parameters<typeof createRouter>[0]][] = [
      [['--servers', SERVERS.join(','), '--compat', 'dalli/ring', '--namespace', 'app'], { servers: SERVERS, compat: 'dalli/ring', namespace: 'app' }],
      [['--servers', SERVERS.join(','), '--compat', 'pymemcache/rendezvous', '--key-type', 'bytes'], { servers: SERVERS, compat: 'pymemcache/rendezvous', keyType: 'bytes' }],
      [['--servers', SERVERS.map((s, i) => `${s}:1 server${i}`).join(','), '--compat', 'twemproxy/ketama'], { servers: named, compat: 'twemproxy/ketama' }],
    ];
    for (const [args, options] of cases) {
      const out = await run(['route', ...args, '--', ...keys]);
      expect(out.stderr).toBe('');
      const owners = (await createRouter(options)).routeMany(keys);
      expect(out.stdout.trimEnd().split('\n')).toEqual(keys.map((k, i) => `${k}\t${SERVERS[owners[i]]}`));
    }
    const misplaced = await run(['route', '--servers', SERVERS.join(','), '--namespace', 'app', 'k']);
    expect(misplaced.status).toBe(2);
    expect(misplaced.stderr).toMatch(/namespace: is Dalli's namespace, for compat 'dalli\/ring' only/);
  });

  it('reads keys from stdin in batches (large inputs streamed) and marks down servers\' keys', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}:profile`);
    const router = await createRouter({ servers: SERVERS });
    const out = await run(['route', '--servers', SERVERS.join(','), '--down', '1', '--failover', 'offline'], keys.join('\n') + '\n');
    expect(out.status).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(keys.length);
    const owners = router.routeMany(keys);
    lines.forEach((line, i) => expect(line).toBe(`${keys[i]}\t${owners[i] === 1 ? '-' : SERVERS[owners[i]]}`));
  });

  it('--down takes host:port (or a bare host for port 11211) as well as indices', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`).join('\n');
    const byIndex = await run(['route', '--servers', SERVERS.join(','), '--down', '0,2'], keys);
    const byName = await run(['route', '--servers', SERVERS.join(','), '--down', '10.0.0.1:11211,10.0.0.3'], keys);
    expect(byName).toEqual(byIndex);
    // Under redistribute (the default with --down) a key goes to the one live server, or nowhere
    // when PECL's rehash gives up first, as the router says.
    const router = await createRouter({ servers: SERVERS, failover: 'redistribute' });
    router.setDown(0, true);
    router.setDown(2, true);
    const owners = router.routeMany(keys.split('\n'));
    expect(byName.stdout.trimEnd().split('\n').map((l) => l.split('\t')[1])).toEqual([...owners].map((o) => (o < 0 ? '-' : SERVERS[o])));
    expect(owners.filter((o) => o === 1).length).toBeGreaterThan(400);
    const unknown = await run(['route', '--servers', SERVERS.join(','), '--down', '10.0.0.9:11211', 'k']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--down: "10\.0\.0\.9:11211" is not one of the servers: give an index from 0 to 2 or one of 10\.0\.0\.1:11211, 10\.0\.0\.2:11211, 10\.0\.0\.3:11211/);
  });

  it('--summary: keys and share per server (weights, down servers, the keys that go nowhere), from stdin', async () => {
    const servers = ['10.0.0.1:11211', '10.0.0.2:11211:2', '10.0.0.3:11211'];
    const keys = Array.from({ length: 20_000 }, (_, i) => `user:${i}`);
    const router = await createRouter({ servers, failover: 'offline' });
    router.setDown(2, true);
    const owners = router.routeMany(keys);
    const n = (index: number) => owners.filter((o) => o === index).length;
    const out = await run(['route', '--servers', servers.join(','), '--down', '10.0.0.3:11211', '--failover', 'offline', '--summary'], keys.join('\n'));
    expect(out.stderr).toBe('');
    const pct = (k: number) => `${((k / keys.length) * 100).toFixed(1)}%`;
    const rows = out.stdout.trimEnd().split('\n').map((line) => line.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['#', 'server', 'weight', 'status', 'keys', 'share'],
      ['0', '10.0.0.1:11211', '1', 'up', n(0).toLocaleString('en-US'), pct(n(0))],
      ['1', '10.0.0.2:11211', '2', 'up', n(1).toLocaleString('en-US'), pct(n(1))],
      ['2', '10.0.0.3:11211', '1', 'down', '0', '0.0%'],
      ['nowhere (a miss)', n(-1).toLocaleString('en-US'), pct(n(-1))],
      ['total', '20,000', '100.0%'],
    ]);
    // The weight-2 server holds about twice the first one's share.
    expect(n(1) / n(0)).toBeGreaterThan(1.3);
  });

  it('--json: one document with every key\'s server (null: nowhere) and the summary; --json --summary: the summary only', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `session:${i}`);
    const router = await createRouter({ servers: SERVERS, failover: 'offline' });
    router.setDown(1, true);
    const owners = router.routeMany(keys);
    const args = ['route', '--servers', SERVERS.join(','), '--down', '1', '--failover', 'offline', '--json'];
    const [full] = jsonLines<{ keys: { key: string; server: string | null }[]; summary: { total: number; nowhere: number; servers: { server: string; down: boolean; keys: number; share: number }[] } }>((await run(args, keys.join('\n'))).stdout);
    expect(full.keys).toEqual(keys.map((key, i) => ({ key, server: owners[i] < 0 ? null : SERVERS[owners[i]] })));
    expect(full.summary.total).toBe(300);
    expect(full.summary.nowhere).toBe(owners.filter((o) => o < 0).length);
    expect(full.summary.servers.map((s) => [s.server, s.down, s.keys])).toEqual(SERVERS.map((s, i) => [s, i === 1, owners.filter((o) => o === i).length]));
    const summaryOnly = await run([...args, '--summary', '--', ...keys]);
    expect(jsonLines(summaryOnly.stdout)).toEqual([{ summary: full.summary }]);
  });

  it('explains bad options and exits 2', async () => {
    const missing = await run(['route', 'k']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--servers: is required/);
    const bad = await run(['route', '--servers', 'a:1', '--distribution', 'modulo', 'k']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/distribution: must be one of 'consistent', 'standard', 'buckets', 'ketama', 'modula'/);
    const compat = await run(['route', '--servers', 'a:1', '--compat', 'dalli/consistent', 'k']);
    expect(compat.status).toBe(2);
    expect(compat.stderr).toMatch(/compat: must be one of 'pecl-memcache\/consistent', .*'php-memcached\/modula'/);
  });

  it('a reader that stops early (| head) is not an error', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('./support/cli.js');
    const status = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'route', '--servers', SERVERS.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
      child.stdout.once('data', () => child.stdout.destroy());
      // The command exits once its reader is gone, before it has read all of this.
      child.stdin.on('error', () => {});
      child.once('close', resolve);
      child.stdin.end(Array.from({ length: 200_000 }, (_, i) => `k${i}`).join('\n'));
    });
    expect(status).toBe(0);
  });
});

interface MovesReport { before: string[]; after: string[]; keys: number; placements: { placement: string; hash?: string; moved?: number; needed?: number; avoidable?: number; error?: string }[] }
const movesOf = async (args: string[], input?: string) => {
  const out = await run(['moves', ...args, '--json'], input);
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  return jsonLines<MovesReport>(out.stdout)[0];
};

describe('moves', () => {
  it('adding a fourth server: consistent hashing moves only the keys it takes, modulo-style placements move most', async () => {
    const report = await movesOf(['--servers', SERVERS.join(','), '--add', '10.0.0.4:11211', '--sample', '20000']);
    expect(report.before).toEqual(SERVERS);
    expect(report.after).toEqual([...SERVERS, '10.0.0.4:11211']);
    expect(report.keys).toBe(20_000);
    const by = Object.fromEntries(report.placements.map((p) => [p.placement, p]));
    expect(Object.keys(by)).toEqual(['consistent', 'standard', 'buckets', 'ketama', 'modula']);
    for (const name of ['consistent', 'ketama']) {
      expect(by[name].avoidable).toBe(0);
      expect(by[name].moved).toBe(by[name].needed);
      expect(by[name].moved).toBeGreaterThan(0.15);
      expect(by[name].moved).toBeLessThan(0.35);
    }
    for (const name of ['standard', 'buckets', 'modula']) {
      // hash % 3 → hash % 4 keeps a key only when both agree: about a quarter of them.
      expect(by[name].moved).toBeGreaterThan(0.7);
      expect(by[name].needed).toBeCloseTo(0.25, 1);
      expect(by[name].avoidable).toBeCloseTo(by[name].moved! - by[name].needed!, 10);
    }
    expect(by.consistent.hash).toBe('crc32');
  });

  it('matches the router: removing a server by host:port, the moved share counted key by key', async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `user:${i}:cart`);
    const after = [SERVERS[0], SERVERS[2]];
    const [was, will] = await Promise.all([createRouter({ servers: SERVERS, distribution: 'standard' }), createRouter({ servers: after, distribution: 'standard' })]);
    const before = was.routeMany(keys);
    const now = will.routeMany(keys);
    const moved = keys.filter((_, i) => SERVERS[before[i]] !== after[now[i]]).length;
    const needed = keys.filter((_, i) => before[i] === 1).length;
    const report = await movesOf(['--servers', SERVERS.join(','), '--remove', '10.0.0.2:11211', '--distribution', 'standard', '--keys-from', '-'], keys.join('\n'));
    expect(report.placements).toEqual([{ placement: 'standard', hash: 'crc32', moved: moved / 5000, needed: needed / 5000, avoidable: (moved - needed) / 5000 }]);
    const text = await run(['moves', '--servers', SERVERS.join(','), '--remove', '1', '--distribution', 'standard', '--keys-from', '-'], keys.join('\n'));
    expect(text.stdout).toMatch(/^3 servers -> 2, removing 10\.0\.0\.2:11211; 5,000 keys\nplacement +hash +moved +needed +avoidable +note\nstandard +crc32 +/);
  });

  it('--all adds every compat preset; one these servers do not fit gets a row that says why', async () => {
    const report = await movesOf(['--servers', SERVERS.join(','), '--add', '10.0.0.4:11211', '--all', '--sample', '2000']);
    const by = Object.fromEntries(report.placements.map((p) => [p.placement, p]));
    expect(by['pymemcache/rendezvous'].avoidable).toBe(0);
    expect(by['php-memcached/modula'].avoidable).toBeGreaterThan(0.3);
    expect(by['perl-cache-memcached-fast/ketama'].error).toMatch(/points/);
    expect(report.placements.length).toBeGreaterThan(20);
    // Named alone, a preset that does not fit is an error to fix, not a row.
    const alone = await run(['moves', '--servers', SERVERS.join(','), '--add', '10.0.0.4', '--compat', 'perl-cache-memcached-fast/ketama']);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/points/);
    const withPoints = await movesOf(['--servers', SERVERS.join(','), '--add', '10.0.0.4', '--compat', 'perl-cache-memcached-fast/ketama', '--points', '150', '--sample', '2000']);
    expect(withPoints.placements[0].avoidable).toBe(0);
  });

  it('refuses what it cannot measure, saying what to give instead', async () => {
    const cases: [string[], RegExp][] = [
      [['--servers', SERVERS.join(',')], /give the change to measure: --add/],
      [['--servers', SERVERS.join(','), '--add', '10.0.0.1:11211'], /--add: 10\.0\.0\.1:11211 is already in --servers/],
      [['--servers', SERVERS[0], '--remove', '0'], /--remove: that removes every server/],
      [['--servers', SERVERS.join(','), '--remove', '5'], /--remove: "5" is not one of the servers/],
      [['--servers', SERVERS.join(','), '--add', 'x:1', '--hash', 'fnv'], /--hash: name the placement it is for with --distribution or --compat/],
      [['--servers', SERVERS.join(','), '--add', 'x:1', '--namespace', 'app'], /--namespace: name the placement it is for/],
      [['--servers', SERVERS.join(','), '--add', 'x:1', '--sample', '0'], /--sample: expected an integer from 1/],
      [['--servers', SERVERS.join(','), '--add', 'x:1', '--keys-from', '/nonexistent/keys'], /--keys-from: cannot read \/nonexistent\/keys/],
      [['--servers', SERVERS.join(','), '--add', 'x:1', '--all', '--distribution', 'ketama'], /--all measures every placement/],
    ];
    const outs = await Promise.all(cases.map(([args]) => run(['moves', ...args])));
    cases.forEach(([args, message], i) => {
      expect({ args, status: outs[i].status }).toEqual({ args, status: 2 });
      expect(outs[i].stderr).toMatch(message);
    });
  });
});
