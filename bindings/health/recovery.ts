import type { Cluster, ServerSlot } from '../client/cluster.js';
import type { ResolvedClientOptions } from '../client/options.js';
import { Connection } from '../connection/connection.js';
import { ConnectError, MemcacheError } from '../errors.js';
import * as cmd from '../protocol/commands.js';
import type { Connector } from '../transport/transport.js';
import { runFailback, type FailbackOutcome, type LockStore } from './failback-lock.js';

/** Jitter keeps many frontends from probing (and racing for the lock) in lockstep. */
const JITTER = 0.1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What recovery reports to the client as it brings a server back. */
export interface RecoveryListener {
  recovering(slot: ServerSlot): void;
  failedBack(slot: ServerSlot, outcome: FailbackOutcome): void;
  /** Reconnect callbacks; awaited before the buckets go back online. */
  reconnected(slot: ServerSlot): Promise<void>;
  up(slot: ServerSlot): void;
  error(error: Error): void;
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
  };
}

/**
 * Brings down servers back: probes each off the request path (a fresh connection and `version`
 * every `retryInterval`, jittered) and, when one answers, runs the one-frontend failback before
 * any request of this client reaches it again.
 */
export class Recovery {
  /** The next probe of each down server, and when it is due. */
  private readonly timers = new Map<ServerSlot, { handle: unknown; due: number }>();
  /** Probes and failbacks under way: when each started (a token, too: a stale one stops quietly). */
  private readonly attempts = new Map<ServerSlot, { started: number }>();
  private stopped = false;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly cluster: Cluster,
    private readonly connector: Connector,
    private readonly listener: RecoveryListener,
  ) {}

  /** Starts probing a server that just went down. */
  watch(slot: ServerSlot): void {
    if (this.stopped || this.timers.has(slot) || this.attempts.has(slot)) return;
    const jitter = 1 + (Math.random() * 2 - 1) * JITTER;
    const delay = Math.max(1, Math.round(this.options.retryInterval * jitter));
    const handle = this.options.clock.setTimeout(() => {
      this.timers.delete(slot);
      void this.attempt(slot);
    }, delay);
    this.timers.set(slot, { handle, due: this.options.clock.now() + delay });
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
    if (timer !== undefined && now > timer.due + retryInterval) {
      this.options.clock.clearTimeout(timer.handle);
      this.timers.delete(slot);
    }
    const started = this.attempts.get(slot)?.started;
    // An attempt's own steps are bounded by these timeouts; far past them, its timers were lost.
    if (started !== undefined && now > started + connectTimeout + 8 * timeout + 2 * failback.waitTimeout + retryInterval) {
      this.attempts.delete(slot);
      if (slot.state.status === 'recovering') slot.state.transition('down');
    }
    if (slot.state.status === 'down') this.watch(slot);
  }

  /** Stops every probe (client closed). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) this.options.clock.clearTimeout(timer.handle);
    this.timers.clear();
    this.attempts.clear();
  }

  private async attempt(slot: ServerSlot): Promise<void> {
    const { host, port } = slot.address;
    const attempt = { started: this.options.clock.now() };
    this.attempts.set(slot, attempt);
    // False once `nudge` gave this attempt up as lost (or the client closed): it then stops quietly.
    const current = () => !this.stopped && this.attempts.get(slot) === attempt;
    const retry = () => {
      this.attempts.delete(slot);
      this.watch(slot);
    };
    const probe = new Connection({
      host, port, connector: this.connector, tls: this.options.tls,
      connectTimeout: this.options.connectTimeout, timeout: this.options.timeout, maxQueue: 64,
    });
    try {
      await probe.send(cmd.version());
    } catch {
      probe.destroy();
      if (current()) retry();
      return;
    }
    if (!current()) return probe.destroy();
    try {
      slot.state.transition('recovering');
      this.listener.recovering(slot);
      const { failback } = this.options;
      const outcome = await runFailback({
        store: lockStore(probe),
        clock: this.options.clock,
        lockKey: failback.lockKey,
        lockTtl: failback.lockTtl,
        // The lock commands themselves are bounded by `timeout`; the wait is separate.
        waitTimeout: failback.waitTimeout,
        failedAfter: slot.state.failedAfter ?? 0,
        token: `${host}:${port}/${Math.random().toString(36).slice(2)}`,
        flush: () => this.flush(slot, probe),
      });
      await probe.close();
      if (!current()) return;
      slot.renewConnection();
      slot.state.counters.failbacks++;
      this.listener.failedBack(slot, outcome);
      await this.listener.reconnected(slot);
      if (failback.flush === 'cluster') await this.removeStrays(slot);
      if (!current()) return;
      this.attempts.delete(slot);
      this.cluster.bringOnline(slot);
      this.listener.up(slot);
    } catch (err) {
      probe.destroy();
      if (!current()) return;
      if (slot.state.status === 'recovering') slot.state.transition('down');
      if (!(err instanceof ConnectError)) {
        this.listener.error(err instanceof MemcacheError ? err : new MemcacheError('ERR_FAILBACK', `failback of ${host}:${port} failed: ${String(err)}`, { cause: err }));
      }
      retry();
    }
  }

  /**
   * Deletes this client's copies of `slot`'s keys on stand-in servers (or flushes the stand-ins
   * when there were too many to remember), until none is left: the buckets go online right after,
   * in the same turn, so no later write can stray.
   */
  private async removeStrays(slot: ServerSlot): Promise<void> {
    while (!slot.strays.empty) {
      const strays = slot.strays.take();
      const work: Promise<unknown>[] = [];
      if (strays === 'overflow') {
        for (const s of this.cluster.all()) if (s !== slot && s.state.status === 'up') work.push(s.connection.send(cmd.flushAll()));
      } else {
        for (const [standIn, keys] of strays) for (const key of keys) work.push(standIn.connection.send(cmd.del(key)));
      }
      const results = await Promise.allSettled(work);
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed > 0) this.listener.error(new MemcacheError('ERR_FAILBACK', `${failed} stray copies of ${slot.address.name}'s keys could not be removed from stand-in servers`));
    }
  }

  /** The leader's flush, per `failback.flush`; the returning server's flush_all is sent before the first await. */
  private async flush(slot: ServerSlot, probe: Connection): Promise<string[]> {
    const policy = this.options.failback.flush;
    if (policy === 'none') return [];
    await probe.send(cmd.flushAll());
    const flushed = [slot.address.name];
    if (policy === 'cluster') {
      const others = this.cluster.slots.filter((s) => s !== slot && s.state.status === 'up');
      const results = await Promise.allSettled(others.map((s) => s.connection.send(cmd.flushAll())));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') flushed.push(others[i].address.name);
        else this.listener.error(new MemcacheError('ERR_FAILBACK', `cluster flush: ${others[i].address.name} was not flushed: ${String(r.reason)}`, { cause: r.reason }));
      });
    }
    return flushed;
  }
}
