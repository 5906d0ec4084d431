/**
 * Command timeouts blame the server, never a busy client: a request's clock starts when its bytes
 * are written, and a request past its deadline is timed out only once a turn of the event loop
 * (socket reads included) brought nothing. The event loop is blocked with busy loops, as a long
 * synchronous task or a GC pause would; a hung server is a real memcached stopped with SIGSTOP.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type ConnectionOptions } from '../bindings/connection/connection.js';
import * as cmd from '../bindings/protocol/commands.js';
import { CommandTimeoutError, ConnectionClosedError, type TransportError } from '../bindings/errors.js';
import { connectNode } from '../bindings/transport/node.js';
import type { Connector, Transport } from '../bindings/transport/transport.js';
import { MemcachedServer } from './support/memcached.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);
const settle = <T>(p: Promise<T>) => p.then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error }));

/** Blocks the event loop (nothing else runs, no socket is read) for `ms` milliseconds. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/** SIGSTOP is delivered asynchronously: wait until the kernel reports the process stopped (state T). */
async function pauseServer(server: MemcachedServer): Promise<void> {
  cleanup.push(() => server.resume());
  await server.pause();
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Opened {
  conn: Connection;
  transportErrors: TransportError[];
  /** `performance.now()` of each transport write. */
  writes: number[];
}

function open(host: string, port: number, options: Partial<ConnectionOptions> = {}): Opened {
  const opened: Opened = { conn: undefined as unknown as Connection, transportErrors: [], writes: [] };
  const connector: Connector = async (opts, handlers) => {
    const transport = await connectNode(opts, handlers);
    return {
      write: (data) => (opened.writes.push(performance.now()), transport.write(data)),
      end: () => transport.end(),
      destroy: () => transport.destroy(),
    };
  };
  opened.conn = new Connection({
    host,
    port,
    connector,
    connectTimeout: 2000,
    timeout: 200,
    maxQueue: Infinity,
    events: { onTransportError: (e) => opened.transportErrors.push(e) },
    ...options,
  });
  cleanup.push(() => opened.conn.destroy());
  return opened;
}

const KEYS = Array.from({ length: 64 }, (_, i) => `stall-${i}`);

let server: MemcachedServer;
beforeAll(async () => {
  server = await MemcachedServer.start();
  const conn = new Connection({ host: server.host, port: server.port, connector: connectNode, connectTimeout: 2000, timeout: 2000, maxQueue: Infinity });
  await Promise.all(KEYS.map((k) => conn.send(cmd.store('set', k, text(`value of ${k}`), 0, 0))));
  await conn.close();
});
afterAll(async () => {
  await server.stop();
});

describe('a blocked event loop is not a hung server', () => {
  it('64 gets whose answers wait unread on the socket while the loop is blocked 700 ms (timeout 200) all succeed', async () => {
    const { conn, transportErrors, writes } = open(server.host, server.port);
    await conn.send(cmd.version()); // connected: the gets go out in the next microtask
    const gets = KEYS.map((k) => conn.send(cmd.get(k)));
    const before = writes.length;
    for (let i = 0; i < 10 && writes.length === before; i++) await null;
    expect(writes.length).toBe(before + 1); // written, and no socket read can happen before the block ends
    busy(700); // memcached answers into the kernel buffer meanwhile; every deadline passes
    expect(performance.now() - writes[before]).toBeGreaterThan(600);
    const items = await Promise.all(gets);
    expect(items.map((item) => str(item!.value))).toEqual(KEYS.map((k) => `value of ${k}`));
    expect(transportErrors).toEqual([]);
    expect(conn.connected).toBe(true);
  });

  it('the clock starts at the write: 64 gets issued, then the loop blocked 700 ms before they are written, all succeed', async () => {
    const { conn, transportErrors, writes } = open(server.host, server.port);
    await conn.send(cmd.version());
    const gets = KEYS.map((k) => conn.send(cmd.get(k)));
    busy(700); // the caller's own synchronous code: the requests wait unsent, with no clock running
    const unblocked = performance.now();
    const items = await Promise.all(gets);
    expect(items.map((item) => str(item!.value))).toEqual(KEYS.map((k) => `value of ${k}`));
    expect(writes.at(-1)).toBeGreaterThanOrEqual(unblocked);
    expect(transportErrors).toEqual([]);
  });

  it('requests waiting for the connection have no clock either: issued, then 700 ms blocked, they succeed', async () => {
    const { conn, transportErrors } = open(server.host, server.port);
    const gets = KEYS.map((k) => conn.send(cmd.get(k)));
    busy(700);
    const items = await Promise.all(gets);
    expect(items.map((item) => str(item!.value))).toEqual(KEYS.map((k) => `value of ${k}`));
    expect(transportErrors).toEqual([]);
  });

  it('bytes still arriving past the deadline buy the request more turns: the server is alive', async () => {
    // No network: the "server" answers one byte per turn of the event loop, and the loop is blocked
    // for 150 ms (timeout 50) in the middle of the answer.
    const reply = Buffer.from('VERSION 1.2.3\r\n');
    const transportErrors: TransportError[] = [];
    let delivered = 0;
    const dribbling: Connector = async (_opts, handlers) => {
      let dead = false;
      const transport: Transport = {
        write: () => {
          const step = (): void => {
            if (dead) return;
            handlers.onData(reply.subarray(delivered, delivered + 1));
            if (++delivered === 5) busy(150);
            if (delivered < reply.length) setImmediate(step);
          };
          setImmediate(step);
          return true;
        },
        end: () => transport.destroy(),
        destroy: () => {
          if (dead) return;
          dead = true;
          setImmediate(() => handlers.onClose());
        },
      };
      return transport;
    };
    const conn = new Connection({
      host: 'dribble', port: 1, connector: dribbling, connectTimeout: 1000, timeout: 50, maxQueue: Infinity,
      events: { onTransportError: (e) => transportErrors.push(e) },
    });
    cleanup.push(() => conn.destroy());
    expect(await conn.send(cmd.version())).toBe('1.2.3');
    expect(delivered).toBe(reply.length);
    expect(transportErrors).toEqual([]);
  });
});

describe('a hung server still times out', () => {
  it('a stopped (SIGSTOP) memcached: CommandTimeoutError after the timeout, reported once', async () => {
    const own = await MemcachedServer.start();
    cleanup.push(() => own.stop());
    const { conn, transportErrors } = open(own.host, own.port, { timeout: 200 });
    await conn.send(cmd.store('set', 'k', text('v'), 0, 0));
    await pauseServer(own);
    const started = performance.now();
    const [get, set] = await Promise.all([settle(conn.send(cmd.get('k'))), settle(conn.send(cmd.store('set', 'k', text('w'), 0, 0)))]);
    const elapsed = performance.now() - started;
    expect(get.error).toBeInstanceOf(CommandTimeoutError);
    expect(set.error).toBeInstanceOf(ConnectionClosedError);
    expect((set.error as ConnectionClosedError).outcomeUnknown).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(3000);
    expect(transportErrors).toEqual([get.error]);

    own.resume();
    expect(await conn.send(cmd.version())).toMatch(/^1\./); // on a fresh transport
  });

  it('a stopped memcached behind a blocked loop still times out: a turn that reads nothing is the server’s silence', async () => {
    const own = await MemcachedServer.start();
    cleanup.push(() => own.stop());
    const { conn, transportErrors, writes } = open(own.host, own.port, { timeout: 200 });
    await conn.send(cmd.version());
    await pauseServer(own);
    const get = settle(conn.send(cmd.get('k')));
    const before = writes.length;
    for (let i = 0; i < 10 && writes.length === before; i++) await null;
    expect(writes.length).toBe(before + 1);
    busy(700);
    const unblocked = performance.now();
    const { error } = await get;
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(performance.now() - unblocked).toBeLessThan(1000); // at the first check after the block
    expect(transportErrors).toEqual([error]);
  });
});
