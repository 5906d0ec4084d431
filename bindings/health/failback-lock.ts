import { sleep, type Clock } from '../clock.js';
import { TransportError } from '../errors.js';

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
  flushAll(): Promise<void>;
}

/**
 * The done-marker: "the failback numbered `epoch` of this server is done, every flush included".
 * Frontends compare epochs, never their own clocks; the server's clock and identity ride along so
 * that a marker from an earlier failback, or from before a restart, is never taken for this one.
 */
export interface DoneMarker {
  /** Failbacks of this server so far (1, 2, …), counted on the server itself. */
  epoch: number;
  /** The server's clock (Unix s) when the leader flushed. */
  serverSeconds: number;
  /** `pid:bootTime` of the process that was flushed, or `-` when it has no identity (a proxy). */
  identity: string;
  /** The leader's token. */
  token: string;
}

export function formatMarker(m: DoneMarker): string {
  return `${m.epoch} ${m.serverSeconds} ${m.identity} ${m.token}`;
}

/** Parses a marker; anything else (a PHP frontend's value, an older failback's format) is none. */
export function parseMarker(value: string | undefined): DoneMarker | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,15}) (\d{1,15}) (\S+) (\S+)$/.exec(value);
  return m ? { epoch: Number(m[1]), serverSeconds: Number(m[2]), identity: m[3], token: m[4] } : undefined;
}

export interface FailbackPlan {
  store: LockStore;
  /** Local time, for waiting only: nothing compared across frontends comes from it. */
  clock: Clock;
  /** Lock key for a Unix time in seconds (the server's clock). */
  lockKey: (unixSeconds: number) => string;
  /** Seconds the lock lives (it also expires if a leader dies holding it). */
  lockTtl: number;
  /** Milliseconds a follower waits for the leader before taking over. */
  waitTimeout: number;
  /** The returning server's clock now (Unix s, from its `stats time`): the lock's minute. */
  serverSeconds: number;
  /** `host:port` of the returning server, as `flushed` names it. */
  server: string;
  /** `pid:bootTime` of the returning server (`-` when unknown). */
  identity: string;
  /** Whether a done-marker closes this frontend's failure (written after its knowledge stopped). */
  closes: (marker: DoneMarker) => boolean;
  /** The highest epoch this frontend knows: the leader's marker is numbered above it. */
  knownEpoch: number;
  /**
   * Whether the server's own flush counter (`stats cmd_flush`) shows that the returning server was
   * flushed since this frontend's failure began. memcached runs other connections' commands on
   * other threads, so an `add` can land between a leader's flush_all (which removes the lock)
   * and its marker; the counter tells such a frontend that the flush is done all the same.
   */
  flushedSince: () => Promise<boolean>;
  /** Unique per attempt: identifies the leader in the lock and the marker. */
  token: string;
  /** The leader flushes the returning server (false for `failback.flush: 'none'`). */
  flushSelf: boolean;
  /**
   * The leader's flushes of other servers (`'cluster'`), done before the returning server's own
   * flush and the marker: followers never go up before the last flush. Rejects when one failed
   * after its retries: the failback then fails, writes no marker, and is retried.
   */
  flushOthers: () => Promise<string[]>;
}

/** How this frontend took part. */
export interface FailbackOutcome {
  role: 'leader' | 'follower';
  /** Servers the leader flushed (empty for a follower). */
  flushed: string[];
  /** The epoch of the marker written or honoured. */
  epoch: number;
}

/** How often a follower looks for the leader's marker. */
const POLL_MS = 50;

/** Key of the done-marker that goes with a lock key function. */
export function doneKey(lockKey: (unixSeconds: number) => string): string {
  return `${lockKey(0).replace(/\d+$/, '')}done`;
}

/**
 * The one-frontend failback (the 2006 thread's recipe, made safe):
 * 1. a done-marker that closes this frontend's failure means the flush already happened;
 * 2. else `add` the minute's lock key (the server's minute); the winner is the leader, unless the
 *    marker appeared meanwhile or the previous minute's lock is still held (a failback straddling
 *    a minute boundary has one leader, not two);
 * 3. the leader flushes the other servers (if any), then the returning server, then writes the
 *    marker, numbered one above every epoch it knows;
 * 4. followers poll for the marker; when the leader vanished (no marker within waitTimeout), they
 *    take the lock over with `gets`/`cas`, so exactly one of them becomes the new leader.
 * Every lock this frontend added and did not lose to a flush is removed before it returns, so a
 * later outage never waits on a lock nobody works under.
 */
