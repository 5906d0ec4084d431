// A consumer bundled with esbuild or Vite (Rollup) keeps the WASM core: the Node entry falls
// back to the inlined core when the bundle no longer sits beside build/core.wasm, and the
// browser entry inlines it. Each bundle runs from a folder outside the repository.
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { build as vite } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkedConsumer } from './runtimes/harness.js';
import { MemcachedServer } from './support/memcached.js';

const TIMEOUT = 120_000;
let dir: string;
let server: MemcachedServer;

beforeAll(async () => {
  server = await MemcachedServer.start();
  dir = await linkedConsumer('failback-bundle-');
  await writeFile(join(dir, 'app.mjs'), `
import { Client, createRouter } from 'failback';
const router = await createRouter({ servers: ['a:1', 'b:2', 'c:3'] });
const out = { engine: router.engine, route: router.route('user:1') };
if (process.env.MEMCACHED) {
  const mc = new Client({ servers: [process.env.MEMCACHED] });
  await mc.set('bundled', 'yes');
  out.value = await mc.get('bundled');
  await mc.close();
}
console.log(JSON.stringify(out));
`);
});
afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function runBundle(file: string, withServer: boolean): Promise<Record<string, unknown>> {
  const { code, out, err } = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(process.execPath, [file], { cwd: dir, timeout: 60_000, env: withServer ? { ...process.env, MEMCACHED: server.address } : { ...process.env, MEMCACHED: '' } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
  expect({ code, err }).toEqual({ code: 0, err: '' });
  return JSON.parse(out.trim()) as Record<string, unknown>;
}

describe('bundlers keep the WASM core', () => {
  it('esbuild, platform node: one file, WASM routing, Client over node:net', async () => {
    await esbuild({ entryPoints: [join(dir, 'app.mjs')], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'out/esbuild-node.mjs'), logLevel: 'silent', absWorkingDir: dir });
    expect(await runBundle(join(dir, 'out/esbuild-node.mjs'), true)).toMatchObject({ engine: 'wasm', value: 'yes' });
  }, TIMEOUT);

  it('esbuild, platform browser: the default entry, the core inlined', async () => {
    await esbuild({ entryPoints: [join(dir, 'app.mjs')], bundle: true, platform: 'browser', format: 'esm', outfile: join(dir, 'out/esbuild-browser.mjs'), logLevel: 'silent', absWorkingDir: dir, define: { 'process.env.MEMCACHED': '""' } });
    const code = await readFile(join(dir, 'out/esbuild-browser.mjs'), 'utf8');
    expect(code).not.toMatch(/from ["']node:/);
    expect(await runBundle(join(dir, 'out/esbuild-browser.mjs'), false)).toMatchObject({ engine: 'wasm' });
  }, TIMEOUT);

  it('Vite (Rollup), SSR build for Node: WASM routing, Client over node:net', async () => {
    await vite({
      root: dir, logLevel: 'silent', configFile: false,
      build: { ssr: join(dir, 'app.mjs'), outDir: join(dir, 'out/vite'), rollupOptions: { output: { entryFileNames: 'app.mjs' } } },
      ssr: { noExternal: ['failback'] },
    });
    expect(await runBundle(join(dir, 'out/vite/app.mjs'), true)).toMatchObject({ engine: 'wasm', value: 'yes' });
  }, TIMEOUT);
});
