import { Connection } from '../connection/connection.js';
import { CommandTimeoutError, type TransportError } from '../errors.js';
import { ServerState } from '../health/server-state.js';
import { StrayWrites } from '../health/stray-writes.js';
import type { Router } from '../routing/router.js';
import type { ServerAddress } from '../servers.js';
import type { Connector } from '../transport/transport.js';
import type { ResolvedClientOptions } from './options.js';

/** Stray keys remembered per down server before its failback flushes the stand-ins instead. */
const STRAY_LIMIT = 100_000;

/** One server of the pool: its address, health and (replaceable) connection. */
export class ServerSlot {
  readonly state: ServerState;
  connection: Connection;
  /** The target for this slot as a key's owner: one object, not one per request. */
  readonly direct: Target;
  /** Writes of this server's keys that went to stand-ins while it was down (flush 'cluster' only). */
  readonly strays = new StrayWrites<ServerSlot>(STRAY_LIMIT);

  constructor(
    readonly index: number,
    readonly address: ServerAddress,
    /** The router this slot's index belongs to (the main ring, or the gutter ring). */
    readonly router: Router,
    readonly isGutter: boolean,
    private readonly connect: (slot: ServerSlot) => Connection,
    failureLimit: number,
  ) {
    this.state = new ServerState(index, address, failureLimit);
    this.connection = connect(this);
    this.direct = { slot: this, standIn: undefined, ttlCap: undefined };
  }

  /** Replaces the connection (after a failback: the old one failed and is never reused). */
  renewConnection(): void {
    this.connection.destroy();
    this.connection = this.connect(this);
  }
}

/** Where a key's request goes: a server, and whether it is standing in for the key's owner. */
export interface Target {
  slot: ServerSlot;
  /** The owner's slot when `slot` is a fallback (redistribute or gutter); otherwise undefined. */
  standIn: ServerSlot | undefined;
  /** Seconds: the TTL cap for writes to a fallback; undefined for the owner. */
  ttlCap: number | undefined;
}

/** Callbacks from the pool to the layer that owns health policy. */
export interface ClusterHooks {
  /** A server crossed `failureLimit`: its buckets are already offline. */
  onDown(slot: ServerSlot, error: TransportError): void;
}

/**
 * The servers (and gutter servers), their connections and the routers that pick among them.
 * Decides where a key goes under the failover policy; knows nothing of command semantics.
 */
export class Cluster {
  readonly slots: ServerSlot[];
  readonly gutterSlots: ServerSlot[];
  /** Servers currently not `up`; when zero, a key's route is its owner and needs no second lookup. */
  private downCount = 0;

  constructor(
    private readonly options: ResolvedClientOptions,
    readonly router: Router,
    readonly gutterRouter: Router | undefined,
    connector: Connector,
    private readonly hooks: ClusterHooks,
  ) {
    const connect = (slot: ServerSlot) =>
      new Connection({
        host: slot.address.host,
        port: slot.address.port,
        connector,
        connectTimeout: options.connectTimeout,
        timeout: options.timeout,
        maxQueue: options.maxQueue,
        tls: options.tls,
        events: { onTransportError: (error) => this.fail(slot, error) },
      });
    this.slots = options.servers.map((s, i) => new ServerSlot(i, s, router, false, connect, options.failureLimit));
    this.gutterSlots = gutterRouter ? options.gutter.map((s, i) => new ServerSlot(i, s, gutterRouter, true, connect, options.failureLimit)) : [];
  }

  /** Where `key` goes now, or undefined when it goes nowhere (its owner is down and policy is offline). */
  target(key: string): Target | undefined {
    // One server, up: every client sends every key there without hashing.
    if (this.slots.length === 1 && this.downCount === 0) return this.slots[0].direct;
    const index = this.router.route(key);
    if (index >= 0) {
      if (this.downCount === 0) return this.slots[index].direct;
      return this.standIn(this.slots[index], this.router.owner(key));
    }
    return this.gutterFor(key, this.router.owner(key));
  }

  /** Targets of many keys in one crossing into the router (undefined entries go nowhere). */
  targets(keys: readonly string[]): (Target | undefined)[] {
    const routed = this.router.routeMany(keys);
    const out = new Array<Target | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const index = routed[i];
      if (index >= 0 && this.downCount === 0) out[i] = this.slots[index].direct;
      else if (index >= 0) out[i] = this.standIn(this.slots[index], this.router.owner(keys[i]));
      else out[i] = this.gutterFor(keys[i], this.router.owner(keys[i]));
    }
    return out;
  }

  /** True when every server is up: a key's route is then its owner. */
  get healthy(): boolean {
    return this.downCount === 0;
  }

  /** The owner's slot of a key (for counting offline skips). */
  ownerSlot(key: string): ServerSlot {
    return this.slots[this.router.owner(key)];
  }

  private standIn(slot: ServerSlot, owner: number): Target {
    if (owner === slot.index) return slot.direct;
    return { slot, standIn: this.slots[owner], ttlCap: this.options.failoverTtl };
  }

  private gutterFor(key: string, owner: number): Target | undefined {
    if (!this.gutterRouter) return undefined;
    const g = this.gutterRouter.route(key);
    return g < 0 ? undefined : { slot: this.gutterSlots[g], standIn: this.slots[owner], ttlCap: this.options.gutterTtl };
  }

  /** Every slot, gutter ones included. */
  all(): ServerSlot[] {
    return [...this.slots, ...this.gutterSlots];
  }

  /** A transport failure on a slot's connection: count it, and take the server down at the limit. */
  private fail(slot: ServerSlot, error: TransportError): void {
    if (error instanceof CommandTimeoutError) slot.state.counters.timeouts++;
    if (!slot.state.recordFailure(error, this.options.clock.now())) return;
    slot.router.setDown(slot.index, true);
    if (!slot.isGutter) this.downCount++;
    this.hooks.onDown(slot, error);
  }

  /** A failed-back server: buckets online again, state up. */
  bringOnline(slot: ServerSlot): void {
    slot.router.setDown(slot.index, false);
    slot.state.transition('up');
    if (!slot.isGutter) this.downCount--;
  }

  /** Closes every connection, letting requests in flight finish. */
  async close(): Promise<void> {
    await Promise.all(this.all().map((s) => s.connection.close()));
  }
}
