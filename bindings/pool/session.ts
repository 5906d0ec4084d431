/**
 * Which connections a caller's requests use. Health is the cluster's, shared by every caller; the
 * connections are not always: Cloudflare Workers tie a socket to the request that opened it, so
 * there each request gets its own connection per server it touches ({@link RequestSession}),
 * while Node, Deno and Bun share one pipelined connection per server ({@link SharedSession}).
 */
import type { Connection } from '../connection/connection.js';
import type { ServerSlot } from './cluster.js';

/** What a request handler's context offers (Workers' `ExecutionContext`). */
export interface RequestContext {
  waitUntil(promise: Promise<unknown>): void;
}

export interface Session {
  connection(slot: ServerSlot): Connection;
  /**
   * Keeps work started for this caller alive (Workers: the request's `waitUntil`); undefined
   * where timers outlive requests, so recovery runs on its own timers.
   */
  readonly waitUntil: ((promise: Promise<unknown>) => void) | undefined;
}

/** The client's own connections: one per server, for every caller. */
export const SharedSession: Session = {
  connection: (slot) => slot.connection,
  waitUntil: undefined,
};

/**
 * How long a request's connections stay open with nothing pending: long enough for a handler's
 * own await between two commands (an origin fetch between a get and its set) not to cost another
 * connect and handshake, short against the 30 s `waitUntil` cap.
 */
const QUIET_MS = 1000;

/**
 * One request's connections (Workers). Opened on first use, one handshake per server; closed
 * under the request's `waitUntil` once nothing is pending on them, so the request does not end
 * with sockets half-used. A command after that opens a fresh one.
 */
export class RequestSession implements Session {
  private readonly connections = new Map<ServerSlot, Connection>();
  private closing = false;
  /** When a command last asked for a connection (ms). */
  private lastUse = 0;
  readonly waitUntil: (promise: Promise<unknown>) => void;

  constructor(context: RequestContext) {
    this.waitUntil = (promise) => context.waitUntil(promise);
  }

  connection(slot: ServerSlot): Connection {
    this.lastUse = Date.now();
    let conn = this.connections.get(slot);
    if (conn === undefined || conn.isClosed) {
      conn = slot.openConnection(false);
      this.connections.set(slot, conn);
      if (!this.closing) {
        this.closing = true;
        this.waitUntil(this.closeWhenIdle());
      }
    }
    return conn;
  }

  /** Closes this request's connections after the requests in flight (the client stays open). */
  async close(): Promise<void> {
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(open.map((c) => c.close()));
  }

  private async closeWhenIdle(): Promise<void> {
    const busy = () => [...this.connections.values()].some((c) => c.pending > 0);
    let quietSince = Date.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 4));
      const now = Date.now();
      if (busy() || this.lastUse > quietSince) quietSince = now;
      else if (now - quietSince >= QUIET_MS) break;
    }
    this.closing = false;
    await this.close();
  }
}
