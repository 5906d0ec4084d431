import { Connection, type Handshake } from '../connection/connection.js';
import { MemcacheError, ServerRestartedError, type TransportError } from '../errors.js';
import { doneKey, parseMarker } from '../health/failback-lock.js';
import { formatIdentity, readServer } from '../health/identity.js';
import { ServerHealth } from '../health/server-health.js';
import * as cmd from '../protocol/commands.js';
import type { Key } from '../protocol/replies.js';
import type { Item, Stats } from '../protocol/replies.js';
import type { Router } from '../routing/router.js';
import type { ServerAddress } from '../servers.js';
import type { Connector } from '../transport/transport.js';
import type { ResolvedClientOptions } from '../options.js';

/** One server of the pool: its address, health and (replaceable) connection. */
export class ServerSlot {
  readonly health: ServerHealth<ServerSlot>;
  connection: Connection;
  /** The target for this slot as a key's owner: one object, not one per request. */
  readonly direct: Target;

  constructor(
    readonly index: number,
    readonly address: ServerAddress,
    /** The router this slot's index belongs to (the main ring, or the gutter ring). */
    readonly router: Router,
    readonly isGutter: boolean,
    private readonly connect: (slot: ServerSlot, shared: boolean) => Connection,
    health: (slot: ServerSlot) => ServerHealth<ServerSlot>,
  ) {
    this.health = health(this);
    this.connection = connect(this, true);
    this.direct = { slot: this, owner: undefined, ttlCap: undefined };
  }

  /** Replaces the shared connection (after a failback: the old one failed and is never reused). */
  renewConnection(): void {
    this.connection.destroy();
    this.connection = this.connect(this, true);
  }

  /**
   * A new connection to this server, reporting to its health and reading its identity first, for
   * one request's own use (Workers): an idle close of it is that request ending, not checked.
   */
  openConnection(shared: boolean): Connection {
    return this.connect(this, shared);
  }
}

/** Where a key's request goes: a server, and whose key it is when that server stands in for another. */
export interface Target {
  slot: ServerSlot;
  /** The key's owner when `slot` is a fallback (redistribute or gutter); otherwise undefined. */
  owner: ServerSlot | undefined;
  /** Seconds: the TTL cap for writes to a fallback; undefined for the owner. */
  ttlCap: number | undefined;
}

/** Callbacks from the pool to the layer that owns policy (recovery, events). */
export interface ClusterHooks {
  /** A server went down: its buckets are already offline. */
  onDown(slot: ServerSlot, error: TransportError): void;
  /** A server's failback completed: its buckets are already online. */
  onUp(slot: ServerSlot): void;
}

