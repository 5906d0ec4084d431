import { sleep, type Clock } from '../clock.js';

/** The few commands the failback procedure needs on the returning server. */
export interface LockStore {
  get(key: string): Promise<string | undefined>;
  gets(key: string): Promise<{ value: string; cas: bigint } | undefined>;
  /** true when stored (the key did not exist). */
  add(key: string, value: string, ttl: number): Promise<boolean>;
  /** true STORED, false EXISTS, undefined NOT_FOUND. */
  cas(key: string, value: string, cas: bigint, ttl: number): Promise<boolean | undefined>;
  set(key: string, value: string, ttl: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
}

export interface FailbackPlan {
  store: LockStore;
  clock: Clock;
  /** Lock key for a Unix time in seconds. */
  lockKey: (unixSeconds: number) => string;
  /** Seconds the lock lives. */
  lockTtl: number;
  /** Milliseconds a follower waits for the leader before taking over. */
  waitTimeout: number;
  /**
   * Epoch ms of this frontend's last successful answer from the server before it failed. A
   * done-marker written after it belongs to this failure (even when this frontend noticed the
   * failure late, e.g. a timer delayed under load); an older one is a previous failback's.
   */
  failedAfter: number;
  /** Unique per attempt: identifies the leader in the lock and the marker. */
  token: string;
  /**
   * The leader's flush; resolves with the `host:port` of each server flushed. It must issue the
   * returning server's `flush_all` synchronously (before its first await) on the same connection
   * as `store`, so that the marker's `set` follows it in the same write.
   */
  flush: () => Promise<string[]>;
}

/** How this frontend took part. */
export interface FailbackOutcome {
  role: 'leader' | 'follower';
  /** Servers the leader flushed (empty for a follower). */
  flushed: string[];
}

/**
 * The marker outlives the lock (followers arrive up to retryInterval + waitTimeout late), and then
 * expires, so that a frontend idle towards the server since an earlier failback is not misled by it.
 */
const markerTtl = (lockTtl: number) => 2 * lockTtl;
/** How often a follower looks for the leader's marker. */
const POLL_MS = 50;

/** Key of the done-marker that goes with a lock key function. */
export function doneKey(lockKey: (unixSeconds: number) => string): string {
  return `${lockKey(0).replace(/\d+$/, '')}done`;
}

/**
 * The one-frontend failback (the 2006 thread's recipe, made safe):
 * 1. a done-marker written after this frontend's last good answer means the flush already happened;
 * 2. else `add` the minute's lock key; the winner is the leader, unless the marker appeared meanwhile
 *    or the previous minute's lock is still held (a failback straddling a minute boundary has one
 *    leader, not two);
 * 3. the leader flushes and then writes the done-marker (flush_all also removes the lock item, so
 *    the marker, not the lock, is what followers wait for);
 * 4. followers poll for the marker; when the leader vanished (no marker within waitTimeout), they
 *    take the lock over with `gets`/`cas`, so exactly one of them becomes the new leader.
 */
export async function runFailback(plan: FailbackPlan): Promise<FailbackOutcome> {
  const { store, clock } = plan;
  const marker = doneKey(plan.lockKey);
  const done = async () => {
    const value = await store.get(marker);
    return value !== undefined && Number(value.split(' ')[0]) >= plan.failedAfter;
  };
  const lead = async (): Promise<FailbackOutcome> => {
    // Issued in the same tick, flush_all and the marker's set leave in one write and memcached runs
    // them back to back: no other frontend can find the lock gone (flush_all removes it) and the
    // marker missing, and lead a second flush.
    const flushing = plan.flush();
    const marking = store.set(marker, `${clock.now()} ${plan.token}`, markerTtl(plan.lockTtl));
    let flushed: string[];
    try {
      flushed = await flushing;
    } catch (err) {
      await marking.catch(() => false);
      await store.delete(marker).catch(() => false);
      throw err;
    }
    await marking;
    return { role: 'leader', flushed };
  };

  if (await done()) return { role: 'follower', flushed: [] };
  const seconds = Math.floor(clock.now() / 1000);
  const key = plan.lockKey(seconds);
  const previous = plan.lockKey(seconds - 60);
  // The lock whose holder we end up waiting for, and the holder as first seen: a takeover must
  // replace that holder only, or two followers could take over one after the other.
  let contested = key;
  let seen: { cas: bigint } | undefined;
  if (await store.add(key, plan.token, plan.lockTtl)) {
    // The add also succeeds when a leader's flush_all just removed the lock: its marker was set
    // right behind the flush, so look again before leading a second flush.
    if (await done()) return { role: 'follower', flushed: [] };
    if (previous === key) return lead();
    seen = await store.gets(previous);
    if (seen === undefined) return lead();
    contested = previous;
  } else {
    seen = await store.gets(key);
  }

  const waitForMarker = async () => {
    const deadline = clock.now() + plan.waitTimeout;
    while (clock.now() < deadline) {
      if (await done()) return true;
      await sleep(clock, POLL_MS);
    }
    return done();
  };
  if (await waitForMarker()) return { role: 'follower', flushed: [] };
  // The leader vanished: take its lock over; exactly one follower's cas (or add) succeeds.
  const won = seen === undefined ? await store.add(contested, plan.token, plan.lockTtl) : await store.cas(contested, plan.token, seen.cas, plan.lockTtl);
  if (won) return lead();
  // Another follower took over: give it one more wait, then lead anyway rather than stay offline forever.
  if (await waitForMarker()) return { role: 'follower', flushed: [] };
  return lead();
}
