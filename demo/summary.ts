/**
 * Turns what one policy's run observed (reads, client events, kill and restart times, flush
 * counts) into its row of the result: failback timings (outages.ts), stale reads sorted by the
 * kind of copy they returned, and chart markers.
 */
import { coldLoads } from './cold-loads.js';
import type { DemoConfig } from './config.js';
import type { ClientEventRecord, FrontendTotals } from './messages.js';
import type { Origin } from './origin.js';
import { failbackTimings, type Outage } from './outages.js';
import type { PolicyDefinition } from './policies.js';
import type { ReadLedger, StaleRead } from './reads.js';
import type { FailbackTiming, PolicyResult, StaleByCopy, TimelineMark } from './result.js';
import { keyName } from './workload.js';

/** Stale reads kept in detail in the result. */
const STALE_EXAMPLES = 20;

/** Everything a run observed. Times are epoch ms. */
export interface Observations {
  policy: PolicyDefinition;
  config: DemoConfig;
  /** `host:port` of the server that was killed. */
  victim: string;
  startedAt: number;
  durationMs: number;
  outages: Outage[];
  events: ClientEventRecord[];
  totals: FrontendTotals[];
  ledger: ReadLedger;
  origin: Origin;
  /** cmd_flush summed over every server, across the victim's restarts. */
  flushes: number;
}

/** The row of the result for one run. */
export function summarize(o: Observations): PolicyResult {
  const { policy, config, ledger, origin, events, outages, startedAt } = o;
  const failbacks = failbackTimings(events, outages, o.victim, config.frontends, startedAt);
  const copies = ledger.stale.map((read) => copyKind(read, outages, failbacks));
  const sum = (pick: (t: FrontendTotals) => number) => o.totals.reduce((n, t) => n + pick(t), 0);
  return {
    id: policy.id,
    label: policy.label,
    description: policy.description,
    failover: policy.failover,
    flush: policy.flush,
    readPath: policy.reads,
    reads: ledger.reads,
    hits: ledger.hits,
    hitRate: ledger.reads === 0 ? 0 : ledger.hits / ledger.reads,
    staleReads: ledger.stale.length,
    staleByCopy: tally(copies),
    staleExamples: ledger.stale.slice(0, STALE_EXAMPLES).map((read, i) => ({
      key: keyName(read.key),
      version: read.version,
      readAt: read.startedAt - startedAt,
      storedAt: read.storedAt - startedAt,
      supersededAt: read.supersededAt - startedAt,
      copy: copies[i],
    })),
    originLoads: origin.loads,
    coldLoads: coldLoads(origin.loadLog, events, outages, o.victim, config.coldWindowMs, startedAt + o.durationMs),
    originWrites: origin.writes,
    flushes: o.flushes,
    deletes: events.reduce((n, e) => n + (e.event === 'failback' ? e.deleted ?? 0 : 0), 0),
    failbacks,
    errors: sum((t) => t.errors),
    offlineSkips: sum((t) => t.offlineSkips),
    failovers: sum((t) => t.failovers),
    clientErrors: events.filter((e) => e.event === 'error').map((e) => `frontend ${e.frontend}: ${e.message ?? ''}`),
    unexpectedDowns: events
      .filter((e) => e.event === 'down' && e.server !== o.victim)
      .map((e) => `frontend ${e.frontend} marked ${e.server} down at ${((e.at - startedAt) / 1000).toFixed(2)} s: ${e.message ?? ''}`),
    marks: marks(o),
    series: ledger.series(Math.ceil(o.durationMs / config.bucketMs), copies),
    durationMs: o.durationMs,
  };
}

/**
 * Where the copy behind a stale read was written: during an outage (to a fallback server), after
 * a restart but before every frontend had failed the victim back, or at any other time.
 */
function copyKind(read: StaleRead, outages: readonly Outage[], failbacks: readonly FailbackTiming[]): keyof StaleByCopy {
  const i = outages.findIndex((o, j) => read.storedAt >= o.killedAt && read.storedAt < (outages[j + 1]?.killedAt ?? Infinity));
  if (i < 0) return 'other';
  if (read.storedAt < outages[i].restartedAt) return 'outage';
  // Until the last frontend's `up` (or, if one never came, until the next kill).
  if (read.storedAt <= outages[i].restartedAt + (failbacks[i].lastUpMs ?? Infinity)) return 'late';
  return 'other';
}

/** Counts stale reads per kind of copy. */
function tally(copies: readonly (keyof StaleByCopy)[]): StaleByCopy {
  const result: StaleByCopy = { outage: 0, late: 0, other: 0 };
  for (const copy of copies) result[copy]++;
  return result;
}

/** Chart markers: kills and restarts of the victim, and each frontend's down/up for it. */
function marks(o: Observations): TimelineMark[] {
  const out: TimelineMark[] = [];
  for (const outage of o.outages) out.push({ t: outage.killedAt - o.startedAt, kind: 'kill' }, { t: outage.restartedAt - o.startedAt, kind: 'restart' });
  for (const e of o.events) {
    if (e.server === o.victim && (e.event === 'down' || e.event === 'up')) out.push({ t: e.at - o.startedAt, kind: e.event, frontend: e.frontend });
  }
  return out.sort((a, b) => a.t - b.t);
}
