/**
 * The demo's knobs: how long each phase of Don's sequence lasts and how hard the frontends
 * push. Two presets: the full run (about 85 s) and `--quick` (about 45 s, for the smoke test).
 */

/**
 * One policy's run, phase by phase (Don's sequence, with real processes):
 * warm up → SIGKILL the victim → outage → restart → gap → SIGKILL again → outage → restart → tail.
 */
export interface Timeline {
  /** Milliseconds of normal traffic before the first kill (the cache fills up). */
  warmupMs: number;
  /** Milliseconds each outage lasts (kill → restart). */
  outageMs: number;
  /**
   * Milliseconds from the first restart to the second kill. Must exceed failback time plus
   * `gutterTtl` (+1 s of memcached's clock granularity) for the gutter row to show its TTL cap
   * working, and stay short enough that no copy written during the outage would expire on its
   * own (redistribute writes carry no TTL, so they never do here).
   */
  gapMs: number;
  /** Milliseconds of traffic after the second restart (failback plus some steady state). */
  tailMs: number;
}

/** What each frontend process does. */
export interface WorkloadConfig {
  /** Distinct keys, partitioned among the frontends (see frontend.ts for why). */
  keys: number;
  /** Operations in flight per frontend. */
  concurrency: number;
  /** Milliseconds each worker pauses between operations: keeps CPU sane on small machines. */
  thinkMs: number;
  /** Fraction of operations that are writes (origin update, then write-through `set`). */
  writeRatio: number;
  /** Popularity skew: key rank = n·u^skew for uniform u; 1 is uniform, higher is hotter. */
  skew: number;
  /** Bytes of padding in each cached value (so values look like real payloads). */
  valueBytes: number;
}

/** Everything one demo run needs besides the list of policies. */
export interface DemoConfig {
  /** Frontend processes (each its own OS process with its own Client). */
  frontends: number;
  /** memcached servers in the pool (a separate gutter server is started too). */
  servers: number;
  /** Which pool server gets killed and restarted (index into the pool). */
  victim: number;
  /** Client `retryInterval`, milliseconds between probes of a down server. */
  retryInterval: number;
  /**
   * Client `timeout` and `connectTimeout`, milliseconds. A SIGKILLed server is noticed by the
   * closed connection and the refused probe, not by a timeout, so this can be generous: it only
   * keeps a busy machine from marking a healthy server down.
   */
  timeout: number;
  /** Seconds: TTL cap of gutter writes in the gutter row. */
  gutterTtl: number;
  /**
   * A read counts as stale only when the version it returned was superseded at the origin more
   * than this many milliseconds before the read began: excludes the unavoidable in-flight race
   * between a write's origin update and its cache `set`.
   */
  staleGraceMs: number;
  /**
   * Milliseconds after each frontend's `up` during which its origin loads count as loads of the
   * cold server's keys (cold-loads.ts); cut short by the next kill or the run's end.
   */
  coldWindowMs: number;
  /** Width of one time bucket of the charts, milliseconds. */
  bucketMs: number;
  timeline: Timeline;
  workload: WorkloadConfig;
}

const WORKLOAD: WorkloadConfig = { keys: 1200, concurrency: 3, thinkMs: 6, writeRatio: 0.2, skew: 2, valueBytes: 100 };

/**
 * The full demo: 6 policies × 13 s of workload (about 85 s in all on a 2-core machine). The tail
 * leaves the second failback (up to a jittered `retryInterval` after the restart) over a second.
 */
export const FULL_CONFIG: DemoConfig = {
  frontends: 3,
  servers: 4,
  victim: 1,
  retryInterval: 1000,
  timeout: 2000,
  gutterTtl: 2,
  staleGraceMs: 100,
  coldWindowMs: 2000,
  bucketMs: 250,
  timeline: { warmupMs: 1500, outageMs: 2000, gapMs: 5000, tailMs: 2500 },
  workload: WORKLOAD,
};

/**
 * `--quick`: the same story in under 7 s per policy. Probes come twice as often, so failbacks
 * end within ~0.6 s of a restart: the gap still outlives the 1 s gutter TTL (+1 s of clock
 * granularity) after the last frontend's failback, and the tail still holds the second failback.
 */
export const QUICK_CONFIG: DemoConfig = {
  ...FULL_CONFIG,
  retryInterval: 500,
  gutterTtl: 1,
  timeline: { warmupMs: 700, outageMs: 1000, gapMs: 2800, tailMs: 1100 },
};
