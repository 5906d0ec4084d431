import type { ResolvedClientOptions } from '../options.js';
import { Connection } from '../connection/connection.js';
import { ConnectError, MemcacheError, TransportError } from '../errors.js';
import { runFailback, type DoneMarker, type FailbackOutcome, type LockStore } from '../health/failback-lock.js';
import { readServer, type ServerIdentity, type ServerReading } from '../health/identity.js';
import * as cmd from '../protocol/commands.js';
import type { Stats } from '../protocol/replies.js';
import type { Connector } from '../transport/transport.js';
import type { Cluster, ServerSlot } from './cluster.js';
import { deleteJournaled } from './journal-keys.js';
import { SharedSession, type Session } from './session.js';

/** Jitter keeps many frontends from probing (and racing for the lock) in lockstep. */
const JITTER = 0.1;
/** A restarted server answers already: probe it at once (a few ms of jitter). */
const RESTART_PROBE_MS = 20;
/** Attempts at each other server's flush under `failback.flush: 'cluster'`. */
const FLUSH_ATTEMPTS = 3;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What this frontend did to make a returning server safe. */
export interface RepairOutcome extends Omit<FailbackOutcome, 'role'> {
  /**
   * `leader` flushed (per `failback.flush`), `follower` waited for the leader's flush, `alone`:
   * no flush was needed (no restart, journal complete) and this frontend only deleted its own keys.
   */
  role: FailbackOutcome['role'] | 'alone';
  /** The server restarted during the outage (a new process, or younger than this client). */
  restarted: boolean;
  /** Keys this frontend deleted because it skipped or lost their writes, or wrote them elsewhere. */
  deleted: number;
  /** The memcached process failed back (`stats` pid and boot time); undefined for a proxy. */
  identity: ServerIdentity | undefined;
}

/** What recovery reports to the client as it brings a server back. */
export interface RecoveryListener {
  recovering(slot: ServerSlot): void;
  failedBack(slot: ServerSlot, outcome: RepairOutcome): void;
  /** Reconnect callbacks; awaited before the buckets go back online. */
  reconnected(slot: ServerSlot): Promise<void>;
  error(error: Error): void;
}

interface Attempt {
  started: number;
  probe?: Connection;
  session: Session;
}

/** The lock commands over the probe's own connection. */
function lockStore(conn: Connection): LockStore {
  return {
    get: async (key) => {
      const item = await conn.send(cmd.get(key));
      return item ? decoder.decode(item.value) : undefined;
    },
    gets: async (key) => {
      const item = await conn.send(cmd.gets(key));
      return item && item.cas !== undefined ? { value: decoder.decode(item.value), cas: item.cas } : undefined;
    },
    add: async (key, value, ttl) => (await conn.send(cmd.store('add', key, encoder.encode(value), 0, ttl))) === 'STORED',
    cas: async (key, value, unique, ttl) => {
      const status = await conn.send(cmd.cas(key, encoder.encode(value), 0, ttl, unique));
      return status === 'STORED' ? true : status === 'EXISTS' ? false : undefined;
    },
    set: async (key, value, ttl) => (await conn.send(cmd.store('set', key, encoder.encode(value), 0, ttl))) === 'STORED',
    delete: async (key) => (await conn.send(cmd.del(key))) === 'DELETED',
    flushAll: async () => void (await conn.send(cmd.flushAll())),
  };
}

/** `pid:bootTime`, as markers name a process. */
function identityText(reading: ServerReading): string {
  return reading.identity === undefined ? '-' : `${reading.identity.pid}:${reading.identity.bootTime}`;
}

/**
 * Brings down servers back: probes each off the request path (a fresh connection reading the
 * server's identity every `retryInterval`, jittered; at once after a restart) and, when one
 * answers, repairs it before any request of this client reaches it again: a lock-coordinated
 * flush where one is needed (a restart, a journal that overflowed, or the `server`/`cluster`
 * policies), then the deletes of every key this frontend may have left stale.
 */
