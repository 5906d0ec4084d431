/**
 * The keys a frontend could leave stale on a server while it treated that server as down: writes
 * and deletes it skipped (offline) or lost (sent, no answer), and writes it sent to stand-in servers
 * (redistribute, gutter). On failback the frontend deletes each of them on the returning server,
 * where an older copy could resurface, and the stand-in copies where they were written, before the
 * buckets go online. Past `limit` keys it remembers only that it overflowed: then a lock-coordinated
 * flush replaces the replay.
 *
 * `Place` is where a key was written: the down server itself for skipped and lost writes, or a
 * stand-in. Pure bookkeeping, no I/O.
 */
export class KeyJournal<Place> {
  private readonly byPlace = new Map<Place, Set<string>>();
  private count = 0;
  private overflowed = false;

  constructor(private readonly limit: number) {}

  record(at: Place, key: string): void {
    if (this.overflowed) return;
    let keys = this.byPlace.get(at);
    if (!keys) this.byPlace.set(at, (keys = new Set()));
    if (keys.has(key)) return;
    if (++this.count > this.limit) {
      this.overflowed = true;
      this.byPlace.clear();
      return;
    }
    keys.add(key);
  }

  get empty(): boolean {
    return !this.overflowed && this.count === 0;
  }

  /** True once more keys than `limit` were recorded since the last `take`. */
  get overflow(): boolean {
    return this.overflowed;
  }

  /** Hands over what was recorded and starts afresh: the keys per place, or 'overflow'. */
  take(): Map<Place, Set<string>> | 'overflow' {
    const taken = this.overflowed ? 'overflow' : new Map(this.byPlace);
    this.clear();
    return taken;
  }

  /** Puts back what `take` handed over (its replay failed and is retried). */
  restore(taken: Map<Place, Set<string>> | 'overflow'): void {
    if (taken === 'overflow') {
      this.overflowed = true;
      this.byPlace.clear();
      return;
    }
    for (const [place, keys] of taken) for (const key of keys) this.record(place, key);
  }

  /** Forgets everything (the server was flushed: no stale copy is left to delete). */
  clear(): void {
    this.byPlace.clear();
    this.count = 0;
    this.overflowed = false;
  }
}
