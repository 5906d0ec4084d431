/**
 * The connection against a scripted fake server, for what a real memcached never does: garbage,
 * a stall in the middle of a value, a close in the middle of a reply, one byte per packet, the
 * wrong key, bytes nobody asked for, a value too large to buffer, a proxy's ERROR to the
 * handshake, a hang-up racing a write, and a black hole that never confirms a close.
 */
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection, type ConnectionOptions, type Handshake } from '../bindings/connection/connection.js';
import * as cmd from '../bindings/protocol/commands.js';
import {
  ClientError,
  CommandTimeoutError,
  ConnectionClosedError,
  CrossRequestError,
  ProtocolError,
  ServerError,
  UnknownCommandError,
  type TransportError,
} from '../bindings/errors.js';
import { connectNode } from '../bindings/transport/node.js';
import type { Connector } from '../bindings/transport/transport.js';
import { FakeServer, type FakePeer, type FakeScript } from './support/fake-server.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

interface Harness {
  fake: FakeServer;
  conn: Connection;
  transportErrors: TransportError[];
  closes: (Error | undefined)[];
  /** Chunks received by the connection, per transport. */
  chunks: number[];
}

const started: Harness[] = [];
afterEach(async () => {
  for (const h of started.splice(0)) {
    h.conn.destroy();
    await h.fake.stop();
  }
});

async function harness(script: FakeScript, options: Partial<ConnectionOptions> = {}): Promise<Harness> {
  const fake = await FakeServer.start(script);
  const h: Harness = { fake, conn: undefined as unknown as Connection, transportErrors: [], closes: [], chunks: [] };
  // Counts the chunks each transport delivers, to prove one-byte packets really arrive apart.
  const counting: Connector = (opts, handlers) => {
    const index = h.chunks.push(0) - 1;
    return connectNode(opts, { ...handlers, onData: (chunk) => (h.chunks[index]++, handlers.onData(chunk)) });
  };
  h.conn = new Connection({
    host: fake.host,
    port: fake.port,
    connector: counting,
    connectTimeout: 1000,
    timeout: 1000,
    maxQueue: Infinity,
    events: { onTransportError: (e) => h.transportErrors.push(e), onClose: (e) => h.closes.push(e) },
    ...options,
  });
  started.push(h);
  return h;
}

/** A tiny memcached: answers `get` with one VALUE (the requested key, value `<key>-value`), `version`, and `set`. */
async function serveNormally(peer: FakePeer): Promise<void> {
  for (;;) {
    const line = await peer.readLine();
    const [verb, ...args] = line.split(' ');
    if (verb === 'get') peer.write(`${args.map((k) => `VALUE ${k} 0 ${k.length + 6}\r\n${k}-value\r\n`).join('')}END\r\n`);
    else if (verb === 'version') peer.write('VERSION 9.9.9\r\n');
    else if (verb === 'set') {
      await peer.readBytes(Number(args[3]) + 2);
      if (!line.endsWith('noreply')) peer.write('STORED\r\n');
    } else peer.write('ERROR\r\n');
  }
}

const settle = <T>(p: Promise<T>) => p.then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error }));

