/**
 * `npm run demo`: Don MacAskill's 2006 stale-copy bug, reproduced with real memcached servers
 * and frontend processes, next to the failure policies that avoid it.
 *
 * stdout gets the report; progress goes to stderr. Every process the demo starts is stopped by
 * its pid on every way out (end, error, Ctrl-C).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { renderHtml } from './chart.js';
import { killAllNow, startedPids } from './children.js';
import { parseDemoArgs, USAGE, type DemoArgs } from './cli.js';
import { FULL_CONFIG, QUICK_CONFIG } from './config.js';
import { ensureMemcached, ensurePhp, MemcachedMissingError } from './install.js';
import { exchangeWithPhp } from './php-peer.js';
import { policy } from './policies.js';
import { renderReport } from './report.js';
import type { DemoResult, PolicyResult } from './result.js';
import { runPolicy } from './scenario.js';
import { startServer, type MemcachedServer } from './servers.js';
import { judge } from './verdict.js';

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function writeOutput(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

async function run(args: DemoArgs, signal: AbortSignal): Promise<void> {
  const memcached = await ensureMemcached(log);
  const config = args.quick ? QUICK_CONFIG : FULL_CONFIG;
  const startedAt = new Date();
  const rows: PolicyResult[] = [];
  for (const id of args.policies) {
    const definition = policy(id);
    log(`▶ ${definition.label}: ${config.servers} servers + gutter, ${config.frontends} frontends, server ${config.victim + 1} killed twice…`);
    const row = await runPolicy(definition, config, memcached, signal);
    log(`  ${row.reads} reads, ${row.staleReads} stale, hit rate ${(row.hitRate * 100).toFixed(1)}%, ${row.flushes} flushes`);
    rows.push(row);
  }
  const php = await phpFrontend(memcached, config.servers, log);
  const result: DemoResult = {
    quick: args.quick,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    memcached,
    config,
    policies: rows,
    verdict: judge(rows),
    php,
    pids: startedPids(),
  };
  process.stdout.write(`${renderReport(result)}\n`);
  await writeOutput(args.out, renderHtml(result));
  process.stdout.write(`\nHTML report: ${args.out}\n`);
  if (args.json !== undefined) {
    await writeOutput(args.json, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`JSON result: ${args.json}\n`);
  }
  log(`done in ${(result.durationMs / 1000).toFixed(1)} s`);
}

/** The PHP frontend's exchange with failback on fresh servers, or why it sat this run out. */
async function phpFrontend(binary: string, count: number, log: (line: string) => void): Promise<DemoResult['php']> {
  const missing = await ensurePhp(log);
  if (missing !== undefined) {
    log(`▶ PHP frontend skipped: ${missing}`);
    return { skipped: missing };
  }
  log(`▶ PHP frontend (PECL memcache) and failback exchanging values on ${count} servers…`);
  const servers: MemcachedServer[] = [];
  try {
    await Promise.all(Array.from({ length: count }, async () => { servers.push(await startServer(binary)); }));
    const exchange = await exchangeWithPhp(servers, 200);
    log(`  failback read ${exchange.failbackReadEqual}/${exchange.phpWrote} of PHP's values, PHP read ${exchange.phpReadEqual}/${exchange.failbackWrote} of failback's`);
    return exchange;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function main(): Promise<void> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (err) {
    log(`${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  // Last line of defence: whatever happens, no server or frontend outlives the demo.
  process.on('exit', () => { killAllNow(); });
  const controller = new AbortController();
  const interrupt = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: stop waiting for a graceful cleanup.
      killAllNow();
      process.exit(130);
    }
    log(`\n${signal}: stopping the servers and frontends the demo started…`);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  try {
    await run(args, controller.signal);
  } catch (err) {
    if (controller.signal.aborted) {
      log('interrupted.');
      process.exitCode = 130;
    } else if (err instanceof MemcachedMissingError) {
      log(err.message);
      process.exitCode = 1;
    } else {
      log(`demo failed: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
    }
  } finally {
    const left = killAllNow();
    if (left > 0) log(`stopped ${left} leftover process(es)`);
  }
}

await main();
