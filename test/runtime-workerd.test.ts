/**
 * failback inside Cloudflare's workerd (Miniflare API; RUNTIMES.md §2.2): the package's `workerd`
 * entry from dist/ with build/core.wasm as a CompiledWasm module, sockets from `cloudflare:sockets`
 * to real local memcached and loopback servers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Miniflare } from 'miniflare';
import type { RuntimeJob, RuntimeReport } from './runtimes/checks.js';
import { expectSameRoutesAsNode, expectTransportContract, exportsMap, importGraph, repoRoot, PHP_EXPECTED, routeJobsWithNodeResults, startEndpoints, transpile, type Endpoints } from './runtimes/harness.js';

const ENTRY = 'dist/entry/workerd.js';

let endpoints: Endpoints | undefined;
let mf: Miniflare | undefined;
let expected: Record<string, number[]>;
type Report = RuntimeReport & { userAgent: string };
let running: Promise<Report> | undefined;
/** Runs the worker once; every test awaits it, so a failure fails each test with its message (no silent skips). */
const report = (): Promise<Report> => (running ??= runWorker());

async function runWorker(): Promise<Report> {
  if (!existsSync(`${repoRoot}/${ENTRY}`) || !existsSync(`${repoRoot}/build/core.wasm`)) {
    throw new Error(`${ENTRY} or build/core.wasm is missing: run \`npm run build\` first (npm test does)`);
  }
  const graph = importGraph(ENTRY);
  const routing = await routeJobsWithNodeResults();
  expected = routing.expected;
  endpoints = await startEndpoints({ tls: true });

  const modules = graph.files.map((file) =>
    file.endsWith('.wasm')
      ? { type: 'CompiledWasm' as const, path: file, contents: readFileSync(file) }
      : { type: 'ESModule' as const, path: file, contents: readFileSync(file, 'utf8') },
  );
  // The fixtures name ../../bindings/ for type-checking; in workerd they run against the built dist/.
  const fixture = (name: string) => transpile(`test/runtimes/${name}.ts`).replaceAll("'../../bindings/", "'../../dist/");
  mf = new Miniflare({
    compatibilityDate: '2025-01-01',
    modulesRoot: repoRoot,
    modules: [
      { type: 'ESModule', path: `${repoRoot}/test/runtimes/worker.js`, contents: fixture('worker') },
      { type: 'ESModule', path: `${repoRoot}/test/runtimes/checks.js`, contents: fixture('checks') },
      ...modules,
    ],
  });
  const job: RuntimeJob = { jobs: routing.jobs, env: endpoints.env, tlsCa: false, prefix: 'workerd:' };
  const res = await mf.dispatchFetch('http://localhost/', { method: 'POST', body: JSON.stringify(job) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`the worker answered ${res.status}: ${text.slice(0, 2000)}`);
  return JSON.parse(text) as Report;
}

afterAll(async () => {
  await mf?.dispose();
  await endpoints?.close();
});

/** Miniflare start + one worker run, generous for a loaded CI box (about 3 s here). */
const RUN_TIMEOUT_MS = 120_000;

describe('workerd (Miniflare): the package\'s workerd entry', () => {
  it('is what the exports map gives the "workerd" condition, and its import graph has no node: builtins', () => {
    expect(exportsMap().workerd).toBe(`./${ENTRY}`);
    const graph = importGraph(ENTRY);
    expect([...graph.external.keys()]).toEqual(['cloudflare:sockets']);
    expect(graph.files.map((f) => relative(repoRoot, f))).toContain('build/core.wasm');
  }, RUN_TIMEOUT_MS);

  it('runs in workerd itself', async () => {
    expect((await report()).userAgent).toBe('Cloudflare-Workers');
  }, RUN_TIMEOUT_MS);

  it('routes every vector file with the WASM engine, identically to Node', async () => {
    const { routes: got } = await report();
    expect(typeof got, String(got)).toBe('object');
    const routes = got as Exclude<RuntimeReport['routes'], string>;
    expectSameRoutesAsNode(routes, expected);
  }, RUN_TIMEOUT_MS);

  it('cloudflare:sockets transport keeps the Connector contract against real sockets, TLS refusals included', async () => {
    const { transport, written } = await report();
    expectTransportContract(transport, written, endpoints);
  }, RUN_TIMEOUT_MS);

  it('Client: set / get / getMany against a real memcached through the default (cloudflare:sockets) connector', async () => {
    const { memcached } = await report();
    expect(typeof memcached, String(memcached)).toBe('object');
    expect(memcached).toEqual({
      engine: 'wasm',
      set: [true, true, true],
      get: 'alpha',
      getMany: { 'workerd:a': 'alpha', 'workerd:b': 'beta ☃', 'workerd:c': 'gamma' },
      missing: null,
    });
  }, RUN_TIMEOUT_MS);

  it('PHP codecs read compressed PHP items (DecompressionStream for zlib, the WASM core for FastLZ)', async () => {
    const { php } = await report();
    expect(php).toEqual(PHP_EXPECTED);
  }, RUN_TIMEOUT_MS);
});
