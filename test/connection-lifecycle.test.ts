/**
 * The connection's life against real memcached processes: lazy connect, a hung server (SIGSTOP)
 * timing out and a fresh connection afterwards, refused connects, restarts, what a failed write's
 * outcome is said to be, the handshake, the queue bound, and closing (bounded by closeTimeout).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection, type ConnectionOptions, type Handshake } from '../bindings/connection/connection.js';
import * as cmd from '../bindings/protocol/commands.js';
import {
  CommandTimeoutError,
  ConnectError,
  ConnectionClosedError,
  QueueFullError,
  ServerRestartedError,
  type TransportError,
} from '../bindings/errors.js';
import { connectNode } from '../bindings/transport/node.js';
import type { Connector } from '../bindings/transport/transport.js';
import { freePort, MemcachedServer } from './support/memcached.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);
/** SIGSTOP is delivered asynchronously: wait until the kernel reports the process stopped (state T). */
async function pauseServer(server: MemcachedServer): Promise<void> {
  cleanup.push(() => server.resume());
  await server.pause();
}

const settle = <T>(p: Promise<T>) => p.then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error }));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Settles with 'settled', or 'pending' if `p` has not settled within `ms` (so a hang fails fast). */
const within = (p: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> =>
  Promise.race([p.then(() => 'settled' as const), new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

/** connectNode, counting the writes of every transport it opens. */
function countingWrites(counter: { writes: number }): Connector {
  return async (opts, handlers) => {
    const transport = await connectNode(opts, handlers);
    return { write: (d) => (counter.writes++, transport.write(d)), end: () => transport.end(), destroy: () => transport.destroy() };
  };
}

interface Observed {
  connects: number;
  connectorCalls: number;
  transportErrors: TransportError[];
  closes: (Error | undefined)[];
  idleCloses: Error[];
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function startServer(): Promise<MemcachedServer> {
  const server = await MemcachedServer.start();
  cleanup.push(() => server.stop());
  return server;
}

function open(host: string, port: number, options: Partial<ConnectionOptions> = {}): { conn: Connection; seen: Observed } {
  const seen: Observed = { connects: 0, connectorCalls: 0, transportErrors: [], closes: [], idleCloses: [] };
  const connector: Connector = (opts, handlers) => {
    seen.connectorCalls++;
    return connectNode(opts, handlers);
  };
  const conn = new Connection({
    host,
    port,
    connector,
    connectTimeout: 1000,
    timeout: 1000,
    maxQueue: Infinity,
    events: {
      onConnect: () => seen.connects++,
      onTransportError: (e) => seen.transportErrors.push(e),
      onClose: (e) => seen.closes.push(e),
      onIdleClose: (e) => seen.idleCloses.push(e),
    },
    ...options,
  });
  cleanup.push(() => conn.destroy());
  return { conn, seen };
}

describe('connecting', () => {
  it('connects lazily, on the first request, once for a burst', async () => {
    const server = await startServer();
    const { conn, seen } = open(server.host, server.port);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.connectorCalls).toBe(0);
    expect(conn.connected).toBe(false);
    const versions = await Promise.all([conn.send(cmd.version()), conn.send(cmd.version()), conn.send(cmd.version())]);
    expect(new Set(versions).size).toBe(1);
    expect(seen.connectorCalls).toBe(1);
    expect(seen.connects).toBe(1);
    expect(conn.connected).toBe(true);
  });

  it('a refused connect rejects the waiting requests with ConnectError, and the next request tries again', async () => {
    const port = await freePort();
    const { conn, seen } = open('127.0.0.1', port);
    const [a, b] = await Promise.all([settle(conn.send(cmd.get('k'))), settle(conn.send(cmd.store('set', 'k', text('v'), 0, 0, true)))]);
    expect(a.error).toBeInstanceOf(ConnectError);
    expect((a.error as ConnectError).code).toBe('ERR_CONNECT_FAILED');
    expect(b.error).toBe(a.error);
    expect(seen.transportErrors).toEqual([a.error]);
    expect(seen.closes).toEqual([]); // never connected, so nothing closed
    expect(conn.pending).toBe(0);

    const server = await MemcachedServer.start({ port });
    cleanup.push(() => server.stop());
    expect(await conn.send(cmd.store('set', 'k', text('v'), 0, 0))).toBe('STORED');
    expect(seen.connectorCalls).toBe(2);
  });

  it('a set to a closed port rejects with ConnectError and a known outcome (nothing was sent), every time', async () => {
    const port = await freePort();
    const { conn } = open('127.0.0.1', port);
    for (let i = 0; i < 3; i++) {
      const [set, quiet] = await Promise.all([settle(conn.send(cmd.store('set', 'k', text('v'), 0, 0))), settle(conn.send(cmd.incr('n', 1)))]);
      expect(set.error).toBeInstanceOf(ConnectError);
      expect((set.error as ConnectError).outcomeUnknown).toBe(false);
      expect((quiet.error as ConnectError).outcomeUnknown).toBe(false);
    }
  });

  it('after memcached is killed, sets issued turn after turn never claim an unknown outcome (nothing reaches a dead server)', async () => {
    // Node sees the server's FIN ('end') a while before the socket's 'close': a set handed to the
    // socket in between is refused by node, never sent. Each round issues a set on every turn
    // from the moment the process is gone until the port refuses.
    for (let round = 0; round < 8; round++) {
      const server = await MemcachedServer.start();
      const { conn } = open(server.host, server.port);
      expect(await conn.send(cmd.store('set', 'k', text('v'), 0, 0))).toBe('STORED');
      await server.stop();
      const errors: unknown[] = [];
      for (let turn = 0; turn < 200 && !(errors.at(-1) instanceof ConnectError); turn++) {
        const outcome = settle(conn.send(cmd.store('set', 'k', text('w'), 0, 0)));
        await nextTurn();
        errors.push((await outcome).error);
      }
      expect(errors.at(-1)).toBeInstanceOf(ConnectError);
      for (const error of errors) {
        expect(error instanceof ConnectError || error instanceof ConnectionClosedError, `round ${round}: ${String(error)}`).toBe(true);
        expect((error as TransportError).outcomeUnknown, `round ${round}: ${(error as Error).message}`).toBe(false);
      }
      conn.destroy();
    }
  });

  it('a restarted server is reconnected on the next request; the close of the idle connection is reported as such, not as a failure', async () => {
    const server = await startServer();
    const { conn, seen } = open(server.host, server.port);
    expect(await conn.send(cmd.store('set', 'k', text('before'), 0, 0))).toBe('STORED');
    await server.restart();
    await vi.waitFor(() => expect(conn.connected).toBe(false));
    expect(seen.transportErrors).toHaveLength(0);
    expect(seen.idleCloses).toHaveLength(1);
    expect(seen.closes).toHaveLength(1);
    expect(await conn.send(cmd.get('k'))).toBeNull(); // a restart empties the cache
    expect(seen.connects).toBe(2);
  });
});

describe('a hung server (SIGSTOP)', () => {
  it('times out, destroys the connection, and after SIGCONT a fresh connection gets its own answers', async () => {
    const server = await startServer();
    const { conn, seen } = open(server.host, server.port, { timeout: 300 });
    await conn.send(cmd.store('set', 'a', text('value-a'), 0, 0));
    await conn.send(cmd.store('set', 'b', text('value-b'), 0, 0));

    await pauseServer(server);
    const started = performance.now();
    const [getA, setC, getB] = await Promise.all([
      settle(conn.send(cmd.get('a'))),
      settle(conn.send(cmd.store('set', 'c', text('value-c'), 0, 0))),
      settle(conn.send(cmd.get('b'))),
    ]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(getA.error).toBeInstanceOf(CommandTimeoutError);
    expect((getA.error as CommandTimeoutError).outcomeUnknown).toBe(false);
    expect((getA.error as CommandTimeoutError).server).toBe(server.address);
    expect(setC.error).toBeInstanceOf(ConnectionClosedError);
    expect((setC.error as ConnectionClosedError).outcomeUnknown).toBe(true); // sent, maybe applied
    expect((setC.error as ConnectionClosedError).cause).toBe(getA.error);
    expect(getB.error).toBeInstanceOf(ConnectionClosedError);
    expect((getB.error as ConnectionClosedError).outcomeUnknown).toBe(false);
    expect(seen.transportErrors).toEqual([getA.error]);
    expect(conn.connected).toBe(false);
    expect(conn.pending).toBe(0);

    server.resume();
    // The old socket's late answers (for a, c, b) must not reach these requests.
    const [b, a] = await Promise.all([conn.send(cmd.get('b')), conn.send(cmd.get('a'))]);
    expect(str(b!.value)).toBe('value-b');
    expect(str(a!.value)).toBe('value-a');
    expect(seen.connects).toBe(2);
  });

  it('requests queued while connecting wait for the transport, then start their clock', async () => {
    const server = await startServer();
    const { conn } = open(server.host, server.port, { timeout: 200 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => conn.send(cmd.incr(`n${i}`, 1))));
    expect(results).toEqual(Array(20).fill(null));
  });
});

describe('handshake', () => {
  /** A `stats` handshake that records what verify saw and refuses per `refuse`. */
  function statsHandshake(refuse: (stats: Map<string, string>) => Error | undefined = () => undefined) {
    const seen = { built: 0, verified: [] as unknown[][] };
    const handshake: Handshake = {
      requests: () => (seen.built++, [cmd.stats()]),
      verify: (replies) => {
        seen.verified.push(replies);
        return refuse(replies[0] as Map<string, string>);
      },
    };
    return { handshake, seen };
  }

  it('rides in the first write of every transport, ahead of the waiting requests; its answers reach only verify', async () => {
    const server = await startServer();
    const counter = { writes: 0 };
    const { handshake, seen: hs } = statsHandshake();
    const { conn, seen } = open(server.host, server.port, { handshake, connector: countingWrites(counter), maxQueue: 2 });
    const first = [conn.send(cmd.version()), conn.send(cmd.get('missing'))] as const;
    expect(conn.pending).toBe(2); // the handshake is not counted…
    const refused = await conn.send(cmd.version()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueFullError); // …and takes no room under maxQueue
    const [version, item] = await Promise.all(first);
    expect(version).toMatch(/^1\./);
    expect(item).toBeNull();
    expect(counter.writes).toBe(1); // no extra round trip
    expect(hs.verified).toHaveLength(1);
    expect(hs.verified[0]).toHaveLength(1);
    expect((hs.verified[0][0] as Map<string, string>).get('pid')).toBe(String(server.pid));

    // A new transport (after a restart) gets its own handshake, built anew.
    await server.restart();
    await vi.waitFor(() => expect(conn.connected).toBe(false));
    expect(await conn.send(cmd.get('k'))).toBeNull();
    expect(hs.built).toBe(2);
    expect((hs.verified[1][0] as Map<string, string>).get('pid')).toBe(String(server.pid));
    expect(seen.connects).toBe(2);
    expect(conn.pending).toBe(0);
  });

  it('a refusal tears the session down at once: a TransportError is reported, the requests behind reject, outcome per write', async () => {
    const server = await startServer();
    let refusal: ServerRestartedError | undefined;
    const { handshake } = statsHandshake((stats) => (refusal = new ServerRestartedError(server.address, `pid ${stats.get('pid')}, expected 1`)));
    const { conn, seen } = open(server.host, server.port, { handshake });
    const [get, set] = await Promise.all([settle(conn.send(cmd.get('k'))), settle(conn.send(cmd.store('set', 'k', text('v'), 0, 0)))]);
    expect(refusal).toBeInstanceOf(ServerRestartedError);
    expect(seen.transportErrors).toEqual([refusal]);
    expect(seen.closes).toEqual([refusal]);
    expect(get.error).toBeInstanceOf(ConnectionClosedError);
    expect((get.error as ConnectionClosedError).cause).toBe(refusal);
    expect((get.error as ConnectionClosedError).outcomeUnknown).toBe(false);
    expect((set.error as ConnectionClosedError).outcomeUnknown).toBe(true); // written with the handshake: memcached may apply it
    expect(conn.connected).toBe(false);
    expect(conn.pending).toBe(0);
  });

  it('a refusal with a plain Error is not a transport failure; it closes the session all the same', async () => {
    const server = await startServer();
    const nope = new Error('not the server we want');
    const { handshake } = statsHandshake(() => nope);
    const { conn, seen } = open(server.host, server.port, { handshake });
    const { error } = await settle(conn.send(cmd.version()));
    expect((error as ConnectionClosedError).cause).toBe(nope);
    expect(seen.transportErrors).toEqual([]);
    expect(seen.closes).toEqual([nope]);
  });
});

describe('queue bound', () => {
  it('refuses at once with QueueFullError when maxQueue requests are waiting, and accepts again after', async () => {
    const server = await startServer();
    const { conn } = open(server.host, server.port, { maxQueue: 3 });
    const first = [conn.send(cmd.version()), conn.send(cmd.store('set', 'k', text('v'), 0, 0, true)), conn.send(cmd.get('k'))] as const;
    expect(conn.pending).toBe(3);
    const refused = await conn.send(cmd.version()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect((refused as QueueFullError).code).toBe('ERR_QUEUE_FULL');
    expect((refused as Error).message).toMatch(/maxQueue \(3\)/);
    const [version, stored, item] = await Promise.all(first);
    expect(version).toMatch(/^1\./);
    expect(stored).toBeUndefined();
    expect(str(item!.value)).toBe('v');
    expect(conn.pending).toBe(0);
    expect(await conn.send(cmd.version())).toBe(version);
  });
});

describe('closing', () => {
  it('close() lets requests in flight finish, then refuses new ones', async () => {
    const server = await startServer();
    const { conn, seen } = open(server.host, server.port);
    const inFlight = Promise.all([conn.send(cmd.store('set', 'k', text('v'), 0, 0)), conn.send(cmd.get('k'))]);
    const closed = conn.close();
    const [stored, item] = await inFlight;
    expect(stored).toBe('STORED');
    expect(str(item!.value)).toBe('v');
    await closed;
    expect(conn.connected).toBe(false);
    expect(seen.closes).toEqual([undefined]);
    expect(seen.transportErrors).toEqual([]);
    const refused = await conn.send(cmd.version()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectionClosedError);
  });

  it('close() of an idle connection to a stopped (SIGSTOP) memcached settles after closeTimeout (default: timeout)', async () => {
    const server = await startServer();
    const { conn, seen } = open(server.host, server.port, { timeout: 300 });
    await conn.send(cmd.version());
    await pauseServer(server); // it will never confirm the close
    const started = performance.now();
    expect(await within(conn.close(), 5000)).toBe('settled');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(3000);
    expect(conn.connected).toBe(false);
    expect(seen.closes).toEqual([undefined]); // closed on purpose
    expect(seen.transportErrors).toEqual([]);
  });

  it('an explicit closeTimeout bounds the wait, whatever the command timeout', async () => {
    const server = await startServer();
    const { conn } = open(server.host, server.port, { timeout: 10_000, closeTimeout: 100 });
    await conn.send(cmd.version());
    await pauseServer(server);
    const started = performance.now();
    expect(await within(conn.close(), 5000)).toBe('settled');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('close() with a request in flight to a stopped memcached settles within timeout + closeTimeout', async () => {
    const server = await startServer();
    const { conn } = open(server.host, server.port, { timeout: 200, closeTimeout: 200 });
    await conn.send(cmd.version());
    await pauseServer(server);
    const get = settle(conn.send(cmd.get('k')));
    const started = performance.now();
    expect(await within(conn.close(), 5000)).toBe('settled');
    expect(performance.now() - started).toBeLessThan(3000);
    expect((await get).error).toBeInstanceOf(CommandTimeoutError);
  });

  it('destroy() rejects everything pending at once', async () => {
    const server = await startServer();
    const { conn } = open(server.host, server.port);
    await conn.send(cmd.version());
    await pauseServer(server);
    const pending = [settle(conn.send(cmd.get('k'))), settle(conn.send(cmd.del('k')))];
    await new Promise((r) => setTimeout(r, 20)); // written, unanswered
    conn.destroy(new Error('shutting down'));
    const [get, del] = await Promise.all(pending);
    expect(get.error).toBeInstanceOf(ConnectionClosedError);
    expect((get.error as Error).message).toMatch(/shutting down/);
    expect((del.error as ConnectionClosedError).outcomeUnknown).toBe(true);
    expect(conn.pending).toBe(0);
  });
});
