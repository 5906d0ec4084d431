/**
 * One policy's run of Don's sequence with real processes: fresh memcached servers (a pool and a
 * gutter), frontends under load, the victim SIGKILLed and restarted twice, then the numbers.
 *
 * Why the sequence reproduces the 2006 bug: during the first outage, redistribute writes the
 * victim's keys to other servers; after the failback, writes go home again and those copies
 * fall behind; the second kill sends reads back to them while they are still alive.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DemoConfig } from './config.js';
import { Fleet } from './fleet.js';
import type { ClientEventRecord, FrontendConfig, FrontendTotals } from './messages.js';
import { Origin } from './origin.js';
import type { Outage } from './outages.js';
import type { PolicyDefinition } from './policies.js';
import { ReadLedger } from './reads.js';
import type { PolicyResult } from './result.js';
import { startServer, type MemcachedServer } from './servers.js';
import { flushCount } from './stats.js';
import { summarize } from './summary.js';

/** Milliseconds between read batches from each frontend. */
const REPORT_EVERY_MS = 100;

/** Runs `policy` on fresh servers; everything it started is stopped before it returns or throws. */
export async function runPolicy(policy: PolicyDefinition, config: DemoConfig, binary: string, signal: AbortSignal): Promise<PolicyResult> {
  const servers: MemcachedServer[] = [];
  try {
    // Push each server as it comes up, so a failure halfway still stops the ones that started.
    await Promise.all(Array.from({ length: config.servers + 1 }, async () => { servers.push(await startServer(binary)); }));
    return await runOn(policy, config, servers.slice(0, config.servers), servers[config.servers], signal);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Runs the timeline on servers already started: frontends up, two kills and restarts, frontends stopped. */
async function runOn(policy: PolicyDefinition, config: DemoConfig, pool: MemcachedServer[], gutter: MemcachedServer, signal: AbortSignal): Promise<PolicyResult> {
  const victim = pool[config.victim];
  const origin = new Origin(config.workload.keys, Date.now());
  const events: ClientEventRecord[] = [];
  let ledger: ReadLedger | undefined;
  const frontendConfigs = Array.from({ length: config.frontends }, (_, id): FrontendConfig => ({
    id,
    frontends: config.frontends,
    servers: pool.map((s) => s.address),
    gutter: [gutter.address],
    failover: policy.failover,
    flush: policy.flush,
    reads: policy.reads,
    gutterTtl: config.gutterTtl,
    retryInterval: config.retryInterval,
    timeout: config.timeout,
    reportEveryMs: REPORT_EVERY_MS,
    workload: config.workload,
  }));
  const fleet = await Fleet.start(frontendConfigs, origin, {
    reads: (samples) => ledger?.record(samples),
    event: (record) => events.push(record),
  });

  const outages: Outage[] = [];
  // memcached's counters die with the process: remember the victim's before each kill.
  let victimFlushesBeforeKills = 0;
  let totals: FrontendTotals[];
  const startedAt = Date.now();
  try {
    ledger = new ReadLedger(origin, startedAt, config.bucketMs, config.staleGraceMs);
    fleet.go();
    const { warmupMs, outageMs, gapMs, tailMs } = config.timeline;
    await delay(warmupMs, undefined, { signal });
    for (const pause of [gapMs, tailMs]) {
      victimFlushesBeforeKills += await flushCount(victim);
      const killedAt = Date.now();
      await victim.stop();
      await delay(outageMs, undefined, { signal });
      // Stamped at the spawn (nothing can have reached the new process before) and when the
      // accept-poll first connected (a frontend's own probe may have got there first).
      const restartedAt = Date.now();
      await victim.restart();
      outages.push({ killedAt, restartedAt, acceptedAt: Date.now() });
      await delay(pause, undefined, { signal });
    }
    totals = await fleet.stop();
  } finally {
    await fleet.kill(); // no-op after a clean stop; the abort and error path
  }
  const durationMs = Date.now() - startedAt;
  const counts = await Promise.all([...pool, gutter].map(flushCount));
  return summarize({
    policy, config, victim: victim.address, startedAt, durationMs,
    outages, events, totals, ledger, origin,
    flushes: victimFlushesBeforeKills + counts.reduce((a, b) => a + b, 0),
  });
}
