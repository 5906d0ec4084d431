/**
 * Every command through a real connection to a real memcached: round trips, binary and large
 * values, server errors that leave the connection usable, and deep pipelining.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type ConnectionOptions } from '../bindings/connection/connection.js';
import * as cmd from '../bindings/protocol/commands.js';
import { ClientError, ProtocolError, ServerError, UnknownCommandError } from '../bindings/errors.js';
import { connectNode } from '../bindings/transport/node.js';
import { MemcachedServer, rawCommand } from './support/memcached.js';

/** memcached's counters are unsigned 64-bit. */
const MAX_U64 = (1n << 64n) - 1n;

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
/** Byte content as a plain array, so a Buffer and a Uint8Array with the same bytes compare equal. */
const bytesOf = (b: Uint8Array): number[] => Array.from(b);

function open(server: MemcachedServer, options: Partial<ConnectionOptions> = {}): Connection {
  return new Connection({
    host: server.host,
    port: server.port,
    connector: connectNode,
    connectTimeout: 2000,
    timeout: 2000,
    maxQueue: Infinity,
    ...options,
  });
}

let server: MemcachedServer;
let conn: Connection;
let n = 0;
/** A fresh key per test, so tests sharing the server never see each other's items. */
const key = (name: string): string => `${name}-${++n}`;

beforeAll(async () => {
  server = await MemcachedServer.start();
  conn = open(server);
});
afterAll(async () => {
  await conn.close();
  await server.stop();
});

describe('storage and retrieval', () => {
  it('set then get returns the bytes and flags; a miss is null', async () => {
    const k = key('a');
    expect(await conn.send(cmd.store('set', k, text('hello'), 42, 0))).toBe('STORED');
    const item = await conn.send(cmd.get(k));
    expect(item).not.toBeNull();
    expect(item!.key).toBe(k);
    expect(item!.flags).toBe(42);
    expect(str(item!.value)).toBe('hello');
    expect(item!.cas).toBeUndefined();
    expect(await conn.send(cmd.get(key('missing')))).toBeNull();
  });

  it('add, replace, append, prepend follow memcached semantics', async () => {
    const k = key('b');
    expect(await conn.send(cmd.store('replace', k, text('x'), 0, 0))).toBe('NOT_STORED');
    expect(await conn.send(cmd.store('append', k, text('x'), 0, 0))).toBe('NOT_STORED');
    expect(await conn.send(cmd.store('add', k, text('mid'), 7, 0))).toBe('STORED');
    expect(await conn.send(cmd.store('add', k, text('again'), 0, 0))).toBe('NOT_STORED');
    expect(await conn.send(cmd.store('append', k, text('-end'), 0, 0))).toBe('STORED');
    expect(await conn.send(cmd.store('prepend', k, text('start-'), 0, 0))).toBe('STORED');
    const item = await conn.send(cmd.get(k));
    expect(str(item!.value)).toBe('start-mid-end');
    expect(item!.flags).toBe(7); // append/prepend keep the original flags
    expect(await conn.send(cmd.store('replace', k, text('new'), 9, 0))).toBe('STORED');
    expect(str((await conn.send(cmd.get(k)))!.value)).toBe('new');
  });

  it('gets returns a CAS unique; cas succeeds with it, then answers EXISTS, and NOT_FOUND for a missing key', async () => {
    const k = key('c');
    await conn.send(cmd.store('set', k, text('v1'), 0, 0));
    const first = await conn.send(cmd.gets(k));
    expect(typeof first!.cas).toBe('bigint');
    expect(await conn.send(cmd.cas(k, text('v2'), 3, 0, first!.cas!))).toBe('STORED');
    expect(await conn.send(cmd.cas(k, text('v3'), 0, 0, first!.cas!))).toBe('EXISTS');
    const second = await conn.send(cmd.gets(k));
    expect(str(second!.value)).toBe('v2');
    expect(second!.flags).toBe(3);
    expect(second!.cas).not.toBe(first!.cas);
    expect(await conn.send(cmd.cas(key('nope'), text('x'), 0, 0, 1n))).toBe('NOT_FOUND');
  });

  it('multi-key get returns only the hits, each under its own key', async () => {
    const keys = [key('m'), key('m'), key('m'), key('m')];
    await conn.send(cmd.store('set', keys[0], text('zero'), 0, 0));
    await conn.send(cmd.store('set', keys[2], text('two'), 2, 0));
    const items = await conn.send(cmd.getMulti(keys));
    expect(items.map((i) => [i.key, str(i.value), i.flags])).toEqual([
      [keys[0], 'zero', 0],
      [keys[2], 'two', 2],
    ]);
    const withCas = await conn.send(cmd.getsMulti([keys[2], keys[3]]));
    expect(withCas).toHaveLength(1);
    expect(typeof withCas[0].cas).toBe('bigint');
    expect(await conn.send(cmd.getMulti([key('none'), key('none')]))).toEqual([]);
  });

  it('handles non-ASCII keys', async () => {
    const k = `ключ-${key('ü')}-键`;
    await conn.send(cmd.store('set', k, text('unicode'), 0, 0));
    expect((await conn.send(cmd.get(k)))!.key).toBe(k);
    expect((await conn.send(cmd.getMulti(['x', k])))[0].key).toBe(k);
    // And the server stored the UTF-8 bytes as the key.
    expect(await rawCommand(server.host, server.port, `get ${k}\r\n`)).toContain('unicode');
  });
});