/** `stats settings` reports the item size limit; values up to it must be readable. */
function itemSizeMax(settings: unknown): number | undefined {
  if (!(settings instanceof Map)) return undefined;
  const n = Number((settings as Stats).get('item_size_max'));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * The servers (and gutter servers), their connections and the routers that pick among them.
 * Decides where a key goes under the failover policy; knows nothing of command semantics.
 * Every new connection first reads the server's identity (pipelined ahead of the first command):
 * a restarted server is failed before anything behind the handshake is delivered.
 */
export class Cluster {
  readonly slots: ServerSlot[];
  readonly gutterSlots: ServerSlot[];
  /** Servers currently not `up`; when zero, a key's route is its owner and needs no second lookup. */
  private downCount = 0;
  /** Local ms when the client was created: a server younger than the client restarted in its life. */
  readonly born: number;
  private readonly markerKey: string;
  private closing = false;

  constructor(
    private readonly options: ResolvedClientOptions,
    readonly router: Router,
    readonly gutterRouter: Router | undefined,
    connector: Connector,
    private readonly hooks: ClusterHooks,
  ) {
    this.born = options.clock.now();
    this.markerKey = doneKey(options.failback.lockKey);
    const connect = (slot: ServerSlot, shared: boolean): Connection => {
      const conn: Connection = new Connection({
        host: slot.address.host,
        port: slot.address.port,
        connector,
        connectTimeout: options.connectTimeout,
        timeout: options.timeout,
        maxQueue: options.maxQueue,
        maxValueBytes: options.maxValueBytes,
        tls: options.tls,
        handshake: options.serverIdentity ? this.handshake(slot, () => conn) : undefined,
        events: {
          onTransportError: (error) => this.fail(slot, error),
          // Whoever closed the shared idle connection, find out now (a reconnect reads the
          // identity): a dead server fails the check hard, a restarted one fails the handshake.
          onIdleClose: () => {
            if (shared && slot.health.status === 'up' && !this.closing) conn.send(cmd.version()).catch(() => undefined);
          },
        },
      });
      return conn;
    };
    const health = (slot: ServerSlot) =>
      new ServerHealth<ServerSlot>(slot.index, slot.address, options.failureLimit, options.failback.journalLimit, {
        down: (error) => {
          slot.router.setDown(slot.index, true);
          if (!slot.isGutter) this.downCount++;
          this.hooks.onDown(slot, error);
        },
        up: () => {
          slot.router.setDown(slot.index, false);
          if (!slot.isGutter) this.downCount--;
          this.hooks.onUp(slot);
        },
      });
    this.slots = options.servers.map((s, i) => new ServerSlot(i, s, router, false, connect, health));
    this.gutterSlots = gutterRouter ? options.gutter.map((s, i) => new ServerSlot(i, s, gutterRouter, true, connect, health)) : [];
  }

  /** What every new connection of `slot` sends first: identity, item size limit, failback epoch. */
  private handshake(slot: ServerSlot, connection: () => Connection): Handshake {
    return {
      requests: () => [cmd.stats(), cmd.stats('settings'), cmd.get(this.markerKey)],
      verify: (replies) => {
        const [stats, settings, marker] = replies;
        const limit = itemSizeMax(settings);
        if (limit !== undefined) connection().raiseValueLimit(limit);
        // A proxy (mcrouter, twemproxy) may not answer `stats` with a process: no identity to check.
        if (!(stats instanceof Map)) return undefined;
        const health = slot.health;
        const before = health.identity;
        const now = this.options.clock.now();
        const reading = readServer(stats as Stats);
        const verdict = health.observe(reading, now, now - this.born);
        if (verdict === 'restart') {
          return new ServerRestartedError(slot.address.name, `${formatIdentity(before)} → ${formatIdentity(reading.identity)}`);
        }
        const done = marker instanceof MemcacheError ? undefined : parseMarker(marker === null || marker === undefined ? undefined : new TextDecoder().decode((marker as Item).value));
        if (done !== undefined) health.knowEpoch(done.epoch);
        return undefined;
      },
    };
  }

  /** Where `key` goes now, or undefined when it goes nowhere (its owner is down and policy is offline). */
  target(key: Key): Target | undefined {
    // One server, up: every client sends every key there without hashing.
    if (this.slots.length === 1 && this.downCount === 0) return this.slots[0].direct;
    const index = this.router.route(key);
    if (index >= 0) {
      if (this.downCount === 0) return this.slots[index].direct;
      return this.routedTarget(this.slots[index], this.router.owner(key));
    }
    return this.gutterFor(key, this.router.owner(key));
  }

  /** Targets of many keys in one crossing into the router (undefined entries go nowhere). */
  targets(keys: readonly Key[]): (Target | undefined)[] {
    const routed = this.router.routeMany(keys);
    const out = new Array<Target | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const index = routed[i];
      if (index >= 0 && this.downCount === 0) out[i] = this.slots[index].direct;
      else if (index >= 0) out[i] = this.routedTarget(this.slots[index], this.router.owner(keys[i]));
      else out[i] = this.gutterFor(keys[i], this.router.owner(keys[i]));
    }
    return out;
  }

  /**
   * With every server up ({@link healthy}): `keys` grouped by owner, each group in the keys' order.
   * One crossing into the router and no Target per key; a lone server's group is `keys` itself.
   */
  byOwner(keys: readonly Key[]): Map<ServerSlot, readonly Key[]> {
    if (this.slots.length === 1) return new Map([[this.slots[0], keys]]);
    const routed = this.router.routeMany(keys);
    const byIndex: Key[][] = [];
    for (let i = 0; i < keys.length; i++) {
      const index = routed[i];
      // Cannot happen with every server up; a key must never be dropped silently.
      if (index < 0) throw new Error('Cluster.byOwner is only for a healthy cluster');
      (byIndex[index] ??= []).push(keys[i]);
    }
    const groups = new Map<ServerSlot, readonly Key[]>();
    byIndex.forEach((group, index) => groups.set(this.slots[index], group));
    return groups;
  }

  /** True when every server is up: a key's route is then its owner. */
  get healthy(): boolean {
    return this.downCount === 0;
  }

  /** The owner's slot of a key. */
  ownerSlot(key: Key): ServerSlot {
    return this.slots[this.router.owner(key)];
  }

  /**
   * The target of a key the router sent to `slot` while some server is down: the slot's own target
   * when it is the key's owner, else `slot` standing in for the down owner (redistribute), with
   * the owner named (its counters, recovery and journal are charged) and the failover TTL cap.
   */
  private routedTarget(slot: ServerSlot, owner: number): Target {
    if (owner === slot.index) return slot.direct;
    return { slot, owner: this.slots[owner], ttlCap: this.options.failoverTtl };
  }

  private gutterFor(key: Key, owner: number): Target | undefined {
    if (!this.gutterRouter) return undefined;
    const g = this.gutterRouter.route(key);
    return g < 0 ? undefined : { slot: this.gutterSlots[g], owner: this.slots[owner], ttlCap: this.options.gutterTtl };
  }

  /** Every slot, gutter ones included. */
  all(): ServerSlot[] {
    return [...this.slots, ...this.gutterSlots];
  }

  /** A transport failure on a slot's connection: the slot's health decides what it means. */
  private fail(slot: ServerSlot, error: TransportError): void {
    slot.health.failure(error, this.options.clock.now());
  }

  /** Closes every connection, letting requests in flight finish (bounded by the connection's close timeout). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.all().map((s) => s.connection.close()));
  }
}
