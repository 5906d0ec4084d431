/**
 * Run by test/runtime-deno-bun.test.ts under Deno and Bun:
 *   deno run --allow-read --allow-net=127.0.0.1 test/runtimes/smoke.ts <job.json>
 *   bun test/runtimes/smoke.ts <job.json>
 * The job names the package entry the exports map gives this runtime (dist/entry/deno.js or
 * dist/entry/bun.js); the report goes to stdout as one line starting with SMOKE_REPORT.
 */
import { readFile } from 'node:fs/promises';
import { runAll, type RuntimeJob } from './checks.js';

interface SmokeJob extends RuntimeJob {
  /** Absolute file URL of the entry under test. */
  entry: string;
  /** Absolute file URL of dist/transport/default.js (the same module instance the entry uses). */
  defaultModule: string;
}

const path = process.argv[2];
if (!path) throw new Error('usage: smoke.ts <job.json>');
const job = JSON.parse(await readFile(path, 'utf8')) as SmokeJob;
const pkg = (await import(job.entry)) as typeof import('../../bindings/index.js');
const { defaultConnector } = (await import(job.defaultModule)) as typeof import('../../bindings/transport/default.js');
const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
const runtime = g.Deno ? `deno ${g.Deno.version.deno}` : g.Bun ? `bun ${g.Bun.version}` : 'unknown';
const report = await runAll(pkg, defaultConnector, job);
console.log(`SMOKE_REPORT ${JSON.stringify({ runtime, ...report })}`);