describe('values', () => {
  it('round-trips binary values containing \\r\\n, NUL and every byte', async () => {
    const bytes = new Uint8Array(512);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
    const tricky = text('line1\r\nEND\r\nVALUE x 0 1\r\n\r\n');
    const k1 = key('bin');
    const k2 = key('crlf');
    await conn.send(cmd.store('set', k1, bytes, 0, 0));
    await conn.send(cmd.store('set', k2, tricky, 0, 0));
    expect(bytesOf((await conn.send(cmd.get(k1)))!.value)).toEqual(bytesOf(bytes));
    expect(bytesOf((await conn.send(cmd.get(k2)))!.value)).toEqual(bytesOf(tricky));
    const both = await conn.send(cmd.getMulti([k2, k1]));
    expect(both.map((i) => bytesOf(i.value))).toEqual([bytesOf(tricky), bytesOf(bytes)]);
  });

  it('round-trips an empty value', async () => {
    const k = key('empty');
    expect(await conn.send(cmd.store('set', k, new Uint8Array(0), 5, 0))).toBe('STORED');
    const item = await conn.send(cmd.get(k));
    expect(item!.value.length).toBe(0);
    expect(item!.flags).toBe(5);
  });

  it('round-trips a value just under 1 MB (the default item limit)', async () => {
    const k = key('big');
    const big = new Uint8Array(1024 * 1024 - 512);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    expect(await conn.send(cmd.store('set', k, big, 1, 0))).toBe('STORED');
    const item = await conn.send(cmd.get(k));
    expect(item!.value.length).toBe(big.length);
    expect(Buffer.compare(item!.value, big)).toBe(0);
  });

  it('SERVER_ERROR for an oversized value rejects that request only; the connection stays usable', async () => {
    const k = key('huge');
    const before = key('before');
    await conn.send(cmd.store('set', before, text('kept'), 0, 0));
    const huge = new Uint8Array(2 * 1024 * 1024).fill(0x61);
    const [tooBig, after] = await Promise.allSettled([
      conn.send(cmd.store('set', k, huge, 0, 0)),
      conn.send(cmd.get(before)),
    ]);
    expect(tooBig.status).toBe('rejected');
    const error = (tooBig as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(ServerError);
    expect(error.code).toBe('ERR_SERVER');
    expect(error.serverMessage).toMatch(/too large/);
    // memcached's own answers name the server they came from.
    expect(error.server).toBe(`${server.host}:${server.port}`);
    expect(error.message).toContain(`(memcached at ${server.host}:${server.port})`);
    expect(after.status === 'fulfilled' && str(after.value!.value)).toBe('kept');
    expect(await conn.send(cmd.get(k))).toBeNull();
    expect(conn.connected).toBe(true);
  });

  it('a 3 MB value from a server started with -I 4m is a ProtocolError under the default limit, and read after raiseValueLimit', async () => {
    const large = await MemcachedServer.start({ args: ['-I', '4m'] });
    const c = open(large);
    let connects = 0;
    const same = open(large, { events: { onConnect: () => connects++ } });
    try {
      const value = new Uint8Array(3 * 1024 * 1024);
      for (let i = 0; i < value.length; i++) value[i] = (i >>> 8) ^ i;
      expect(await c.send(cmd.store('set', 'large', value, 0, 0))).toBe('STORED');
      const refused = await c.send(cmd.get('large')).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ProtocolError);
      expect((refused as Error).message).toMatch(/value of 3145728 bytes for key "large", more than the limit of 1048576/);
      expect(c.connected).toBe(false); // destroyed from the header on

      c.raiseValueLimit(4 * 1024 * 1024);
      c.raiseValueLimit(1024); // never lowers
      const [item, again] = await Promise.all([c.send(cmd.get('large')), c.send(cmd.getMulti(['large', 'x']))]);
      expect(Buffer.compare(item!.value, value)).toBe(0);
      expect(Buffer.compare(again[0].value, value)).toBe(0);

      // Raised on an open transport, the limit applies to it at once.
      expect(await same.send(cmd.version())).toMatch(/^1\./);
      same.raiseValueLimit(4 * 1024 * 1024);
      expect((await same.send(cmd.get('large')))!.value.length).toBe(value.length);
      expect(connects).toBe(1);
    } finally {
      await c.close();
      await same.close();
      await large.stop();
    }
  });
});

