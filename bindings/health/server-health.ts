/**
 * One server's health as this frontend sees it, and the only code that changes it: status,
 * identity, failure counting, counters and what the failback must repair. Plain data and
 * transitions, no I/O and no timers, so that one state can serve a long-lived pipelined connection
 * (Node) as well as per-request connections (Workers).
 */
import { CommandTimeoutError, ConnectError, ConnectTimeoutError, type TransportError } from '../errors.js';
import type { ServerAddress } from '../servers.js';
import { formatIdentity, sameIdentity, startedWithin, type ServerIdentity, type ServerReading } from './identity.js';
import { KeyJournal } from './key-journal.js';

/**
 * `up` → `down` (a hard failure, `failureLimit` soft ones in a row, or a restart) → `recovering`
 * (a probe answered; the failback runs) → `up` (repaired, callbacks run, buckets online).
 * A failed failback returns it to `down`.
 */
export type ServerStatus = 'up' | 'down' | 'recovering';
/** What `servers()` reports: a {@link ServerStatus}, or `unknown` for a server that has not answered or failed yet. */
export type ServerState = ServerStatus | 'unknown';

/**
 * `hard`: the server refused or dropped us (refused connect, reset, unexpected close, restart):
 * down at once. `soft`: it was slow (connect or command timeout): counted, down at the limit.
 */
export type FailureKind = 'hard' | 'soft';

/** The one decision of what a transport failure means for the server's health. */
export function failureKind(error: TransportError): FailureKind {
  return error instanceof CommandTimeoutError || error instanceof ConnectTimeoutError ? 'soft' : 'hard';
}

/** Per-server counters, as `client.servers()` reports them. */
export interface ServerCounters {
  /** Requests sent to this server (network). */
  requests: number;
  hits: number;
  misses: number;
  /** Requests answered at once, without I/O, because the server was down. */
  offlineSkips: number;
  /** Requests for this server's keys sent to another server (redistribute or gutter). */
  failovers: number;
  timeouts: number;
  /** Transport failures (refused, timeouts, unexpected close, restart). */
  failures: number;
  /** Restarts detected (a new pid or boot time, or a server younger than this client at first contact). */
  restarts: number;
  /** Completed failbacks (this frontend led or followed). */
  failbacks: number;
}

/** A snapshot of one server's state. */
export interface ServerInfo extends ServerAddress {
  index: number;
  /** `unknown` until the first answer or failure: routed to as up, but not known to be. */
  status: ServerState;
  /** Epoch ms when this frontend marked it down (undefined while up). */
  downSince: number | undefined;
  lastError: Error | undefined;
  /** The memcached process this frontend trusts (`stats` pid and boot time); undefined until read. */
  identity: ServerIdentity | undefined;
  counters: ServerCounters;
}

/** Where the state machine reports its transitions (the client's events, the routing bitmap). */
export interface HealthHooks {
  /** The server went down: its buckets must go offline now. */
  down(error: TransportError): void;
  /** The server is back and repaired: its buckets go online now. */
  up(): void;
}

/**
 * What the failback of the current outage must close: where this frontend's knowledge of the
 * server stopped. A done-marker counts only if it was written after that.
 */
export interface FailurePoint {
  /** The failback epoch (done-marker number) this frontend knew while in good contact. */
  epoch: number;
  /** The server's clock (Unix s) at this frontend's last good answer; undefined if never read. */
  serverSeconds: number | undefined;
}

/** Verdict of a `stats` reading against what this frontend knew. */
export type Observation = 'same' | 'first' | 'restart' | 'unknown';

export class ServerHealth<Place = unknown> {
  status: ServerStatus = 'up';
  downSince: number | undefined;
  lastError: Error | undefined;
  /** The memcached process this frontend trusts. */
  identity: ServerIdentity | undefined;
  /** The latest failback epoch this frontend knows of (from done-markers it read or wrote). */
  epoch = 0;
  /** The current outage includes a restart: the failback must flush, a journal replay is not enough. */
  restarted = false;
  /** Set when the server went down; what its failback must close. */
  failedAt: FailurePoint | undefined;
  /** Keys this frontend may have left stale while the server was down for it. */
  readonly journal: KeyJournal<Place>;
  readonly counters: ServerCounters = { requests: 0, hits: 0, misses: 0, offlineSkips: 0, failovers: 0, timeouts: 0, failures: 0, restarts: 0, failbacks: 0 };
  /** Server clock minus local clock in ms, from the latest reading. */
  private clockOffset: number | undefined;
  /** A connect was refused during this outage: whatever answers next started after that. */
  private refused = false;
  /** When the current run of failures began (local ms): this frontend missed nothing before it. */
  private firstFailureAt: number | undefined;
  private softFailures = 0;
  private lastGoodAt: number | undefined;

