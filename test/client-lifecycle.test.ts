/**
 * The Client's life at its edges, on real memcached: every command after close() is a
 * ClientClosedError; close() settles within timeout + closeTimeout (+ slack) while a server is
 * hung (SIGSTOP) or a black hole; whole-cluster commands with every server down; and the value
 * size limit, raised from the server's item_size_max on each new connection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Client,
  ClientClosedError,
  CommandTimeoutError,
  ServerError,
  TransportError,
  type ClientOptions,
} from '../bindings/entry/node.js';
import { MemcachedServer, serverStats, startCluster } from './support/memcached.js';
import { nextEvent } from './support/wait.js';

type AnyClient = Client<any>;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function servers(count: number, args: string[] = []): Promise<MemcachedServer[]> {
  const started = await startCluster(count, { args });
  cleanup.push(() => Promise.all(started.map((s) => s.stop())));
  return started;
}

function client(addresses: string[], options: Omit<ClientOptions, 'servers'> = {}): AnyClient {
  const mc = new Client<any>({ servers: addresses, ...options });
  cleanup.push(() => mc.close());
  return mc;
}

/** A client whose servers are stopped and marked down; no probe runs within the test. */
async function allDown(addresses: string[], options: Omit<ClientOptions, 'servers'> = {}): Promise<AnyClient> {
  const mc = client(addresses, { failureLimit: 1, retryInterval: 600_000, ...options });
  await mc.connect();
  for (let i = 0; mc.servers().some((s) => s.status !== 'down'); i++) {
    if (i > 1000) throw new Error('the servers did not all go down');
    await mc.get(`mark-down:${i}`).catch(() => undefined);
  }
  return mc;
}

/** Every command, with valid input (`bad`: with invalid input, which a closed client refuses all the same). */
function everyCommand(mc: AnyClient, bad = false): [string, () => Promise<unknown>][] {
  const key = bad ? 'a b' : 'k';
  const n = bad ? -1 : 1;
  return [
    ['get', () => mc.get(key)], ['gets', () => mc.gets(key)], ['gat', () => mc.gat(key, bad ? NaN : 10)],
    ['getMany', () => mc.getMany(bad ? ('abc' as never) : [key, 'k2'])], ['set', () => mc.set(key, bad ? ({} as never) : 'v')],
    ['add', () => mc.add(key, 'v')], ['replace', () => mc.replace(key, 'v')], ['append', () => mc.append(key, 'v')],
    ['prepend', () => mc.prepend(key, 'v')], ['cas', () => mc.cas(key, 'v', bad ? (-1n as bigint) : 1n)], ['delete', () => mc.delete(key)],
    ['incr', () => mc.incr(key, n)], ['decr', () => mc.decr(key, n)], ['touch', () => mc.touch(key, bad ? 1.5 : 10)],
    ['flush', () => mc.flush()], ['version', () => mc.version()], ['stats', () => mc.stats(bad ? 'a b' : undefined)],
  ];
}

/** `name: <ErrorClass> <code>` for each command, or `name: resolved`. */
async function outcomes(commands: [string, () => Promise<unknown>][]): Promise<string[]> {
  return Promise.all(commands.map(async ([name, run]) => {
    try {
      await run();
      return `${name}: resolved`;
    } catch (err) {
      return `${name}: ${(err as Error).constructor.name} ${(err as { code?: string }).code}`;
    }
  }));
}

const closedEverywhere = (commands: [string, unknown][]) => commands.map(([name]) => `${name}: ClientClosedError ERR_CLIENT_CLOSED`);