export class Recovery {
  /** The next probe of each down server, and when it is due. */
  private readonly timers = new Map<ServerSlot, { handle: unknown; due: number }>();
  /**
   * Probes and failbacks under way: when each started, its probe connection and whose
   * connections it uses for the other servers (a token, too: a stale one stops quietly).
   */
  private readonly attempts = new Map<ServerSlot, Attempt>();
  private stopped = false;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly cluster: Cluster,
    private readonly connector: Connector,
    private readonly listener: RecoveryListener,
    /**
     * Timers die with the request that armed them (Workers): an attempt started by a timer would
     * run in a request that does not wait for it, and hang when that request ends. Then a probe
     * only becomes due, and the requests that meet the server run it (`runDue`).
     */
    private readonly requestDriven = false,
  ) {}

  /** Starts probing a server that just went down. */
  watch(slot: ServerSlot): void {
    if (this.stopped || this.timers.has(slot) || this.attempts.has(slot)) return;
    const base = slot.health.restarted ? RESTART_PROBE_MS : this.options.retryInterval;
    const jitter = 1 + (Math.random() * 2 - 1) * JITTER;
    const delay = Math.max(1, Math.round(base * jitter));
    const due = this.options.clock.now() + delay;
    if (this.requestDriven) {
      this.timers.set(slot, { handle: undefined, due });
      return;
    }
    const handle = this.options.clock.setTimeout(() => {
      this.timers.delete(slot);
      void this.attempt(slot);
    }, delay);
    this.timers.set(slot, { handle, due });
  }

  /**
   * Called when a request meets a down server: re-arms recovery if its timer or attempt was lost.
   * Runtimes may drop timers (Workers cancel a request's timers when it ends), and a server must
   * not stay offline for the rest of the process because of that.
   */
  nudge(slot: ServerSlot): void {
    if (this.stopped) return;
    const now = this.options.clock.now();
    const { retryInterval, connectTimeout, timeout, failback } = this.options;
    const timer = this.timers.get(slot);
    if (timer !== undefined && timer.handle !== undefined && now > timer.due + retryInterval) {
      this.options.clock.clearTimeout(timer.handle);
      this.timers.delete(slot);
    }
    const started = this.attempts.get(slot)?.started;
    // An attempt's own steps are bounded by these timeouts; far past them, its timers were lost.
    if (started !== undefined && now > started + connectTimeout + 8 * timeout + 2 * failback.waitTimeout + retryInterval) {
      this.attempts.delete(slot);
      slot.health.recoveryFailed();
    }
    if (slot.health.status === 'down') this.watch(slot);
  }

  /** Stops every probe, and ends the failbacks under way (client closed). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) if (timer.handle !== undefined) this.options.clock.clearTimeout(timer.handle);
    this.timers.clear();
    for (const attempt of this.attempts.values()) attempt.probe?.destroy();
    this.attempts.clear();
  }

  /**
   * Where timers die with the request that armed them (Workers): a request that meets a down
   * server whose probe is due runs the probe (and the failback) itself, over its own connections,
   * under its `waitUntil`. One attempt per server at a time. Returns the attempt, or undefined
   * when none was due.
   */
  runDue(slot: ServerSlot, session: Session): Promise<void> | undefined {
    if (this.stopped || this.attempts.has(slot) || slot.health.status !== 'down') return undefined;
    const timer = this.timers.get(slot);
    if (timer !== undefined) {
      if (this.options.clock.now() < timer.due) return undefined;
      if (timer.handle !== undefined) this.options.clock.clearTimeout(timer.handle);
      this.timers.delete(slot);
    }
    return this.attempt(slot, session);
  }

  private async attempt(slot: ServerSlot, session: Session = SharedSession): Promise<void> {
    const { host, port } = slot.address;
    const attempt: Attempt = { started: this.options.clock.now(), session };
    this.attempts.set(slot, attempt);
    // False once `nudge` gave this attempt up as lost (or the client closed): it then stops quietly.
    const current = () => !this.stopped && this.attempts.get(slot) === attempt;
    const retry = () => {
      this.attempts.delete(slot);
      this.watch(slot);
    };
    const probe = new Connection({
      host, port, connector: this.connector, tls: this.options.tls,
      connectTimeout: this.options.connectTimeout, timeout: this.options.timeout, maxQueue: 1024,
    });
    attempt.probe = probe;
    let reading: ServerReading;
    try {
      // A proxy may answer `stats` with an error: it is then a server without identity.
      reading = !this.options.serverIdentity ? readServer((await probe.send(cmd.version()), new Map())) : readServer(await probe.send(cmd.stats()).catch((err: unknown) => {
        if (err instanceof MemcacheError && !(err instanceof TransportError)) return new Map() as Stats;
        throw err;
      }));
    } catch {
      probe.destroy();
      if (current()) retry();
      return;
    }
    if (!current()) return probe.destroy();
    const health = slot.health;
    try {
      const now = this.options.clock.now();
      health.observe(reading, now, now - this.cluster.born);
      health.beginRecovery();
      this.listener.recovering(slot);
      const outcome = await this.repair(slot, probe, reading);
      if (!current()) return probe.destroy();
      this.listener.failedBack(slot, outcome);
      await this.listener.reconnected(slot);
      // Writes skipped while the callbacks ran are journaled too: delete them, and go online in
      // the same turn as the check that found the journal empty.
      while (!health.journal.empty) await this.replay(slot, probe, outcome);
      if (!current()) return probe.destroy();
      this.attempts.delete(slot);
      // The new connection first, so that a request made from an 'up' listener uses it.
      slot.renewConnection();
      health.recovered(reading.identity, outcome.epoch, this.options.clock.now());
      void probe.close();
    } catch (err) {
      probe.destroy();
      if (!current()) return;
      health.recoveryFailed();
      if (!(err instanceof ConnectError)) {
        this.listener.error(err instanceof MemcacheError ? err : new MemcacheError('ERR_FAILBACK', `failback of ${host}:${port} failed: ${String(err)}`, { cause: err }));
      }
      retry();
    }
  }

  /**
   * Makes the returning server safe for this frontend: the lock-coordinated flush where one is
   * needed (a restart, or the `server`/`cluster`/`none` policies), then the deletes of its journal.
   */
  private async repair(slot: ServerSlot, probe: Connection, reading: ServerReading): Promise<RepairOutcome> {
    const health = slot.health;
    const policy = this.options.failback.flush;
    const restarted = health.restarted;
    const coordinated = policy !== 'journal' || restarted ? await this.failback(slot, probe, reading) : undefined;
    if (policy === 'none') health.journal.clear();
    const outcome: RepairOutcome = {
      role: coordinated?.role ?? 'alone', flushed: coordinated?.flushed ?? [], epoch: coordinated?.epoch ?? health.epoch,
      restarted, deleted: 0, identity: reading.identity,
    };
    while (!health.journal.empty) await this.replay(slot, probe, outcome);
    return outcome;
  }

  /**
   * Deletes the journaled keys where an older copy can resurface: on the returning server (every
   * key, stand-in writes included: another frontend may have written an older value there since)
   * and on the stand-in each was written to; rejects if a delete failed. A journal that overflowed
   * names no keys: this frontend then flushes the server itself (a flush another frontend led
   * earlier does not cover writes it skipped since), and under 'cluster' the others too.
   */
  private async replay(slot: ServerSlot, probe: Connection, outcome: RepairOutcome): Promise<void> {
    const journal = slot.health.journal.take();
    try {
      await this.repairJournal(slot, probe, outcome, journal);
    } catch (err) {
      slot.health.journal.restore(journal);
      throw err;
    }
  }

  private async repairJournal(slot: ServerSlot, probe: Connection, outcome: RepairOutcome, journal: Map<ServerSlot, Set<string>> | 'overflow'): Promise<void> {
    if (journal === 'overflow') {
      await probe.send(cmd.flushAll());
      const others = this.options.failback.flush === 'cluster' ? await this.flushOthers(slot) : [];
      outcome.role = 'leader';
      outcome.flushed = [slot.address.name, ...others];
      return;
    }
    const work: Promise<unknown>[] = [];
    const keys = new Set<string>();
    for (const [place, placed] of journal) {
      for (const key of placed) {
        keys.add(key);
        if (place !== slot) work.push(this.sessionOf(slot).connection(place).send(deleteJournaled(key)));
      }
    }
    for (const key of keys) work.push(probe.send(deleteJournaled(key)));
    const failed = (await Promise.allSettled(work)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      throw new MemcacheError('ERR_FAILBACK', `${failed.length} of ${work.length} deletes of keys ${slot.address.name} may hold stale failed; the failback is retried`, { cause: failed[0].reason });
    }
    outcome.deleted += keys.size;
  }

  /** The lock-coordinated flush (the thread's recipe) on the probe's connection. */
  private failback(slot: ServerSlot, probe: Connection, reading: ServerReading): Promise<FailbackOutcome> {
    const health = slot.health;
    const { failback } = this.options;
    const identity = identityText(reading);
    const failedAt = health.failedAt ?? { epoch: health.epoch, serverSeconds: undefined };
    const restarted = health.restarted;
    const closes = (marker: DoneMarker): boolean => {
      // After a restart the new process is the epoch: any marker written on it was written after its start.
      if (restarted && identity !== '-') return marker.identity === identity;
      if (marker.identity !== identity) return false;
      return marker.epoch > failedAt.epoch && (failedAt.serverSeconds === undefined || marker.serverSeconds >= failedAt.serverSeconds);
    };
    return runFailback({
      store: lockStore(probe),
      clock: this.options.clock,
      lockKey: failback.lockKey,
      lockTtl: failback.lockTtl,
      waitTimeout: failback.waitTimeout,
      serverSeconds: reading.time ?? Math.floor(this.options.clock.now() / 1000),
      server: slot.address.name,
      identity,
      closes,
      knownEpoch: restarted ? 0 : health.epoch,
      // A restarted process's every flush came after its start; otherwise one after the probe counts.
      flushedSince: async () => {
        const now = readServer(await probe.send(cmd.stats())).flushes;
        return now !== undefined && (restarted ? now >= 1 : reading.flushes !== undefined && now > reading.flushes);
      },
      token: `${slot.address.name}/${Math.random().toString(36).slice(2)}`,
      flushSelf: failback.flush !== 'none',
      flushOthers: () => (failback.flush === 'cluster' ? this.flushOthers(slot) : Promise.resolve([])),
    });
  }

  /** Whose connections the attempt on `slot` uses for the other servers. */
  private sessionOf(slot: ServerSlot): Session {
    return this.attempts.get(slot)?.session ?? SharedSession;
  }

  /** `flush_all` on every other up server, each retried; rejects when one still failed. */
  private async flushOthers(slot: ServerSlot): Promise<string[]> {
    const others = this.cluster.all().filter((s) => s !== slot && s.health.status === 'up');
    const results = await Promise.allSettled(others.map(async (s) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.sessionOf(slot).connection(s).send(cmd.flushAll());
          return s.address.name;
        } catch (err) {
          // A server that went down meanwhile is flushed by its own failback.
          if (s.health.status !== 'up') return undefined;
          if (attempt >= FLUSH_ATTEMPTS) throw err;
        }
      }
    }));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${others[i].address.name} (${String(r.reason)})`] : []));
    if (failed.length > 0) throw new MemcacheError('ERR_FAILBACK', `cluster flush: ${failed.join(', ')} could not be flushed; the failback is retried`);
    return results.flatMap((r) => (r.status === 'fulfilled' && r.value !== undefined ? [r.value] : []));
  }
}