  constructor(
    readonly index: number,
    readonly address: ServerAddress,
    private readonly softLimit: number,
    journalLimit: number,
    private readonly hooks: HealthHooks,
  ) {
    this.journal = new KeyJournal<Place>(journalLimit);
  }

  /** A request completed at the transport level (whatever memcached answered), at local `now`. */
  success(now: number): void {
    if (this.status !== 'up') return;
    this.softFailures = 0;
    this.lastGoodAt = now;
  }

  /** A transport failure at local `now`; returns true when it took the server down. */
  failure(error: TransportError, now: number): boolean {
    this.counters.failures++;
    if (error instanceof CommandTimeoutError) this.counters.timeouts++;
    this.lastError = error;
    if (error instanceof ConnectError && error.refused) this.refused = true;
    if (this.softFailures === 0) this.firstFailureAt = now;
    if (this.status !== 'up') return false;
    if (failureKind(error) === 'soft' && ++this.softFailures < this.softLimit) return false;
    this.goDown(error, now);
    return true;
  }

  /**
   * A `stats` reading of the server at local `now` (on a new connection, or by a probe).
   * `clientAgeMs` is how long this client has existed: a server younger than that, reached for
   * the first time, restarted during this client's life.
   */
  observe(reading: ServerReading, now: number, clientAgeMs: number): Observation {
    if (reading.time !== undefined) this.clockOffset = reading.time * 1000 + 500 - now;
    const seen = reading.identity;
    if (seen === undefined) return 'unknown';
    if (this.identity === undefined) {
      // Never seen before: a restart if it certainly started during this client's life, or if it
      // could not be reached at all earlier in this outage (no process was listening then).
      if (this.refused || startedWithin(reading, clientAgeMs)) return this.restartSeen(seen);
      this.identity = seen;
      return 'first';
    }
    return sameIdentity(this.identity, seen) ? 'same' : this.restartSeen(seen);
  }

  private restartSeen(seen: ServerIdentity): Observation {
    if (!this.restarted) this.counters.restarts++;
    this.restarted = true;
    this.lastError = new Error(`restarted: ${formatIdentity(this.identity)} → ${formatIdentity(seen)}`);
    return 'restart';
  }

  /** The server's clock now, in Unix seconds, estimated from the latest reading. */
  serverSeconds(now: number): number | undefined {
    return this.clockOffset === undefined ? undefined : Math.floor((now + this.clockOffset) / 1000);
  }

  /** A probe answered: the failback starts. */
  beginRecovery(): void {
    this.transition('recovering');
  }

  /** The failback failed (it is retried): back to `down`. */
  recoveryFailed(): void {
    if (this.status === 'recovering') this.transition('down');
  }

  /**
   * The failback is done: `identity` is the process now trusted, `epoch` the done-marker this
   * frontend wrote or honoured. The completed failback is itself a known-good point.
   */
  recovered(identity: ServerIdentity | undefined, epoch: number, now: number): void {
    this.identity = identity ?? this.identity;
    // The marker just written or honoured is the newest this frontend knows (after a restart the
    // count starts again on the new process, so it may be lower than before).
    this.epoch = epoch;
    this.restarted = false;
    this.refused = false;
    this.failedAt = undefined;
    this.softFailures = 0;
    this.lastGoodAt = now;
    this.counters.failbacks++;
    this.transition('up');
    this.hooks.up();
  }

  /** Learns the current failback epoch while in good contact (e.g. read on a new connection). */
  knowEpoch(epoch: number): void {
    if (this.status === 'up') this.epoch = Math.max(this.epoch, epoch);
  }

  private goDown(error: TransportError, now: number): void {
    this.transition('down');
    this.downSince = now;
    // A marker counts only if written after this frontend's trouble began: a quiet frontend's last
    // good answer may be much older than a failback it never heard of.
    this.failedAt = { epoch: this.epoch, serverSeconds: this.serverSeconds(Math.max(this.lastGoodAt ?? 0, this.firstFailureAt ?? now)) };
    this.hooks.down(error);
  }

  private transition(next: ServerStatus): void {
    const legal = this.status === 'up' ? next === 'down' : this.status === 'down' ? next === 'recovering' : next !== 'recovering';
    if (!legal) throw new Error(`illegal server state transition ${this.status} → ${next}`);
    this.status = next;
    if (next === 'up') this.downSince = undefined;
  }

  info(): ServerInfo {
    return {
      ...this.address, index: this.index, status: this.status === 'up' && this.lastGoodAt === undefined && this.counters.failures === 0 ? 'unknown' : this.status, downSince: this.downSince, lastError: this.lastError,
      identity: this.identity, counters: { ...this.counters },
    };
  }
}
