/**
 * The origin: the source of truth the cache fronts (a database, in real life). Every key has
 * a version; a write bumps it. It lives in the main process, so every frontend sees one
 * authoritative history, and remembers when each version was superseded so a read can be
 * judged stale after the fact.
 */
export class Origin {
  /** Current version per key index. */
  private readonly current: Int32Array;
  /** Per key: commit time (epoch ms) of each version, indexed by version. Version 1 exists from the start. */
  private readonly committed: number[][];
  /** Reads served to frontends after a cache miss. */
  loads = 0;
  /**
   * Every load, flattened 3 numbers each (key index, epoch ms, frontend number): which frontend
   * loaded which key when, so the loads right after a failback can be counted per key (cold-loads.ts).
   */
  readonly loadLog: number[] = [];
  /** Writes (version bumps). */
  writes = 0;

  constructor(keys: number, createdAt: number) {
    this.current = new Int32Array(keys).fill(1);
    this.committed = Array.from({ length: keys }, () => [0, createdAt]);
  }

  /** The current version of `key` (a cache miss of `frontend`, at `now`, loading from the source of truth). */
  load(key: number, now: number, frontend: number): number {
    this.check(key);
    this.loads++;
    this.loadLog.push(key, now, frontend);
    return this.current[key];
  }

  /** Bumps `key`'s version at `now`; returns the new version. */
  write(key: number, now: number): number {
    this.check(key);
    this.writes++;
    const version = ++this.current[key];
    this.committed[key][version] = now;
    return version;
  }

  /** When `version` of `key` was superseded by the next one (epoch ms), or undefined while current. */
  supersededAt(key: number, version: number): number | undefined {
    this.check(key);
    return this.committed[key][version + 1];
  }

  private check(key: number): void {
    if (!Number.isInteger(key) || key < 0 || key >= this.current.length) throw new RangeError(`no origin key ${key}`);
  }
}