describe('after close()', () => {
  it('every command rejects with ClientClosedError: a used client, a client closed before it was ready, an all-down client, bad input too', async () => {
    const addresses = (await servers(2)).map((s) => s.address);
    const used = client(addresses);
    expect(await used.set('k', '1')).toBe(true);
    expect(await used.getMany(['k'])).toEqual(new Map([['k', '1']]));
    await used.close();

    const early = client(addresses);
    const earlyClose = early.close(); // before the router is even built

    const stopped = await servers(2);
    await Promise.all(stopped.map((s) => s.stop()));
    const down = await allDown(stopped.map((s) => s.address));
    await down.close();
    await earlyClose;

    for (const mc of [used, early, down]) {
      for (const bad of [false, true]) {
        const commands = everyCommand(mc, bad);
        expect(await outcomes(commands)).toEqual(closedEverywhere(commands));
      }
    }
    // Closing again is harmless and still settles.
    await used.close();
  });

  it('commands issued before close() in the same turn complete; those issued after it are ClientClosedErrors, never ERR_CONNECTION_CLOSED', async () => {
    const addresses = (await servers(2)).map((s) => s.address);
    const mc = client(addresses);
    expect(await mc.set('k', '5')).toBe(true);
    const before = outcomes(everyCommand(mc));
    const closing = mc.close();
    const after = outcomes(everyCommand(mc));
    const done = await before;
    expect(done.filter((o) => !o.endsWith(': resolved'))).toEqual([]);
    expect(await after).toEqual(closedEverywhere(everyCommand(mc)));
    await closing;
  });

  it('a second close() waits for the first (it does not resolve while a hung server\'s connection is still closing)', async () => {
    const [server] = await servers(1);
    const mc = client([server.address], { timeout: 400 });
    expect(await mc.set('k', 'v')).toBe(true);
    await server.pause();
    cleanup.push(() => server.resume());
    let firstDone = false;
    const first = mc.close().then(() => { firstDone = true; });
    const started = performance.now();
    await mc.close();
    expect(firstDone).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300); // the closeTimeout (= timeout) ran
    await first;
  });
});

describe('every server down', () => {
  it('flush() resolves false, version() and stats() resolve empty maps, without any I/O', async () => {
    const stopped = await servers(2);
    await Promise.all(stopped.map((s) => s.stop()));
    const mc = await allDown(stopped.map((s) => s.address));
    const requests = () => mc.servers().reduce((n, s) => n + s.counters.requests, 0);
    const before = requests();
    expect(await mc.flush()).toBe(false);
    expect(await mc.version()).toEqual(new Map());
    expect(await mc.stats()).toEqual(new Map());
    expect(await mc.stats('settings')).toEqual(new Map());
    expect(requests()).toBe(before);
  });
});

/**
 * A server that answers the client's handshake and commands like a proxy without stats (`ERROR`
 * to `stats`, `END` to a get, a version) until `silence()`; from then on it reads nothing,
 * answers nothing and never closes (half-open: the client's FIN is never answered).
 */
