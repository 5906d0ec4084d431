/**
 * Node-side helpers for the runtime tests: the loopback endpoints of the transport checks, the
 * route jobs built from test/vectors with Node's own results, and the import graph of dist entries.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { createRouter } from '../../bindings/entry/node.js';
import { freePort, MemcachedServer } from '../support/memcached.js';
import { makeSelfSignedCertificate, type TestCertificate } from '../support/tls.js';
import { loadVectorFiles, routerOptionsFor } from '../support/vectors.js';
import { expect } from 'vitest';
import type { RouteJob, RouteResult, TransportEnv } from './checks.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A consumer's folder outside the repository, with failback linked as `node_modules/failback`
 * (as an installed dependency resolves it). The caller removes it.
 */
export async function linkedConsumer(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(dir, 'node_modules'));
  await symlink(repoRoot, join(dir, 'node_modules/failback'));
  return dir;
}

/** The package's `exports["."]` map. */
export function exportsMap(subpath = '.'): Record<string, string> {
  type Conditions = { [condition: string]: string | Conditions };
  const pkg = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { exports: Record<string, Conditions> };
  // Nested conditions ("require": { types, default }) flatten to "require.types", "require.default", in order.
  const flat: Record<string, string> = {};
  const walk = (conditions: Conditions, prefix: string) => {
    for (const [k, v] of Object.entries(conditions)) {
      if (typeof v === 'string') flat[prefix + k] = v;
      else walk(v, `${prefix}${k}.`);
    }
  };
  walk(pkg.exports[subpath], '');
  return flat;
}

/** Every vector file as a job, and what Node's WASM router answers for it (already checked against the recordings by vectors.test.ts). */
export async function routeJobsWithNodeResults(): Promise<{ jobs: RouteJob[]; expected: Record<string, number[]> }> {
  const jobs: RouteJob[] = [];
  const expected: Record<string, number[]> = {};
  for (const v of loadVectorFiles()) {
    const job: RouteJob = { file: v.file, options: routerOptionsFor(v), down: v.down ?? [], keys: v.vectors.map(([k]) => k) };
    const router = await createRouter({ ...job.options, engine: 'wasm' });
    if (router.engine !== 'wasm') throw new Error('the Node router did not run the WASM engine');
    for (const i of job.down) router.setDown(i, true);
    expected[v.file] = Array.from(router.routeMany(job.keys));
    jobs.push(job);
  }
  return { jobs, expected };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return address.port;
}

/** Everything the transport contract needs, on loopback; `close()` stops it all (by pid / handle). */
export interface Endpoints {
  env: TransportEnv;
  /** Bytes each connection to the stall server delivered, once it closed. */
  stallReceived: number[];
  close(): Promise<void>;
}

const STALL_MS = 1500;

export async function startEndpoints(options: { tls: boolean }): Promise<Endpoints> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  };
  const silent = createServer((s) => {
    track(s);
    s.resume();
  });
  const stallReceived: number[] = [];
  const stall = createServer((s) => {
    track(s);
    let bytes = 0;
    s.pause();
    s.on('data', (d: Buffer) => {
      bytes += d.length;
    });
    const timer = setTimeout(() => s.resume(), STALL_MS);
    s.once('close', () => {
      clearTimeout(timer);
      stallReceived.push(bytes);
    });
  });
  const [silentPort, stallPort, refusedPort] = [await listen(silent), await listen(stall), await freePort()];
  const memcached = await MemcachedServer.start();
  let cert: TestCertificate | undefined;
  let tlsServer: MemcachedServer | undefined;
  if (options.tls) {
    cert = await makeSelfSignedCertificate();
    tlsServer = await MemcachedServer.start({ args: ['-Z', '-o', `ssl_chain_cert=${cert.certPath},ssl_key=${cert.keyPath}`] });
  }
  return {
    env: {
      memcached: { host: memcached.host, port: memcached.port },
      refusedPort,
      silentPort,
      stallPort,
      ...(tlsServer && cert ? { tls: { port: tlsServer.port, ca: cert.cert } } : {}),
    },
    stallReceived,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise((r) => silent.close(r)),
        new Promise((r) => stall.close(r)),
        memcached.stop(),
        tlsServer?.stop(),
      ]);
      await cert?.remove();
    },
  };
}

/**
 * The static import graph of a dist module: every file reached through relative imports (static
 * and dynamic), plus every other specifier met (`node:…`, `cloudflare:…`, bare names).
 */
export function importGraph(entry: string): { files: string[]; external: Map<string, string[]> } {
  const files: string[] = [];
  const external = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    files.push(file);
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('./') || fileName.startsWith('../')) {
        const target = resolve(dirname(file), fileName);
        if (target.endsWith('.js')) visit(target);
        else files.push(target); // e.g. core.wasm
      } else {
        external.set(fileName, [...(external.get(fileName) ?? []), file]);
      }
    }
  };
  visit(resolve(repoRoot, entry));
  return { files: [...new Set(files)], external };
}

/** TS → JS for fixtures that run in runtimes without a TS loader (workerd, Chromium). */
export function transpile(path: string): string {
  return ts.transpileModule(readFileSync(resolve(repoRoot, path), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    fileName: path,
  }).outputText;
}

/** A runtime routed every vector file with the WASM engine, exactly as Node did. */
export function expectSameRoutesAsNode(routes: readonly RouteResult[], expected: Record<string, number[]>): void {
  expect(routes.map((r) => r.file)).toEqual(Object.keys(expected));
  for (const r of routes) {
    expect(r.engine, r.file).toBe('wasm');
    expect(r.routes, r.file).toEqual(expected[r.file]);
  }
}

/** Every transport check passed, and every byte written under backpressure reached the stall server. */
export function expectTransportContract(transport: Record<string, string>, written: number | undefined, endpoints: Endpoints | undefined): void {
  expect(Object.entries(transport).filter(([, v]) => v !== 'ok')).toEqual([]);
  expect(Object.keys(transport).length).toBeGreaterThanOrEqual(8);
  expect(endpoints?.stallReceived).toContain(written);
}

/** What every runtime's `phpValues` check must report (see checks.ts). */
export const PHP_EXPECTED = {
  memcached: ['decompressed', 'decompressed', { list: [1, 2.5, true, null], text: 'é' }],
  memcache: ['decompressed', ['x', 7], 42],
};
