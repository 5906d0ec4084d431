/**
 * Judges every read the frontends report against the origin's history: hit or miss, and for a
 * hit, whether the version it returned was already superseded (a stale read). Keeps per-bucket
 * counts for the charts and the stale reads themselves for classification afterwards.
 */
import { SAMPLE_WIDTH } from './messages.js';
import type { Origin } from './origin.js';
import type { Series, StaleByCopy } from './result.js';

/** A read that returned a superseded version. */
export interface StaleRead {
  key: number;
  version: number;
  /** Epoch ms the read began. */
  startedAt: number;
  /** Epoch ms the returned copy was stored by a frontend. */
  storedAt: number;
  /** Epoch ms the origin committed the next version. */
  supersededAt: number;
}

/** Read statistics for one policy's run. */
export class ReadLedger {
  reads = 0;
  hits = 0;
  readonly stale: StaleRead[] = [];
  private readonly buckets: { reads: number[]; hits: number[] } = { reads: [], hits: [] };

  /**
   * @param origin - the source of truth the reads are judged against
   * @param startedAt - epoch ms of the workload's start (bucket 0)
   * @param bucketMs - chart resolution
   * @param graceMs - a version superseded less than this before the read began is not stale yet
   *   (the write's origin update and its cache `set` are not atomic)
   */
  constructor(
    private readonly origin: Origin,
    private readonly startedAt: number,
    private readonly bucketMs: number,
    private readonly graceMs: number,
  ) {}

  /** Records a batch of samples (layout in messages.ts). */
  record(samples: readonly number[]): void {
    for (let i = 0; i + SAMPLE_WIDTH <= samples.length; i += SAMPLE_WIDTH) {
      const key = samples[i], version = samples[i + 1], startedAt = samples[i + 2], storedAt = samples[i + 3];
      const bucket = this.bucketOf(startedAt);
      this.count(this.buckets.reads, bucket);
      this.reads++;
      if (version < 0) continue;
      this.hits++;
      this.count(this.buckets.hits, bucket);
      const supersededAt = this.origin.supersededAt(key, version);
      if (supersededAt !== undefined && supersededAt < startedAt - this.graceMs) {
        this.stale.push({ key, version, startedAt, storedAt, supersededAt });
      }
    }
  }

  /**
   * Per-bucket counts, `buckets` long (zeros where nothing happened).
   * @param kinds - the kind of copy behind each of `stale`, in the same order
   */
  series(buckets: number, kinds: readonly (keyof StaleByCopy)[]): Series {
    const zeros = () => new Array<number>(buckets).fill(0);
    const dense = (sparse: number[]) => Array.from({ length: buckets }, (_, i) => sparse[i] ?? 0);
    const stale: Record<keyof StaleByCopy, number[]> = { outage: zeros(), late: zeros(), other: zeros() };
    this.stale.forEach((read, i) => {
      const bucket = this.bucketOf(read.startedAt);
      if (bucket < buckets) stale[kinds[i]][bucket]++;
    });
    return { bucketMs: this.bucketMs, reads: dense(this.buckets.reads), hits: dense(this.buckets.hits), stale };
  }

  private bucketOf(epochMs: number): number {
    return Math.max(0, Math.floor((epochMs - this.startedAt) / this.bucketMs));
  }

  private count(counts: number[], bucket: number): void {
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  }
}
