/**
 * The live commands' network access: one failback {@link Connection} per server, with no handshake,
 * health tracking or failback. An operator's tool only reads: a Client would run a failback
 * (and flush) when a server it watches comes back, which is not a thing to do from a terminal.
 */
import { Connection } from '../connection/connection.js';
import * as cmd from '../protocol/commands.js';
import type { Stats } from '../protocol/replies.js';
import type { ServerAddress } from '../servers.js';
import { defaultConnector } from '../transport/default.js';

/** One server's `stats` answer, or why there was none. */
export type Snapshot =
  | { server: ServerAddress; up: true; stats: Stats; /** Milliseconds `stats` took (with the connect, when it needed one). */ latencyMs: number }
  | { server: ServerAddress; up: false; error: Error };

/** Connections to a list of servers, kept across `--watch` refreshes (one reconnects after a failure). */
export class ClusterReader {
  private readonly connections: Connection[];

  constructor(readonly servers: readonly ServerAddress[], timeoutMs: number) {
    const connector = defaultConnector();
    this.connections = servers.map((s) => new Connection({ host: s.host, port: s.port, connector, connectTimeout: timeoutMs, timeout: timeoutMs, maxQueue: 16 }));
  }

  /** `stats` of every server, in list order; a server that does not answer is a snapshot with its error. */
  snapshot(): Promise<Snapshot[]> {
    return Promise.all(
      this.servers.map(async (server, i): Promise<Snapshot> => {
        const started = performance.now();
        try {
          const stats = await this.connections[i].send(cmd.stats());
          return { server, up: true, stats, latencyMs: performance.now() - started };
        } catch (err) {
          return { server, up: false, error: err as Error };
        }
      }),
    );
  }

  /** Plain `get` of `keys` on server `index` (nothing is written, no TTL touched): value text by key. */
  async get(index: number, keys: readonly string[]): Promise<Map<string, string>> {
    const found = await this.connections[index].send(cmd.getMulti(keys));
    const decoder = new TextDecoder();
    return new Map(found.map((item) => [item.key, decoder.decode(item.value)]));
  }

  /**
   * Drops every connection. Called once every answer is in, so nothing is lost; a graceful close
   * would wait for the sockets' close events, which unref'd sockets may never deliver before Node
   * finds the event loop empty and exits with the command's promise unsettled.
   */
  close(): void {
    for (const c of this.connections) c.destroy();
  }
}
