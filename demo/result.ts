/**
 * The demo's machine-readable result (`--json PATH`), also what the table and the charts are
 * drawn from. Times are milliseconds since the policy's workload started unless named `…At`
 * with epoch semantics.
 */
import type { FailoverPolicy, FlushPolicy } from 'failback';
import type { DemoConfig } from './config.js';
import type { PhpExchange } from './php-peer.js';
import type { PolicyId, ReadPath } from './policies.js';

/** Where the copy behind a stale read was written, which tells which mechanism let it live. */
export interface StaleByCopy {
  /**
   * Written while the victim was dead (between a kill and its restart) to a fallback server:
   * Don's stale copies.
   */
  outage: number;
  /**
   * Written after the victim was back but before every frontend had failed it back: a frontend
   * that had not probed it yet still failed over, after the leader's flush.
   */
  late: number;
  /** Written at any other time (should not happen). */
  other: number;
}

/** One stale read, in detail (times in ms since the workload started). */
export interface StaleExample {
  key: string;
  /** Version the read returned. */
  version: number;
  /** When the read began. */
  readAt: number;
  /** When the returned copy was stored (by the key's frontend). */
  storedAt: number;
  /** When the origin committed the next version. */
  supersededAt: number;
  /** Which kind of copy it was. */
  copy: keyof StaleByCopy;
}

/**
 * One failback of the victim, as the frontends saw it: their events from the kill up to the next
 * kill (see outages.ts), times from the restart's spawn.
 */
export interface FailbackTiming {
  /** When the restarted memcached was spawned (every later event of it comes after). */
  restartMs: number;
  /** When the demo's accept-poll first connected to it (frontends' probes may be earlier). */
  acceptMs: number;
  /** From the restart to the first frontend's `up` event (undefined when none came). */
  firstUpMs: number | undefined;
  /** From the restart to the last frontend's `up` event (undefined unless every frontend got one). */
  lastUpMs: number | undefined;
  /** Distinct frontends that reported `up`. */
  frontendsUp: number;
  /** Frontends that led this failback's lock-coordinated flush (exactly 1 after a restart). */
  leaders: number;
  /** Frontends that waited for the leader's flush. */
  followers: number;
  /** Frontends that needed no flush, only their journal's deletes (never after a restart). */
  alone: number;
  /** Frontends whose failback saw that the server had restarted. */
  restartsSeen: number;
  /** Keys the frontends deleted on failback (the `deleted` of their outcomes, summed). */
  deleted: number;
}

/** Origin loads right after the failbacks (the window is defined in cold-loads.ts). */
export interface ColdLoads {
  /** How long each frontend's window lasts after its `up`, at most (ms). */
  windowMs: number;
  /** Origin loads inside the windows, every failback. */
  loads: number;
  /** Distinct keys those loads were for, summed over the failbacks. */
  keys: number;
  /** loads / keys: 1 when each cold key was loaded once (0 when nothing was loaded). */
  loadsPerKey: number;
  /** The same, per failback. */
  perFailback: { loads: number; keys: number }[];
}

/** Something that happened on the timeline (drawn as markers on the charts). */
export interface TimelineMark {
  t: number;
  kind: 'kill' | 'restart' | 'down' | 'up';
  /** Frontend number, for `down` and `up`. */
  frontend?: number;
}

/** Per-bucket counts for the charts. */
export interface Series {
  bucketMs: number;
  reads: number[];
  hits: number[];
  /** Stale reads per bucket, by the kind of copy they returned. */
  stale: Record<keyof StaleByCopy, number[]>;
}

/** One row of the comparison. */
export interface PolicyResult {
  id: PolicyId;
  label: string;
  description: string;
  failover: FailoverPolicy;
  flush: FlushPolicy;
  /** get-then-set, or `mc.fetch` with leases. */
  readPath: ReadPath;
  /** Reads that completed (a `get` that answered, hit or miss). */
  reads: number;
  hits: number;
  /** hits / reads. */
  hitRate: number;
  /** Reads that returned a version superseded more than `staleGraceMs` before the read began. */
  staleReads: number;
  staleByCopy: StaleByCopy;
  /** The first few stale reads, for diagnosis. */
  staleExamples: StaleExample[];
  /** Reads served by the origin after a miss. */
  originLoads: number;
  /** The origin loads right after each failback, per key: the stampede leases avoid. */
  coldLoads: ColdLoads;
  originWrites: number;
  /** `flush_all` commands all servers received (memcached's cmd_flush, summed across restarts). */
  flushes: number;
  /** Keys deleted on failback (every `failback` event's `deleted`, summed over every server). */
  deletes: number;
  failbacks: FailbackTiming[];
  /** Operations that threw (requests in flight when the victim was killed). */
  errors: number;
  /** Requests answered without I/O because their server was down (`offline`). */
  offlineSkips: number;
  /** Requests sent to a fallback or gutter server instead of the dead owner. */
  failovers: number;
  /** Client `error` events (failed failback attempts, callback errors). */
  clientErrors: string[];
  /** A server other than the victim marked down (a timeout on an overloaded machine): skews the row. */
  unexpectedDowns: string[];
  marks: TimelineMark[];
  series: Series;
  durationMs: number;
}

/** Whether the run shows what it is meant to show. */
export interface Verdict {
  /** PECL-style stale reads > 0, and none from outage copies under offline and cluster flush. */
  reproduced: boolean;
  /** Why not, or what else to know. */
  notes: string[];
}

/** Everything `--json` writes. */
export interface DemoResult {
  quick: boolean;
  /** ISO time the demo started. */
  startedAt: string;
  durationMs: number;
  memcached: string;
  config: DemoConfig;
  policies: PolicyResult[];
  verdict: Verdict;
  /** A real PHP frontend's exchange of values with failback on the same servers, or why it was skipped. */
  php: PhpExchange | { skipped: string };
  /** Pid of every process the demo started (memcached servers, frontends); all stopped by the time it exits. */
  pids: number[];
}
