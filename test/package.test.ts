/**
 * The published package, for real: `npm pack` → install the tarball (offline) into an empty
 * project → import `failback` as ESM from Node, Bun and Deno (each picks its export condition),
 * route with the WASM engine, set/get through the Client against a real memcached, and type-check
 * a consumer with the repo's tsc (NodeNext) — for a Node consumer and a browser consumer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MemcachedServer } from './support/memcached.js';
import { loadVectorFiles, routerOptionsFor } from './support/vectors.js';
import { exportsMap, repoRoot } from './runtimes/harness.js';

const exec = promisify(execFile);
const RUN_TIMEOUT_MS = 180_000;
const bin = (name: string) => join(repoRoot, 'node_modules/.bin', name);

/** The parent `npm test` exports npm_* settings; the nested npm must not inherit them. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { cwd, env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${e.message}\nstdout: ${e.stdout ?? ''}\nstderr: ${e.stderr ?? ''}`);
  }
}

/** The consumer program: the same file runs under Node, Bun and Deno. */
const MAIN = `
import { createRouter, Client } from 'failback';
import vectors from './vectors.json' with { type: 'json' };

const router = await createRouter({ ...vectors.options, engine: 'wasm' });
for (const i of vectors.down) router.setDown(i, true);
const routes = Array.from(router.routeMany(vectors.keys));
const client = new Client({ servers: [vectors.memcached] });
const key = 'pkg:' + (globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node');
const stored = await client.set(key, 'packed ✓');
const value = await client.get(key);
await client.close();
console.log(JSON.stringify({ resolved: import.meta.resolve('failback'), engine: router.engine, routes, stored, value }));
`;

/**
 * `failback/keyv` on its own (no 'failback' import): the store imports the package entry itself,
 * so the runtime's transport is registered; the same file runs under Node, Bun and Deno.
 */
const KEYV_MAIN = `
import { KeyvFailback } from 'failback/keyv';
import vectors from './vectors.json' with { type: 'json' };

const store = new KeyvFailback({ servers: [vectors.memcached] });
store.namespace = 'pkg-' + (globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node');
const stored = await store.set('k', '{"value":"keyv ✓"}', 60000);
const value = await store.get('k');
await store.clear();
const cleared = await store.get('k');
await store.disconnect();
console.log(JSON.stringify({ resolved: import.meta.resolve('failback/keyv'), stored, value, cleared: cleared === undefined }));
`;

/** Type-checked with strict NodeNext; @ts-expect-error proves the types are real (not any). */
const CONSUMER_TS = `
import { createRouter, Client, MemcacheError, InvalidOptionError, type Router, type RouterOptions, type Connector } from 'failback';
import { KeyvFailback } from 'failback/keyv';

const options: RouterOptions = { servers: ['127.0.0.1:11211', { host: '127.0.0.2', port: 11211, weight: 2 }], distribution: 'ketama' };
const router: Router = await createRouter(options);
const index: number = router.route('key');
const many: Int32Array = router.routeMany(['a', new Uint8Array([1])]);
const engine: 'wasm' | 'js' = router.engine;
// @ts-expect-error distribution names are checked
await createRouter({ servers: [], distribution: 'nope' });

const client = new Client({ servers: ['127.0.0.1:11211'], connectTimeout: 500 });
const stored: boolean = await client.set('k', 'v');
const value: string | undefined = await client.get('k');
const values: Map<string, string> = await client.getMany(['k']);
// @ts-expect-error get returns string | undefined with the default codec
const wrong: number | undefined = await client.get('k');
await client.close();

const store = new KeyvFailback(client);
const fromStore: Promise<string | undefined> = store.get('k');
// @ts-expect-error the store takes a Client or a Client's options
new KeyvFailback({ server: 'x' });

const mine: Connector | undefined = undefined;
function describe(err: unknown): string {
  if (err instanceof InvalidOptionError) return err.option;
  return err instanceof MemcacheError ? err.code : String(err);
}
export { index, many, engine, stored, value, values, wrong, mine, describe, fromStore };
`;

interface Packed {
  tarball: string;
  files: string[];
  app: string;
  memcached: MemcachedServer;
  expected: number[];
}

let tmp: string | undefined;
let memcached: MemcachedServer | undefined;
let packing: Promise<Packed> | undefined;
/** Packs and installs once; every test awaits it, so a failure fails each test with its message (no silent skips). */
const packed = (): Promise<Packed> => (packing ??= packAndInstall());

