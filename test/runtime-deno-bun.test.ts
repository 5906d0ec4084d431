/**
 * failback under Deno and Bun (the npm-installed binaries in node_modules/.bin), each through the
 * entry the exports map gives it: routing every vector file with the WASM engine (compared with
 * Node's), the runtime's own transport against real sockets, and the Client against a real memcached.
 * A missing binary is a failure that says how to install it, never a skip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RuntimeJob, RuntimeReport } from './runtimes/checks.js';
import { expectSameRoutesAsNode, expectTransportContract, exportsMap, importGraph, repoRoot, PHP_EXPECTED, routeJobsWithNodeResults, startEndpoints, type Endpoints } from './runtimes/harness.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let endpoints: Endpoints | undefined;
let tmp: string;
let routing: Awaited<ReturnType<typeof routeJobsWithNodeResults>>;
let markReady: (value: Promise<void>) => void;
/** Settles once the shared endpoints exist (or failed to start: then every test fails with why). */
const ready = new Promise<void>((resolve) => (markReady = resolve));

beforeAll(async () => {
  const setup = (async () => {
    tmp = await mkdtemp(join(tmpdir(), 'failback-runtimes-'));
    routing = await routeJobsWithNodeResults();
    endpoints = await startEndpoints({ tls: true });
  })();
  markReady(setup);
  await setup.catch(() => undefined);
}, 60_000);

afterAll(async () => {
  await endpoints?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** One runtime run (spawn, routing, transport checks, Client) fits well inside this on a loaded 2-core box. */
const RUN_TIMEOUT_MS = 120_000;

interface Runtime {
  name: 'deno' | 'bun';
  binary: string;
  install: string;
  args: (script: string, job: string) => string[];
  env: () => Record<string, string>;
}

const runtimes: Runtime[] = [
  {
    name: 'deno',
    binary: join(repoRoot, 'node_modules/.bin/deno'),
    install: 'Deno is installed from npm as a devDependency: run `npm ci` (deno@2.9.6, postinstall approved in allowScripts)',
    // --sloppy-imports: the fixtures import './checks.js' for tsc's sake; the file on disk is checks.ts.
    args: (script, job) => ['run', '--no-lock', '--no-config', '--sloppy-imports', '--allow-read', '--allow-net=127.0.0.1', script, job],
    env: () => ({ DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(tmp, 'deno-dir'), NO_COLOR: '1' }),
  },
  {
    name: 'bun',
    binary: join(repoRoot, 'node_modules/.bin/bun'),
    install: 'Bun is installed from npm as a devDependency: run `npm ci` (bun@1.4.5, postinstall approved in allowScripts)',
    args: (script, job) => [script, job],
    env: () => ({ DO_NOT_TRACK: '1', NO_COLOR: '1', BUN_INSTALL_CACHE_DIR: join(tmp, 'bun-cache') }),
  },
];

describe.each(runtimes)('$name', (rt) => {
  const entry = `dist/entry/${rt.name}.js`;
  type Report = RuntimeReport & { runtime: string };
  let running: Promise<Report> | undefined;
  /** Runs the runtime once; every test awaits it, so a failure fails each test with its message (no silent skips). */
  const report = (): Promise<Report> => (running ??= runSmoke());

  async function runSmoke(): Promise<Report> {
    await ready;
    if (!existsSync(rt.binary)) throw new Error(`${rt.binary} is missing. ${rt.install}`);
    if (!existsSync(join(repoRoot, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
    const job: RuntimeJob & { entry: string; defaultModule: string } = {
      jobs: routing.jobs,
      env: endpoints!.env,
      tlsCa: true,
      prefix: `${rt.name}:`,
      entry: pathToFileURL(join(repoRoot, entry)).href,
      defaultModule: pathToFileURL(join(repoRoot, 'dist/transport/default.js')).href,
    };
    const jobFile = join(tmp, `${rt.name}-job.json`);
    await writeFile(jobFile, JSON.stringify(job));
    const result = await run(rt.binary, rt.args('test/runtimes/smoke.ts', jobFile), rt.env(), 90_000);
    const line = result.stdout.split('\n').find((l) => l.startsWith('SMOKE_REPORT '));
    if (result.code !== 0 || !line) {
      throw new Error(`${rt.name} exited with ${result.code}${line ? '' : ' and printed no report'}\nstdout: ${result.stdout.slice(0, 4000)}\nstderr: ${result.stderr.slice(0, 4000)}`);
    }
    return JSON.parse(line.slice('SMOKE_REPORT '.length)) as Report;
  }

  it(`is what the exports map gives the "${rt.name}" condition; its graph imports no bare packages`, async () => {
    expect(exportsMap()[rt.name]).toBe(`./${entry}`);
    const keys = Object.keys(exportsMap());
    // Conditions match in order: the runtime's own key must come before "node".
    expect(keys.indexOf(rt.name)).toBeLessThan(keys.indexOf('node'));
    const external = [...importGraph(entry).external.keys()];
    expect(external.every((s) => s.startsWith('node:')), external.join(', ')).toBe(true);
    expect((await report()).runtime.startsWith(`${rt.name} `)).toBe(true);
  }, RUN_TIMEOUT_MS);

  it('routes every vector file with the WASM engine, identically to Node', async () => {
    const { routes: got } = await report();
    expect(typeof got, String(got)).toBe('object');
    const routes = got as Exclude<RuntimeReport['routes'], string>;
    expect(routes.map((r) => r.file)).toEqual(Object.keys(routing.expected));
    expectSameRoutesAsNode(routes, routing.expected);
  }, RUN_TIMEOUT_MS);

  it(`its transport (${rt.name === 'deno' ? 'Deno.connect / connectTls' : 'Bun.connect'}) keeps the Connector contract against real sockets, TLS included`, async () => {
    const { transport, written } = await report();
    expectTransportContract(transport, written, endpoints);
  }, RUN_TIMEOUT_MS);

  it('Client: set / get / getMany against a real memcached through the default connector', async () => {
    const { memcached } = await report();
    expect(typeof memcached, String(memcached)).toBe('object');
    const p = `${rt.name}:`;
    expect(memcached).toEqual({
      engine: 'wasm',
      set: [true, true, true],
      get: 'alpha',
      getMany: { [`${p}a`]: 'alpha', [`${p}b`]: 'beta ☃', [`${p}c`]: 'gamma' },
      missing: null,
    });
  }, RUN_TIMEOUT_MS);

  it('PHP codecs read compressed PHP items (zlib and FastLZ)', async () => {
    const { php } = await report();
    expect(php).toEqual(PHP_EXPECTED);
  }, RUN_TIMEOUT_MS);
});

