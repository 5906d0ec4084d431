/**
 * The read-through workload's pure parts: key names, which keys a frontend serves, how a key
 * and an operation are picked, and how a cached value carries its version.
 */
import type { WorkloadConfig } from './config.js';

/** The memcached key of key index `i`. */
export function keyName(i: number): string {
  return `demo:item:${i}`;
}

/**
 * The key indexes frontend `id` serves: those ≡ id (mod frontends), hottest first.
 *
 * Each key has one home frontend (think sticky sessions). Frontends that share keys would see a
 * second, different race: during the ~retryInterval in which some frontends already use the
 * returning server and others still consider it down, a write by the latter is not stored
 * (offline) while the former's copy stays on the server. That is not Don's bug, and mixing it in
 * would blur the comparison; the frontends still share the servers, the failback lock and the
 * flushes.
 */
export function homeKeys(id: number, frontends: number, keys: number): number[] {
  const own: number[] = [];
  for (let i = id; i < keys; i += frontends) own.push(i);
  return own;
}

/** Picks keys and operations for one frontend, with a popularity skew (a few hot keys). */
export class KeyPicker {
  constructor(
    private readonly keys: readonly number[],
    private readonly workload: WorkloadConfig,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * A key not in `busy`, or undefined when several tries found only busy ones (see
   * {@link KeysInFlight} for what is busy for a read and for a write).
   */
  next(busy: { has(key: number): boolean }): number | undefined {
    for (let attempt = 0; attempt < 8; attempt++) {
      const rank = Math.floor(this.keys.length * Math.pow(this.random(), this.workload.skew));
      const key = this.keys[Math.min(rank, this.keys.length - 1)];
      if (!busy.has(key)) return key;
    }
    return undefined;
  }

  /** True when the next operation is a write. */
  isWrite(): boolean {
    return this.random() < this.workload.writeRatio;
  }
}

/**
 * The keys one frontend has operations in flight on: a read-write lock per key. Reads of a key
 * may overlap (concurrent requests for one hot key, as on any busy frontend: after a flush they
 * all miss together, the herd leases are for), but a write waits until its key is idle and
 * blocks reads of it, so the frontend's own read-fills and write-through can never overwrite
 * each other out of order: overlapping read-fills all load, and store, the same version.
 */
export class KeysInFlight {
  /** Operations in flight per key (absent when none). */
  private readonly count = new Map<number, number>();
  private readonly writing = new Set<number>();

  /** What a new operation must avoid: any key in use for a write, keys being written for a read. */
  busyFor(write: boolean): { has(key: number): boolean } {
    return write ? this.count : this.writing;
  }

  begin(key: number, write: boolean): void {
    this.count.set(key, (this.count.get(key) ?? 0) + 1);
    if (write) this.writing.add(key);
  }

  end(key: number, write: boolean): void {
    const left = (this.count.get(key) ?? 1) - 1;
    if (left === 0) this.count.delete(key);
    else this.count.set(key, left);
    if (write) this.writing.delete(key);
  }
}

/** What a cached value says about itself. */
export interface CachedVersion {
  version: number;
  /** Epoch ms when the frontend stored this copy: tells outage copies from later ones. */
  storedAt: number;
}

/** The cached value for `version`: `v<version>@<storedAt>|<padding>`. */
export function encodeValue(version: number, storedAt: number, padding: string): string {
  return `v${version}@${storedAt}|${padding}`;
}

/** Parses a cached value; undefined for anything the demo did not write. */
export function decodeValue(value: string): CachedVersion | undefined {
  const match = /^v(\d+)@(\d+)\|/.exec(value);
  return match ? { version: Number(match[1]), storedAt: Number(match[2]) } : undefined;
}
