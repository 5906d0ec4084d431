/**
 * Smoke test of `npm run demo`: compiles the demo (demo/ → build/demo/, against the library in
 * dist/, as `npm run demo` does) and runs build/demo/main.js with `--quick`, end to
 * end with real memcached and frontend processes, and checks its JSON result tells Don's story:
 * the PECL-style row serves stale outage copies, both offline rows (Don's flush and the default
 * journal) serve no stale read, nor does the leases row (the default reading through `mc.fetch`),
 * which loads each cold key about once after a failback, cluster flush none from outage copies.
 * Then checks that the HTML is self-contained and that every process the demo started is gone.
 * The bookkeeping behind the rows (events per outage, loads after failback) has its own
 * process-free test: demo-bookkeeping.test.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoResult } from '../demo/result.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(REPO, 'build/demo/main.js');

interface Run { code: number | null; stdout: string; stderr: string }

function demo(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let dir: string;
beforeAll(async () => {
  // The demo imports 'failback', which resolves to dist/: the library must be built first.
  if (!existsSync(join(REPO, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  // `npm run build:demo`: this test runs what the current sources compile to, never an old build.
  await promisify(execFile)(join(REPO, 'node_modules/.bin/tsc'), ['-b', 'demo'], { cwd: REPO });
  dir = await mkdtemp(join(tmpdir(), 'failback-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('--help prints usage; an unknown option or policy exits 2 without starting anything', async () => {
    const help = await demo(['--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--quick');
    for (const id of ['pecl', 'offline', 'journal', 'leases', 'cluster', 'gutter']) expect(help.stdout).toMatch(new RegExp(`^ +${id} `, 'm'));
    const bad = await demo(['--bogus'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('usage:');
    const policy = await demo(['--policies', 'offline,jornal'], dir);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain('--policies takes a comma-separated subset of pecl, offline, journal, leases, cluster, gutter');
  });

  it('--quick reproduces the stale-copy bug under PECL-style redistribute and not under offline, journal or cluster flush', async () => {
    const json = join(dir, 'result.json');
    const out = join(dir, 'report.html');
    const run = await demo(['--quick', '--json', json, '--out', out], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('stale reads');
    expect(run.stdout).toContain(`HTML report: ${out}`);
    for (const text of ['offline (Don)', 'offline + journal (default)', 'offline + journal, fetch (leases)', 'deletes', 'roles L/F/A', 'loads/key after failback']) expect(run.stdout).toContain(text);

    const result = JSON.parse(await readFile(json, 'utf8')) as DemoResult;
    expect(result.quick).toBe(true);
    // A real PHP frontend took part (npm test installs PHP): every value crossed both ways intact.
    expect(result.php, JSON.stringify(result.php)).toMatchObject({ phpWrote: 200, failbackReadEqual: 200, failbackWrote: 200, phpReadEqual: 200, mismatches: [] });
    expect(run.stdout).toMatch(/PHP frontend \(PHP 8[^)]*PECL memcache [^)]*\) on \d servers: failback read 200\/200/);
    expect(result.policies.map((p) => p.id)).toEqual(['pecl', 'offline', 'journal', 'leases', 'cluster', 'gutter']);
    const [pecl, offline, journal, leases, cluster, gutter] = result.policies;
    // Every row says what it flushes: the client's default changed, the rows' meaning did not.
    expect(result.policies.map((p) => `${p.failover}/${p.flush}`)).toEqual(['redistribute/none', 'offline/server', 'offline/journal', 'offline/journal', 'redistribute/cluster', 'gutter/server']);
    expect(result.policies.map((p) => p.readPath)).toEqual(['get-set', 'get-set', 'get-set', 'fetch', 'get-set', 'get-set']);

    // Don's bug: copies written to other servers during the first outage, read after the second kill.
    expect(pecl.staleByCopy.outage).toBeGreaterThan(0);
    expect(pecl.flushes).toBe(0);
    expect(pecl.deletes).toBe(0);
    // Don's mode writes nowhere else: nothing can go stale.
    expect(offline.staleReads).toBe(0);
    expect(offline.failovers).toBe(0);
    expect(offline.offlineSkips).toBeGreaterThan(0);
    expect(offline.flushes).toBeGreaterThanOrEqual(2);
    // The default: offline too, and each kill here is a restart, so the journal row flushes the
    // victim once per restart as well (under the lock), besides deleting the keys it skipped.
    expect(journal.staleReads).toBe(0);
    expect(journal.failovers).toBe(0);
    expect(journal.offlineSkips).toBeGreaterThan(0);
    expect(journal.flushes).toBeGreaterThanOrEqual(2);
    expect(journal.deletes).toBeGreaterThan(0);
    // The default with fetch (leases): as clean, and after each failback the cold keys are loaded
    // about once each, never more often than get-then-set loads them.
    expect(leases.staleReads).toBe(0);
    expect(leases.failovers).toBe(0);
    expect(leases.flushes).toBeGreaterThanOrEqual(2);
    expect(leases.clientErrors).toEqual([]);
    expect(leases.coldLoads.keys).toBeGreaterThan(0);
    // Within noise (a read in flight at the 'up' loads without storing): frontends here each serve
    // their own keys (workload.ts), so get-then-set only herds inside one frontend, rarely.
    expect(leases.coldLoads.loadsPerKey).toBeLessThanOrEqual(journal.coldLoads.loadsPerKey + 0.02);
    expect(leases.coldLoads.loadsPerKey).toBeLessThan(1.05);
    expect(result.verdict.notes.join(' ')).toMatch(/With leases, the origin loaded each cold key 1\.0\d times after a failback \(get-then-set: \d\.\d\d\)/);
    // Mikael's option 2: the cluster flush removes every copy written during the outage.
    expect(cluster.staleByCopy.outage).toBe(0);
    expect(cluster.flushes).toBeGreaterThanOrEqual(2 * result.config.servers);
    expect(gutter.failovers).toBeGreaterThan(0);
    expect(result.verdict.reproduced).toBe(true);

    for (const p of result.policies) {
      expect(p.reads, p.id).toBeGreaterThan(500);
      expect(p.hitRate, p.id).toBeGreaterThan(0.2);
      expect(p.originLoads, p.id).toBeGreaterThan(0);
      expect(p.staleByCopy.other, p.id).toBe(0);
      // Every restart is cold: something was loaded after each failback, each key at least once.
      expect(p.coldLoads.perFailback, p.id).toHaveLength(2);
      expect(p.coldLoads.keys, p.id).toBeGreaterThan(0);
      expect(p.coldLoads.loadsPerKey, p.id).toBeGreaterThanOrEqual(1);
      expect(p.failbacks, p.id).toHaveLength(2);
      for (const f of p.failbacks) {
        // Every frontend came back, through the lock: a restart always takes the coordinated flush.
        expect(f.lastUpMs, p.id).toBeDefined();
        expect(f.frontendsUp, p.id).toBe(result.config.frontends);
        expect(f.restartsSeen, p.id).toBe(result.config.frontends);
        expect(f.leaders + f.followers, p.id).toBe(result.config.frontends);
        expect(f.leaders, p.id).toBeGreaterThanOrEqual(1);
        expect(f.alone, p.id).toBe(0);
        expect(f.firstUpMs, p.id).toBeGreaterThanOrEqual(0);
      }
      expect(p.deletes, p.id).toBe(p.failbacks.reduce((n, f) => n + f.deleted, 0));
      expect(p.marks.filter((m) => m.kind === 'kill'), p.id).toHaveLength(2);
      expect(p.marks.filter((m) => m.kind === 'restart'), p.id).toHaveLength(2);
    }

    const html = await readFile(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(result.policies.length);
    // Self-contained: no scripts, no external assets.
    expect(html).not.toMatch(/<script|<link|<img|\bsrc=|\bhref=|url\(/i);

    // Every memcached and frontend it started is gone.
    expect(result.pids.length).toBeGreaterThanOrEqual(result.policies.length * (result.config.servers + 1 + result.config.frontends + 2));
    expect(result.pids.filter(alive)).toEqual([]);
  }, 90_000);
});