describe('garbage and desynchronisation', () => {
  it('garbage bytes: the head gets a ProtocolError, the rest ConnectionClosedError, and the next request reconnects', async () => {
    const h = await harness(async (peer, index) => {
      if (index > 0) return serveNormally(peer);
      await peer.readLine();
      peer.write('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    const [first, second] = await Promise.all([settle(h.conn.send(cmd.get('a'))), settle(h.conn.send(cmd.store('set', 'b', text('x'), 0, 0)))]);
    expect(first.error).toBeInstanceOf(ProtocolError);
    expect((first.error as ProtocolError).message).toMatch(/unexpected reply to get: "HTTP\/1.1 400/);
    expect(second.error).toBeInstanceOf(ConnectionClosedError);
    expect((second.error as ConnectionClosedError).outcomeUnknown).toBe(true); // a write that was sent
    expect((second.error as ConnectionClosedError).cause).toBe(first.error);
    expect(h.closes).toEqual([first.error]);
    expect(h.transportErrors).toEqual([]); // garbage is not a transport failure
    expect(h.conn.connected).toBe(false);

    const item = await h.conn.send(cmd.get('again'));
    expect(str(item!.value)).toBe('again-value');
    expect(h.fake.peers).toHaveLength(2);
  });

  it('a VALUE for another key than the one requested is a ProtocolError, never a wrong value', async () => {
    const h = await harness(async (peer) => {
      await peer.readLine();
      peer.write('VALUE someone-else 0 6\r\nsecret\r\nEND\r\n');
    });
    const error = await h.conn.send(cmd.get('mine')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toMatch(/"someone-else", which was not requested/);
  });

  it('bytes arriving while no request waits destroy the connection; the next request uses a new one', async () => {
    const h = await harness(async (peer, index) => {
      if (index > 0) return serveNormally(peer);
      await peer.readLine();
      peer.write('VERSION 1.0.0\r\nSTORED\r\n');
    });
    expect(await h.conn.send(cmd.version())).toBe('1.0.0');
    await vi.waitFor(() => expect(h.closes).toHaveLength(1));
    expect(h.closes[0]).toBeInstanceOf(ProtocolError);
    expect(await h.conn.send(cmd.version())).toBe('9.9.9');
  });

  it('CLIENT_ERROR to a command with a data block rejects it, and the connection is replaced', async () => {
    const h = await harness(async (peer, index) => {
      if (index > 0) return serveNormally(peer);
      await peer.readLine();
      await peer.readLine();
      peer.write('CLIENT_ERROR bad data chunk\r\nVERSION 1.0.0\r\n');
    });
    const [set, version] = await Promise.all([settle(h.conn.send(cmd.store('set', 'k', text('x'), 0, 0))), settle(h.conn.send(cmd.version()))]);
    expect(set.error).toBeInstanceOf(ClientError);
    expect((set.error as ClientError).serverMessage).toBe('bad data chunk');
    expect(version.error).toBeInstanceOf(ConnectionClosedError);
    expect((version.error as ConnectionClosedError).outcomeUnknown).toBe(false); // a read
    expect(h.closes).toEqual([set.error]);
    expect(await h.conn.send(cmd.version())).toBe('9.9.9');
  });

  it('SERVER_ERROR is a per-request error: the connection stays', async () => {
    const h = await harness(async (peer) => {
      await peer.readLine();
      await peer.readLine();
      peer.write('SERVER_ERROR out of memory storing object\r\n');
      await peer.readLine();
      peer.write('VERSION 1.0.0\r\n');
    });
    const error = await h.conn.send(cmd.store('set', 'k', text('x'), 0, 0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(await h.conn.send(cmd.version())).toBe('1.0.0');
    expect(h.fake.peers).toHaveLength(1);
    expect(h.closes).toEqual([]);
  });
});

describe('stalls and closes', () => {
  it('a stall in the middle of a value times out: CommandTimeoutError, the rest closed, the connection destroyed', async () => {
    const h = await harness(
      async (peer, index) => {
        if (index > 0) return serveNormally(peer);
        await peer.readLine();
        peer.write('VALUE k 0 100\r\n0123456789'); // …and nothing more
      },
      { timeout: 150 },
    );
    const started = performance.now();
    const [get, set] = await Promise.all([settle(h.conn.send(cmd.get('k'))), settle(h.conn.send(cmd.store('set', 'x', text('1'), 0, 0)))]);
    const elapsed = performance.now() - started;
    expect(get.error).toBeInstanceOf(CommandTimeoutError);
    expect((get.error as CommandTimeoutError).code).toBe('ERR_COMMAND_TIMEOUT');
    expect((get.error as CommandTimeoutError).outcomeUnknown).toBe(false);
    expect(set.error).toBeInstanceOf(ConnectionClosedError);
    expect((set.error as ConnectionClosedError).outcomeUnknown).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
    expect(h.transportErrors).toEqual([get.error]);
    expect(h.conn.connected).toBe(false);
    // The stalled socket is gone; the next request is answered on a fresh one.
    expect(str((await h.conn.send(cmd.get('k')))!.value)).toBe('k-value');
    await vi.waitFor(() => expect(h.fake.peers[0].socket.destroyed).toBe(true));
  });

  it('a request sent after an answered one times out at its own deadline, never at the earlier request’s', async () => {
    const h = await harness(async (peer) => {
      expect(await peer.readLine()).toBe('get a');
      peer.write('VALUE a 0 1\r\nA\r\nEND\r\n');
      await peer.readLine(); // never answers the second
    }, { timeout: 300 });
    expect(str((await h.conn.send(cmd.get('a')))!.value)).toBe('A');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    const error = await h.conn.send(cmd.get('b')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    // Not at the first request's deadline (100 ms after the second was sent), but at its own.
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('a per-request timeout overrides the default', async () => {
    const h = await harness(async (peer) => {
      await peer.readLine(); // never answers
    }, { timeout: 60_000 });
    const started = performance.now();
    const error = await h.conn.send(cmd.version(), 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect((error as Error).message).toMatch(/within timeout \(100 ms\)/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('a close in the middle of a reply rejects every pending request with ConnectionClosedError', async () => {
    const h = await harness(async (peer, index) => {
      if (index > 0) return serveNormally(peer);
      await peer.readLine();
      await peer.readLine();
      await peer.readLine();
      peer.write('VALUE a 0 5\r\nhello\r\nEND\r\n4');
      setTimeout(() => peer.end(), 20);
    });
    // The incr between the gets keeps them on lines of their own (adjacent gets share one line).
    const [a, c, b] = await Promise.all([
      settle(h.conn.send(cmd.get('a'))),
      settle(h.conn.send(cmd.incr('n', 1))),
      settle(h.conn.send(cmd.get('b'))),
    ]);
    expect(str((a.value as { value: Uint8Array }).value)).toBe('hello');
    expect(b.error).toBeInstanceOf(ConnectionClosedError);
    expect((b.error as ConnectionClosedError).outcomeUnknown).toBe(false);
    expect(c.error).toBeInstanceOf(ConnectionClosedError);
    expect((c.error as ConnectionClosedError).outcomeUnknown).toBe(true);
    expect((b.error as Error).message).toMatch(/closed before the answer arrived: the server closed the connection/);
    expect(h.transportErrors).toHaveLength(1);
    expect(h.transportErrors[0]).toBeInstanceOf(ConnectionClosedError);
    expect(str((await h.conn.send(cmd.get('d')))!.value)).toBe('d-value');
  });

  it('a reset connection is a ConnectionClosedError too', async () => {
    const h = await harness(async (peer) => {
      await peer.readLine();
      peer.socket.resetAndDestroy();
    });
    const error = await h.conn.send(cmd.get('a')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(h.transportErrors).toHaveLength(1);
  });
});

describe('one byte per packet', () => {
  it('parses replies that arrive one byte at a time', async () => {
    const reply = 'VALUE a 7 12\r\nhello\r\nworld\r\nVALUE b 0 0\r\n\r\nEND\r\nSTORED\r\n42\r\nVERSION 1.2.3\r\n';
    const h = await harness(async (peer) => {
      await peer.readLine();
      await peer.readLine();
      await peer.readBytes(3);
      await peer.readLine();
      await peer.readLine();
      await peer.dribble(reply, 2);
    });
    const [items, stored, counter, version] = await Promise.all([
      h.conn.send(cmd.getMulti(['a', 'b'])),
      h.conn.send(cmd.store('set', 'k', text('v'), 0, 0)),
      h.conn.send(cmd.incr('n', 1)),
      h.conn.send(cmd.version()),
    ]);
    expect(items.map((i) => [i.key, i.flags, str(i.value)])).toEqual([
      ['a', 7, 'hello\r\nworld'],
      ['b', 0, ''],
    ]);
    expect([stored, counter, version]).toEqual(['STORED', 42, '1.2.3']);
    // Most bytes really came in separate reads.
    expect(h.chunks[0]).toBeGreaterThan(reply.length / 2);
  });
});

describe('value limit', () => {
  it('a VALUE header announcing 4 GiB is a ProtocolError at once: the session is destroyed before any value byte, nothing is buffered', async () => {
    const h = await harness(async (peer, index) => {
      if (index > 0) return serveNormally(peer);
      await peer.readLine();
      peer.write('VALUE k 0 4294967296\r\n'); // …and the connection stays open, sending nothing more
    });
    const memory = process.memoryUsage().arrayBuffers;
    const [get, version] = await Promise.all([settle(h.conn.send(cmd.get('k'))), settle(h.conn.send(cmd.version()))]);
    expect(get.error).toBeInstanceOf(ProtocolError);
    expect((get.error as Error).message).toMatch(/4294967296 bytes .* more than the limit of 1048576/);
    expect(version.error).toBeInstanceOf(ConnectionClosedError);
    expect(h.closes).toEqual([get.error]);
    expect(h.transportErrors).toEqual([]); // garbage, not a transport failure
    expect(process.memoryUsage().arrayBuffers - memory).toBeLessThan(64 * 1024 * 1024);
    await vi.waitFor(() => expect(h.fake.peers[0].socket.destroyed).toBe(true));
    expect(await h.conn.send(cmd.version())).toBe('9.9.9');
  });

  it('maxValueBytes sets the limit; a value at the limit is read', async () => {
    const h = await harness(serveNormally, { maxValueBytes: 'big-value'.length });
    expect(str((await h.conn.send(cmd.get('big')))!.value)).toBe('big-value');
    expect(await h.conn.send(cmd.get('bigger')).catch((e: unknown) => e)).toBeInstanceOf(ProtocolError);
  });
});

describe('handshake', () => {
  /** A `stats` handshake to a proxy that answers it with ERROR, pipelined with `get a` in one packet. */
  async function proxyAnsweringError(verdict: (replies: unknown[]) => Error | undefined) {
    const verified: unknown[][] = [];
    const handshake: Handshake = {
      requests: () => [cmd.stats()],
      verify: (replies) => (verified.push(replies), verdict(replies)),
    };
    const h = await harness(
      async (peer) => {
        expect(await peer.readLine()).toBe('stats');
        expect(await peer.readLine()).toBe('get a');
        peer.write('ERROR\r\nVALUE a 0 1\r\nx\r\nEND\r\n');
        await peer.readLine();
      },
      { handshake },
    );
    return { h, verified };
  }

  it('verify sees the ERROR as an UnknownCommandError value; accepted, the answers behind it are delivered', async () => {
    const { h, verified } = await proxyAnsweringError(() => undefined);
    expect(str((await h.conn.send(cmd.get('a')))!.value)).toBe('x');
    expect(verified).toHaveLength(1);
    expect(verified[0][0]).toBeInstanceOf(UnknownCommandError);
    expect(h.closes).toEqual([]);
  });

  it('refused, the session is torn down before the answers behind it (already received) are delivered', async () => {
    const refusal = new Error('a proxy: no stats, no identity');
    const { h, verified } = await proxyAnsweringError(() => refusal);
    const { value, error } = await settle(h.conn.send(cmd.get('a')));
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as ConnectionClosedError).cause).toBe(refusal);
    expect(verified).toHaveLength(1);
    expect(h.closes).toEqual([refusal]);
    expect(h.transportErrors).toEqual([]);
    await vi.waitFor(() => expect(h.fake.peers[0].socket.destroyed).toBe(true));
  });

  it('a handshake that is never answered times out like any request: an ordinary transport failure, the timeout given to the caller\'s request', async () => {
    let verified = 0;
    const h = await harness(
      async (peer) => {
        await peer.readLine(); // never answers
      },
      { timeout: 150, handshake: { requests: () => [cmd.version()], verify: () => (verified++, undefined) } },
    );
    const { error } = await settle(h.conn.send(cmd.get('a')));
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(h.transportErrors).toHaveLength(1);
    expect(h.transportErrors[0]).toBeInstanceOf(CommandTimeoutError);
    expect(verified).toBe(0);
  });
});

describe('what was sent', () => {
  it('a set handed over after the server hung up (FIN read, socket not closed yet) was never sent: its outcome is known', async () => {
    const lines: string[] = [];
    const h = await harness(async (peer, index) => {
      if (index > 0) return serveNormally(peer);
      await peer.readLine();
      peer.write('VERSION 1.0.0\r\n');
      peer.end();
      for (;;) lines.push(await peer.readLine()); // what did reach the server
    });
    expect(await h.conn.send(cmd.version())).toBe('1.0.0');
    const outcomes: Promise<{ value: unknown; error: unknown }>[] = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(settle(h.conn.send(cmd.store('set', `k${i}`, text('v'), 0, 0))));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const settled = await Promise.all(outcomes);
    for (const [i, { value, error }] of settled.entries()) {
      if (error === undefined) {
        expect(value).toBe('STORED'); // on the next connection
        continue;
      }
      expect(error).toBeInstanceOf(ConnectionClosedError);
      // Unknown only for a set the server did get.
      if ((error as ConnectionClosedError).outcomeUnknown) expect(lines).toContain(`set k${i} 0 0 1`);
    }
    expect(settled.at(-1)!.value).toBe('STORED');
  });

  it('a write the transport throws on sent nothing: every request in it rejects with a known outcome, noreply ones too', async () => {
    let writes = 0;
    const h = await harness(serveNormally, {
      connector: async (opts, handlers) => {
        const transport = await connectNode(opts, handlers);
        return {
          write: (d) => {
            if (++writes === 1) throw new Error('refused by the runtime');
            return transport.write(d);
          },
          end: () => transport.end(),
          destroy: () => transport.destroy(),
        };
      },
    });
    const [set, quiet] = await Promise.all([
      settle(h.conn.send(cmd.store('set', 'k', text('v'), 0, 0))),
      settle(h.conn.send(cmd.store('set', 'q', text('v'), 0, 0, true))),
    ]);
    expect(set.error).toBeInstanceOf(ConnectionClosedError);
    expect((set.error as ConnectionClosedError).outcomeUnknown).toBe(false);
    expect(quiet.error).toBeInstanceOf(ConnectionClosedError);
    expect((quiet.error as ConnectionClosedError).outcomeUnknown).toBe(false);
    expect((set.error as Error).message).toMatch(/refused by the runtime/);
    expect(h.conn.pending).toBe(0);
    expect(await h.conn.send(cmd.store('set', 'k', text('v'), 0, 0))).toBe('STORED');
  });
});

describe('closing a black hole', () => {
  it('close() to a server that accepts, never reads, answers nor closes settles after closeTimeout', async () => {
    const sockets: Socket[] = [];
    const hole = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const address = hole.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');
    const closes: (Error | undefined)[] = [];
    const conn = new Connection({
      host: '127.0.0.1', port: address.port, connector: connectNode, connectTimeout: 1000, timeout: 5000, closeTimeout: 200,
      maxQueue: Infinity, events: { onClose: (e) => closes.push(e) },
    });
    try {
      await conn.send(cmd.store('set', 'k', text('v'), 0, 0, true)); // noreply: connected and idle
      const started = performance.now();
      const closed = await Promise.race([conn.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
      const elapsed = performance.now() - started;
      expect(closed).toBe('closed');
      expect(elapsed).toBeGreaterThanOrEqual(180);
      expect(elapsed).toBeLessThan(3000);
      expect(closes).toEqual([undefined]);
      expect(conn.connected).toBe(false);
    } finally {
      conn.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hole.close(() => resolve()));
    }
  });
});

describe("a runtime's refusal (Workers: the socket belongs to another request)", () => {
  it('rejects every pending request with CrossRequestError and reports no transport failure', async () => {
    const transportErrors: TransportError[] = [];
    const idle: Error[] = [];
    let close!: (error?: Error) => void;
    const refusing: Connector = async (_opts, handlers) => {
      close = handlers.onClose;
      return { write: () => true, end: () => undefined, destroy: () => undefined };
    };
    const conn = new Connection({
      host: 'worker', port: 1, connector: refusing, connectTimeout: 1000, timeout: 1000, maxQueue: 10,
      events: { onTransportError: (e) => transportErrors.push(e), onIdleClose: (e) => idle.push(e) },
    });
    const pending = [conn.send(cmd.get('a')), conn.send(cmd.store('set', 'b', text('x'), 0, 0))].map((p) => p.catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 10));
    close(new CrossRequestError('worker:1', new Error('Cannot perform I/O on behalf of a different request')));
    const errors = await Promise.all(pending);
    for (const e of errors) expect(e).toMatchObject({ code: 'ERR_CROSS_REQUEST' });
    expect(transportErrors).toEqual([]);
    expect(idle).toEqual([]);
    conn.destroy();
  });
});
