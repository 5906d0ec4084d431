import type { ServerAddress } from '../servers.js';

/**
 * A server's health: `up` → `down` (failures reached the limit) → `recovering` (a probe answered;
 * failback is running) → `up` (flushed, callbacks run, buckets back online). A failed failback
 * returns it to `down`.
 */
export type ServerStatus = 'up' | 'down' | 'recovering';

const LEGAL: Record<ServerStatus, readonly ServerStatus[]> = {
  up: ['down'],
  down: ['recovering'],
  recovering: ['up', 'down'],
};

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
  /** Transport failures (refused, connect timeout, command timeout, unexpected close). */
  failures: number;
  /** Completed failbacks (this frontend led or followed). */
  failbacks: number;
}

/** A snapshot of one server's state. */
export interface ServerInfo extends ServerAddress {
  index: number;
  status: ServerStatus;
  /** Epoch ms when this frontend marked it down (undefined while up). */
  downSince: number | undefined;
  lastError: Error | undefined;
  counters: ServerCounters;
}

/** Health bookkeeping of one server: the state machine and its counters. No I/O. */
export class ServerState {
  status: ServerStatus = 'up';
  downSince: number | undefined;
  /**
   * Epoch ms of the last successful answer before the current failure: the failure began after
   * it, so a flush done later covers everything this frontend could have missed.
   */
  failedAfter: number | undefined;
  lastError: Error | undefined;
  readonly counters: ServerCounters = { requests: 0, hits: 0, misses: 0, offlineSkips: 0, failovers: 0, timeouts: 0, failures: 0, failbacks: 0 };
  private consecutiveFailures = 0;
  private lastOkAt: number | undefined;

  constructor(readonly index: number, readonly address: ServerAddress, private readonly failureLimit: number) {}

  /** A request completed at the transport level (whatever memcached answered), at `now`. */
  recordSuccess(now: number): void {
    this.consecutiveFailures = 0;
    this.lastOkAt = now;
  }

  /** A transport failure; returns true when it takes the server down. */
  recordFailure(error: Error, now: number): boolean {
    this.counters.failures++;
    this.lastError = error;
    if (this.status !== 'up') return false;
    if (++this.consecutiveFailures < this.failureLimit) return false;
    this.transition('down');
    this.downSince = now;
    this.failedAfter = this.lastOkAt ?? now;
    return true;
  }

  /** Moves to `next`, refusing transitions the state machine does not have. */
  transition(next: ServerStatus): void {
    if (!LEGAL[this.status].includes(next)) throw new Error(`illegal server state transition ${this.status} → ${next}`);
    this.status = next;
    if (next === 'up') {
      this.consecutiveFailures = 0;
      this.downSince = undefined;
    }
  }

  info(): ServerInfo {
    return { ...this.address, index: this.index, status: this.status, downSince: this.downSince, lastError: this.lastError, counters: { ...this.counters } };
  }
}