async function turningBlackHole(): Promise<{ address: string; silence: () => void; stop: () => Promise<void> }> {
  const sockets: Socket[] = [];
  let silent = false;
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk) => {
      if (silent) return;
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (line.startsWith('stats')) socket.write('ERROR\r\n');
        else if (line.startsWith('get ')) socket.write('END\r\n');
        else if (line === 'version') socket.write('VERSION 1.6.18\r\n');
        else socket.write('ERROR\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    address: `127.0.0.1:${address.port}`,
    silence: () => {
      silent = true;
      for (const socket of sockets) socket.pause();
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A server that accepts and never reads, answers nor closes. */
async function blackHole(): Promise<{ address: string; stop: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    address: `127.0.0.1:${address.port}`,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('close() settles within timeout + closeTimeout + 1 s', () => {
  // The client's closeTimeout is its timeout. Slack on top of the bound: a loaded 2-core machine.
  const timeout = 400;
  const bound = timeout + timeout + 1000 + 500;

  async function timedClose(mc: AnyClient): Promise<number> {
    const started = performance.now();
    const result = await Promise.race([mc.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
    expect(result).toBe('closed');
    return performance.now() - started;
  }

  it('an idle connection to a hung server (SIGSTOP)', async () => {
    const [hung, other] = await servers(2);
    const mc = client([hung.address, other.address], { timeout });
    expect(await mc.version()).toHaveProperty('size', 2); // both connections open and idle
    await hung.pause();
    cleanup.push(() => hung.resume());
    expect(await timedClose(mc)).toBeLessThan(bound);
  });

  it('a hung server (SIGSTOP) with a request in flight: the request times out, close() still settles in time', async () => {
    const [hung] = await servers(1);
    const mc = client([hung.address], { timeout });
    expect(await mc.set('k', 'v')).toBe(true);
    await hung.pause();
    cleanup.push(() => hung.resume());
    const inFlight = mc.get('k').catch((e: unknown) => e);
    expect(await timedClose(mc)).toBeLessThan(bound);
    expect(await inFlight).toBeInstanceOf(CommandTimeoutError);
  });

  it('an idle connection to a server that became a black hole (never answers, never closes, not even after our FIN)', async () => {
    const hole = await turningBlackHole();
    cleanup.push(() => hole.stop());
    const mc = client([hole.address], { timeout });
    expect(await mc.get('k')).toBeUndefined(); // handshake and a miss answered: connected and idle
    hole.silence();
    const elapsed = await timedClose(mc);
    expect(elapsed).toBeLessThan(bound);
    expect(elapsed).toBeGreaterThanOrEqual(timeout - 100); // it did wait for a FIN that never came
  });

  it('a black hole from the first byte, with a request in flight', async () => {
    const hole = await blackHole();
    cleanup.push(() => hole.stop());
    const mc = client([hole.address], { timeout });
    const inFlight = mc.get('k').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50)); // connected, handshake and get written
    expect(await timedClose(mc)).toBeLessThan(bound);
    // The handshake's stats, ahead of the get, is the request that timed out: the get is closed
    // with it (see the report: the caller never sees ERR_COMMAND_TIMEOUT itself here).
    const err = await inFlight;
    expect(err).toBeInstanceOf(TransportError);
    expect(err instanceof CommandTimeoutError || (err as Error).cause instanceof CommandTimeoutError).toBe(true);
  });
});

describe('value size limits', () => {
  const MiB = 1024 * 1024;
  const big = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);

  it('a server started with -I 4m: a 3 MiB value is read, on a fresh client\'s first connection and on a renewed one', async () => {
    const [server] = await servers(1, ['-I', '4m']);
    const value = big(3 * MiB);
    const writer = client([server.address], { codec: 'bytes' });
    expect(await writer.set('big', value)).toBe(true);

    // Its first reply is the big value: the limit was raised by the handshake, before it.
    const reader = client([server.address], { codec: 'bytes', retryInterval: 200, timeout: 2000, connectTimeout: 2000 });
    expect(Buffer.from((await reader.get('big'))!).equals(value)).toBe(true);
    expect(Buffer.from((await reader.getMany(['big'])).get('big')!).equals(value)).toBe(true);
    expect(Buffer.from((await reader.gets('big'))!.value).equals(value)).toBe(true);

    // A restart fails the server back with a new Connection (default limit 1 MiB): its handshake raises it again.
    const connection = () => (reader as unknown as { cluster: { slots: { connection: object }[] } }).cluster.slots[0].connection;
    const old = connection();
    const up = nextEvent(reader, 'up', 20_000);
    await server.restart();
    await reader.get('probe').catch(() => undefined); // lets the client notice the restart at once
    await up;
    expect(connection()).not.toBe(old);
    expect(await reader.set('big', value)).toBe(true);
    expect(Buffer.from((await reader.get('big'))!).equals(value)).toBe(true);
  });

  it('a server without -I: a 1.5 MiB set is memcached\'s own ServerError, and the same connection goes on', async () => {
    const [server] = await servers(1);
    const mc = client([server.address]);
    const downs: string[] = [];
    mc.on('down', (s) => downs.push(s.name));
    expect(await mc.set('small', 'v')).toBe(true);
    const connectionsBefore = Number((await serverStats(server.host, server.port)).get('total_connections'));
    const err = await mc.set('too-big', big(1.5 * MiB)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).serverMessage).toMatch(/too large/);
    expect(await mc.get('small')).toBe('v');
    expect(await mc.set('small', 'w')).toBe(true);
    expect(await mc.get('small')).toBe('w');
    // One more connection: our stats probe's own. The client did not reconnect.
    expect(Number((await serverStats(server.host, server.port)).get('total_connections'))).toBe(connectionsBefore + 1);
    expect(downs).toEqual([]);
    expect(mc.servers()[0].status).toBe('up');
  });
});