async function packAndInstall(): Promise<Packed> {
  if (!existsSync(join(repoRoot, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  tmp = await mkdtemp(join(tmpdir(), 'failback-pack-'));
  const cache = join(tmp, 'npm-cache');
  // --ignore-scripts: npm test has just built dist/ (prepack would rebuild it, twice the time).
  const out = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp, '--cache', cache], repoRoot);
  const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const tarball = join(tmp, info[0].filename);

  const app = join(tmp, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  await sh('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--cache', cache], app);

  memcached = await MemcachedServer.start();
  const v = loadVectorFiles()[0];
  const keys = v.vectors.map(([k]) => k);
  await writeFile(
    join(app, 'vectors.json'),
    JSON.stringify({ file: v.file, options: routerOptionsFor(v), down: v.down ?? [], keys, memcached: memcached.address }),
  );
  await writeFile(join(app, 'main.mjs'), MAIN);
  await writeFile(join(app, 'keyv.mjs'), KEYV_MAIN);
  await writeFile(join(app, 'consumer.ts'), CONSUMER_TS);
  return { tarball, files: info[0].files.map((f) => f.path), app, memcached, expected: v.vectors.map(([, s]) => s) };
}

afterAll(async () => {
  await memcached?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

interface MainOutput {
  resolved: string;
  engine: string;
  routes: number[];
  stored: boolean;
  value: string;
}

function parseMain(stdout: string): MainOutput {
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as MainOutput;
}

describe('npm pack → install the tarball into an empty project', () => {
  it('ships dist/, build/core.wasm and every exports target, and no sources, tests, demo or dev tools', async () => {
    const { files, app } = await packed();
    for (const target of [...Object.values(exportsMap()), ...Object.values(exportsMap('./keyv'))]) {
      expect(files, target).toContain(target.replace(/^\.\//, ''));
      expect(existsSync(join(app, 'node_modules/failback', target)), target).toBe(true);
    }
    expect(files).toContain('build/core.wasm');
    expect(files).toContain('package.json');
    expect(files.filter((f) => /^(bindings|test|assembly|scripts|bench|demo|tools|node_modules)\//.test(f))).toEqual([]);
    // The demo and the memcached helper compile to build/ (not published); only the WASM core ships from there.
    expect(files.filter((f) => f.startsWith('build/'))).toEqual(['build/core.wasm']);
    expect(files.filter((f) => /^dist\/demo\//.test(f))).toEqual([]);
  }, RUN_TIMEOUT_MS);

  it('Node: import "failback" resolves the node entry; createRouter runs WASM and routes like the recording; Client set/get works', async () => {
    const { app, expected } = await packed();
    const out = parseMain(await sh(process.execPath, ['main.mjs'], app));
    expect(out.resolved).toMatch(/\/node_modules\/failback\/dist\/entry\/node\.js$/);
    expect(out.engine).toBe('wasm');
    expect(out.routes).toEqual(expected);
    expect([out.stored, out.value]).toEqual([true, 'packed ✓']);
  }, RUN_TIMEOUT_MS);

  it('Bun: import "failback" resolves the bun entry (WASM routing, Client over Bun.connect)', async () => {
    const { app, expected } = await packed();
    if (!existsSync(bin('bun'))) throw new Error('node_modules/.bin/bun is missing: run `npm ci` (bun is a devDependency)');
    const out = parseMain(await sh(bin('bun'), ['main.mjs'], app, cleanEnv({ DO_NOT_TRACK: '1' })));
    expect(out.resolved).toMatch(/\/node_modules\/failback\/dist\/entry\/bun\.js$/);
    expect(out.engine).toBe('wasm');
    expect(out.routes).toEqual(expected);
    expect([out.stored, out.value]).toEqual([true, 'packed ✓']);
  }, RUN_TIMEOUT_MS);

  it('Deno: import "failback" resolves the deno entry; works with --allow-read and, with the inlined WASM, without it', async () => {
    const { app, expected } = await packed();
    if (!existsSync(bin('deno'))) throw new Error('node_modules/.bin/deno is missing: run `npm ci` (deno is a devDependency)');
    const env = cleanEnv({ DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(tmp!, 'deno-dir') });
    for (const read of [['--allow-read'], []]) {
      const out = parseMain(await sh(bin('deno'), ['run', '--no-lock', ...read, '--allow-net=127.0.0.1', 'main.mjs'], app, env));
      expect(out.resolved).toMatch(/\/node_modules\/failback\/dist\/entry\/deno\.js$/);
      expect(out.engine).toBe('wasm');
      expect(out.routes).toEqual(expected);
      expect([out.stored, out.value]).toEqual([true, 'packed ✓']);
    }
  }, RUN_TIMEOUT_MS);

  it('failback/keyv alone resolves to dist/stores/keyv.js under Node, Bun and Deno, and the store works against memcached', async () => {
    const { app } = await packed();
    const runs: [string, string, string[], NodeJS.ProcessEnv][] = [
      ['node', process.execPath, ['keyv.mjs'], cleanEnv()],
      ['bun', bin('bun'), ['keyv.mjs'], cleanEnv({ DO_NOT_TRACK: '1' })],
      ['deno', bin('deno'), ['run', '--no-lock', '--allow-read', '--allow-net=127.0.0.1', 'keyv.mjs'], cleanEnv({ DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(tmp!, 'deno-dir') })],
    ];
    // Every runtime runs, and each one's outcome is reported, before any failure fails the test.
    const outcomes = await Promise.all(runs.map(async ([runtime, command, args, env]) => {
      try {
        const line = (await sh(command, args, app, env)).trim().split('\n').pop() ?? '';
        const out = JSON.parse(line) as { resolved: string; stored: boolean; value: string; cleared: boolean };
        return { runtime, resolved: /\/node_modules\/failback\/dist\/stores\/keyv\.js$/.test(out.resolved), results: [out.stored, out.value, out.cleared] };
      } catch (err) {
        return { runtime, error: (err as Error).message };
      }
    }));
    expect(outcomes).toEqual(runs.map(([runtime]) => ({ runtime, resolved: true, results: [true, '{"value":"keyv ✓"}', true] })));
  }, RUN_TIMEOUT_MS);

  it.each([
    ['a Node consumer (lib ES2022, @types/node)', { lib: ['ES2022'], types: ['node'], typeRoots: [join(repoRoot, 'node_modules/@types')] }],
    ['a browser consumer (lib ES2022 + DOM, no @types/node)', { lib: ['ES2022', 'DOM'], types: [] as string[] }],
  ])('type-checks %s with the repo tsc (strict, NodeNext, skipLibCheck off)', async (name, extra) => {
    const { app } = await packed();
    const config = join(app, `tsconfig.${name.includes('Node') ? 'node' : 'browser'}.json`);
    await writeFile(
      config,
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, ...extra },
        files: ['consumer.ts'],
      }),
    );
    await sh(bin('tsc'), ['-p', config], app);
  }, RUN_TIMEOUT_MS);
});