export async function runFailback(plan: FailbackPlan): Promise<FailbackOutcome> {
  const { store, clock } = plan;
  const markerKey = doneKey(plan.lockKey);
  let latest = plan.knownEpoch;
  const done = async (): Promise<DoneMarker | undefined> => {
    const marker = parseMarker(await store.get(markerKey));
    if (marker === undefined) return undefined;
    latest = Math.max(latest, marker.epoch);
    return plan.closes(marker) ? marker : undefined;
  };
  /** Locks this frontend holds (added or taken over). */
  const held = new Set<string>();
  const release = async () => {
    // Remove only our own lock: gets, then a cas that expires it at once (memcached treats a
    // negative exptime as already expired), so a lock another frontend added since stays.
    for (const key of held) {
      const lock = await store.gets(key).catch(() => undefined);
      if (lock?.value === plan.token) await store.cas(key, plan.token, lock.cas, -1).catch(() => undefined);
    }
    held.clear();
  };
  const follow = async (marker: DoneMarker): Promise<FailbackOutcome> => {
    await release();
    return { role: 'follower', flushed: [], epoch: marker.epoch };
  };
  /** True while one of our locks still holds our token (a stalled leader may have been taken over). */
  const stillHeld = async () => {
    for (const key of held) if ((await store.gets(key))?.value === plan.token) return true;
    return false;
  };
  /**
   * Leads the flush. Unless `forced`, it first checks that the lock is still ours: a leader whose
   * process stalled past waitTimeout has been taken over, and the new leader flushes instead.
   */
  const lead = async (forced = false): Promise<FailbackOutcome> => {
    if (!forced && !(await stillHeld())) return afterWait();
    const flushed = await plan.flushOthers();
    if (!forced && flushed.length > 0 && !(await stillHeld())) return afterWait();
    const marker: DoneMarker = { epoch: latest + 1, serverSeconds: plan.serverSeconds, identity: plan.identity, token: plan.token };
    // Issued in the same tick, flush_all and the marker's set leave in one write and memcached runs
    // them back to back: no other frontend can find the lock gone (flush_all removes it) and the
    // marker missing, and lead a second flush. The marker never expires: its epoch is the count.
    const flushing = plan.flushSelf ? store.flushAll() : undefined;
    const marking = store.set(markerKey, formatMarker(marker), 0);
    try {
      await flushing;
    } catch (err) {
      await marking.catch(() => false);
      // Only a refusal (an error answer) proves flush_all did not run; after a lost answer it may
      // have, and the marker behind it on the same connection then tells the truth.
      if (!(err instanceof TransportError)) await store.delete(markerKey).catch(() => false);
      throw err;
    }
    await marking;
    if (flushing === undefined) await release();
    return { role: 'leader', flushed: plan.flushSelf ? [plan.server, ...flushed] : flushed, epoch: marker.epoch };
  };

  const waitForMarker = async () => {
    const deadline = clock.now() + plan.waitTimeout;
    let found: DoneMarker | undefined;
    while (clock.now() < deadline) {
      if ((found = await done())) return found;
      await sleep(clock, POLL_MS);
    }
    return done();
  };
  /** The counter says another leader's flush is done: its marker follows (its epoch is wanted). */
  const followFlush = async (): Promise<FailbackOutcome> => follow((await waitForMarker()) ?? { epoch: latest + 1, serverSeconds: plan.serverSeconds, identity: plan.identity, token: '' });

  /** Another frontend leads (or took over): give it one more wait, then lead anyway rather than stay offline forever. */
  const afterWait = async (): Promise<FailbackOutcome> => {
    const found = await waitForMarker();
    if (found) return follow(found);
    return (await plan.flushedSince()) ? followFlush() : lead(true);
  };

  let marker = await done();
  if (marker) return follow(marker);
  const key = plan.lockKey(plan.serverSeconds);
  const previous = plan.lockKey(plan.serverSeconds - 60);
  // The lock whose holder we end up waiting for, and the holder as first seen: a takeover must
  // replace that holder only, or two followers could take over one after the other.
  let contested = key;
  let seen: { cas: bigint } | undefined;
  if (await store.add(key, plan.token, plan.lockTtl)) {
    held.add(key);
    // The add also succeeds when a leader's flush_all just removed the lock: its marker was set
    // right behind the flush, so look again before leading a second flush.
    if ((marker = await done())) return follow(marker);
    if (await plan.flushedSince()) return followFlush();
    if (previous === key) return lead();
    seen = await store.gets(previous);
    if (seen === undefined) return lead();
    contested = previous;
  } else {
    seen = await store.gets(key);
  }

  if ((marker = await waitForMarker())) return follow(marker);
  if (await plan.flushedSince()) return followFlush();
  // The leader vanished: take its lock over; exactly one follower's cas (or add) succeeds.
  let won = seen === undefined ? await store.add(contested, plan.token, plan.lockTtl) : await store.cas(contested, plan.token, seen.cas, plan.lockTtl);
  // The vanished leader's lock expired meanwhile: the key is free, and exactly one add wins it.
  if (won === undefined) won = await store.add(contested, plan.token, plan.lockTtl);
  if (won) {
    held.add(contested);
    // An add after NOT_FOUND also wins a key a new leader's flush just removed: look again.
    if ((marker = await done())) return follow(marker);
    return (await plan.flushedSince()) ? followFlush() : lead();
  }
  return afterWait();
}