describe('other commands', () => {
  it('delete answers DELETED then NOT_FOUND', async () => {
    const k = key('del');
    await conn.send(cmd.store('set', k, text('x'), 0, 0));
    expect(await conn.send(cmd.del(k))).toBe('DELETED');
    expect(await conn.send(cmd.del(k))).toBe('NOT_FOUND');
    expect(await conn.send(cmd.get(k))).toBeNull();
  });

  it('incr/decr return numbers, null when missing, and a bigint above 2^53', async () => {
    const k = key('n');
    expect(await conn.send(cmd.incr(k, 1))).toBeNull();
    await conn.send(cmd.store('set', k, text('10'), 0, 0));
    expect(await conn.send(cmd.incr(k, 5))).toBe(15);
    expect(await conn.send(cmd.decr(k, 20))).toBe(0); // memcached stops at zero
    expect(await conn.send(cmd.incr(k, 2n ** 60n))).toBe(2n ** 60n);
    expect(await conn.send(cmd.incr(k, 2n ** 64n - 1n))).toBe(2n ** 60n - 1n); // wraps modulo 2^64
    expect(await conn.send(cmd.decr(k, 2n ** 60n - 2n))).toBe(1);
  });

  it('incr on a non-number is a ClientError and the connection stays usable', async () => {
    const k = key('nan');
    await conn.send(cmd.store('set', k, text('abc'), 0, 0));
    const err = await conn.send(cmd.incr(k, 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect((err as ClientError).serverMessage).toMatch(/non-numeric/);
    expect(str((await conn.send(cmd.get(k)))!.value)).toBe('abc');
  });

  it('touch, gat and gats update the expiration time', async () => {
    const k = key('t');
    expect(await conn.send(cmd.touch(k, 100))).toBe('NOT_FOUND');
    await conn.send(cmd.store('set', k, text('v'), 4, 1000));
    expect(await conn.send(cmd.touch(k, 2000))).toBe('TOUCHED');
    const got = await conn.send(cmd.gat(3000, k));
    expect(str(got!.value)).toBe('v');
    expect(got!.flags).toBe(4);
    const withCas = await conn.send(cmd.gats(3000, k));
    expect(typeof withCas!.cas).toBe('bigint');
    expect(await conn.send(cmd.gat(0, key('none')))).toBeNull();
    const many = await conn.send(cmd.gatsMulti(3000, [key('none'), k]));
    expect(many.map((i) => i.key)).toEqual([k]);
    // A negative exptime expires the item at once.
    expect(await conn.send(cmd.touch(k, -1))).toBe('TOUCHED');
    expect(await conn.send(cmd.get(k))).toBeNull();
  });

  it('version and stats', async () => {
    expect(await conn.send(cmd.version())).toMatch(/^1\.\d+\.\d+/);
    const stats = await conn.send(cmd.stats());
    expect(Number(stats.get('pid'))).toBe(server.pid);
    const settings = await conn.send(cmd.stats('settings'));
    expect(settings.get('tcpport')).toBe(String(server.port));
    expect(await conn.send(cmd.stats('reset'))).toEqual(new Map());
  });

  it('an unknown stats group is an UnknownCommandError and the connection stays usable', async () => {
    const err = await conn.send(cmd.stats('no-such-group')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownCommandError);
    expect(await conn.send(cmd.version())).toMatch(/^1\./);
  });

  it('noreply commands resolve once written and take effect', async () => {
    const k = key('nr');
    const results = await Promise.all([
      conn.send(cmd.store('set', k, text('5'), 0, 0, true)),
      conn.send(cmd.incr(k, 3, true)),
      conn.send(cmd.touch(k, 100, true)),
      conn.send(cmd.get(k)),
    ]);
    expect(results.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(str(results[3]!.value)).toBe('8');
    await conn.send(cmd.del(k, true));
    expect(await conn.send(cmd.get(k))).toBeNull();
  });

  it('an error right after noreply commands belongs to the command that caused it; the connection stays', async () => {
    const k = key('nr-err');
    const [set, incr, get] = await Promise.allSettled([
      conn.send(cmd.store('set', k, text('not a number'), 0, 0, true)),
      conn.send(cmd.incr(k, 1)),
      conn.send(cmd.get(k)),
    ]);
    expect(set).toEqual({ status: 'fulfilled', value: undefined });
    expect(incr.status === 'rejected' && incr.reason).toBeInstanceOf(ClientError);
    expect(get.status === 'fulfilled' && str(get.value!.value)).toBe('not a number');
    expect(conn.connected).toBe(true);
  });

  it('flush_all invalidates everything (on its own server)', async () => {
    const own = await MemcachedServer.start();
    const c = open(own);
    try {
      await c.send(cmd.store('set', 'a', text('1'), 0, 0));
      expect(await c.send(cmd.flushAll())).toBe('OK');
      expect(await c.send(cmd.get('a'))).toBeNull();
      await c.send(cmd.store('set', 'a', text('1'), 0, 0));
      expect(await c.send(cmd.flushAll(0, true))).toBeUndefined();
      expect(await c.send(cmd.get('a'))).toBeNull();
      expect(await c.send(cmd.flushAll(100))).toBe('OK'); // delayed: still there now
    } finally {
      await c.close();
      await own.stop();
    }
  });
});

describe('timeouts that are long or absent', () => {
  it('a timeout beyond setTimeout range or of 0 (none) still answers, without timer warnings', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const long = open(server, { timeout: 2 ** 40 });
      expect(await long.send(cmd.version())).toMatch(/^1\./);
      await long.close();
      const none = open(server, { timeout: 0 });
      expect(await none.send(cmd.version())).toMatch(/^1\./);
      await none.close();
      await new Promise((r) => setTimeout(r, 20));
      expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('pipelining', () => {
  it('1,000 requests in flight are each answered with their own key', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => key(`p${i}`));
    await Promise.all(keys.map((k, i) => conn.send(cmd.store('set', k, text(`value-${i}`), i, 0))));
    expect(conn.pending).toBe(0);
    const sends = keys.map((k) => conn.send(cmd.get(k)));
    expect(conn.pending).toBe(1000);
    const items = await Promise.all(sends);
    items.forEach((item, i) => {
      expect(item!.key).toBe(keys[i]);
      expect(str(item!.value)).toBe(`value-${i}`);
      expect(item!.flags).toBe(i);
    });
  });

  it('mixes command kinds in one batch and matches every answer in order', async () => {
    const k = key('mix');
    const results = await Promise.all([
      conn.send(cmd.store('set', k, text('1'), 0, 0)),
      conn.send(cmd.incr(k, 1)),
      conn.send(cmd.get(k)),
      conn.send(cmd.version()),
      conn.send(cmd.del(k)),
      conn.send(cmd.touch(k, 1)),
      conn.send(cmd.getMulti([k])),
    ]);
    expect(results[0]).toBe('STORED');
    expect(results[1]).toBe(2);
    expect(str((results[2] as { value: Uint8Array }).value)).toBe('2');
    expect(results[3]).toMatch(/^1\./);
    expect(results.slice(4)).toEqual(['DELETED', 'NOT_FOUND', []]);
  });

  it('coalesces the requests of one tick into one transport write', async () => {
    let writes = 0;
    const c = open(server, {
      connector: async (options, handlers) => {
        const transport = await connectNode(options, handlers);
        return { write: (d) => (writes++, transport.write(d)), end: () => transport.end(), destroy: () => transport.destroy() };
      },
    });
    try {
      await Promise.all(Array.from({ length: 50 }, (_, i) => c.send(cmd.get(`coalesce-${i}`))));
      expect(writes).toBe(1);
      await Promise.all([c.send(cmd.version()), c.send(cmd.version())]);
      expect(writes).toBe(2);
      // Requests issued after an `await` each (as a client layer does) still share one write.
      const viaAwait = async (k: string) => {
        await Promise.resolve();
        await null;
        return c.send(cmd.get(k));
      };
      await Promise.all(Array.from({ length: 20 }, (_, i) => viaAwait(`await-${i}`)));
      expect(writes).toBe(3);
    } finally {
      await c.close();
    }
  });
});

describe('model-based', () => {
  type Op =
    | { kind: 'set' | 'add' | 'append'; key: number; value: string; noreply: boolean }
    | { kind: 'get' | 'delete'; key: number }
    | { kind: 'incr'; key: number; delta: number }
    | { kind: 'multi'; keys: number[] };
  const keyIndex = fc.nat({ max: 5 });
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constantFrom('set' as const, 'add' as const, 'append' as const), key: keyIndex, value: fc.stringMatching(/^[0-9]{0,6}$/), noreply: fc.boolean() }),
    fc.record({ kind: fc.constantFrom('get' as const, 'delete' as const), key: keyIndex }),
    fc.record({ kind: fc.constant('incr' as const), key: keyIndex, delta: fc.nat({ max: 1000 }) }),
    fc.record({ kind: fc.constant('multi' as const), keys: fc.array(keyIndex, { minLength: 1, maxLength: 4 }) }),
  );

  it('random pipelined command sequences answer exactly like an in-memory model of memcached', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), async (ops) => {
        const prefix = `model-${++run}-`;
        const name = (i: number) => `${prefix}${i}`;
        const model = new Map<string, string>();
        const expected: unknown[] = [];
        const sends: Promise<unknown>[] = [];
        for (const op of ops) {
          switch (op.kind) {
            case 'set':
            case 'add':
            case 'append': {
              const k = name(op.key);
              const ok = op.kind === 'set' || (op.kind === 'add' ? !model.has(k) : model.has(k));
              if (ok) model.set(k, op.kind === 'append' ? model.get(k)! + op.value : op.value);
              expected.push(op.noreply ? undefined : ok ? 'STORED' : 'NOT_STORED');
              sends.push(conn.send(cmd.store(op.kind, k, text(op.value), 0, 0, op.noreply)));
              break;
            }
            case 'get': {
              const k = name(op.key);
              expected.push(model.has(k) ? model.get(k) : null);
              sends.push(conn.send(cmd.get(k)).then((item) => (item === null ? null : str(item.value))));
              break;
            }
            case 'delete': {
              const k = name(op.key);
              expected.push(model.delete(k) ? 'DELETED' : 'NOT_FOUND');
              sends.push(conn.send(cmd.del(k)));
              break;
            }
            case 'incr': {
              const k = name(op.key);
              const current = model.get(k);
              // memcached reads the leading digits up to white space or the end (strtoull), and
              // rewrites a shorter result in place, padded with spaces to the old length.
              const digits = current === undefined ? undefined : /^([0-9]+)(?:\s[^]*)?$/.exec(current)?.[1];
              if (current === undefined) {
                expected.push(null);
              } else if (digits === undefined) {
                expected.push('ClientError'); // not a number
              } else if (BigInt(digits) > MAX_U64) {
                expected.push('ClientError'); // strtoull overflows: memcached calls it non-numeric
              } else {
                // Counters are unsigned 64-bit: the reply is a number while it is a safe integer, else a bigint.
                const next = (BigInt(digits) + BigInt(op.delta)) % (MAX_U64 + 1n);
                model.set(k, next.toString().padEnd(current.length, ' '));
                expected.push(next <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(next) : next);
              }
              sends.push(conn.send(cmd.incr(k, op.delta)).catch((e: Error) => e.name));
              break;
            }
            case 'multi': {
              const keys = op.keys.map(name);
              expected.push(keys.filter((k) => model.has(k)).map((k) => [k, model.get(k)]));
              sends.push(conn.send(cmd.getMulti(keys)).then((items) => items.map((i) => [i.key, str(i.value)])));
              break;
            }
          }
        }
        expect(await Promise.all(sends)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
