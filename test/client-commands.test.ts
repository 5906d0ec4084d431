import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, InvalidKeyError, InvalidOptionError, InvalidValueError, ServerError } from '../bindings/entry/node.js';
import { MemcachedServer, rawCommand } from './support/memcached.js';

let server: MemcachedServer;
let mc: Client;

beforeAll(async () => {
  server = await MemcachedServer.start();
});
afterAll(async () => {
  await server?.stop();
});

// One behaviour suite, run over both wire protocols: the same commands, the same results.
describe.each(['text', 'meta'] as const)('Client commands against a real memcached (%s protocol)', (protocol) => {
  beforeAll(() => {
    mc = new Client({ servers: [server.address], protocol });
  });
  afterAll(async () => {
    await mc?.close();
  });
  it('set / get / delete, with a miss as undefined', async () => {
    expect(await mc.set('greeting', 'héllo wörld')).toBe(true);
    expect(await mc.get('greeting')).toBe('héllo wörld');
    expect(await mc.delete('greeting')).toBe(true);
    expect(await mc.delete('greeting')).toBe(false);
    expect(await mc.get('greeting')).toBeUndefined();
  });

  it('add / replace / append / prepend follow memcached semantics', async () => {
    expect(await mc.replace('ar', 'x')).toBe(false);
    expect(await mc.add('ar', 'b')).toBe(true);
    expect(await mc.add('ar', 'zzz')).toBe(false);
    expect(await mc.append('ar', 'c')).toBe(true);
    expect(await mc.prepend('ar', 'a')).toBe(true);
    expect(await mc.get('ar')).toBe('abc');
    expect(await mc.replace('ar', 'r')).toBe(true);
    expect(await mc.get('ar')).toBe('r');
    expect(await mc.append('missing-key', 'x')).toBe(false);
  });

  it('gets / cas: STORED, EXISTS, NOT_FOUND', async () => {
    await mc.set('c', 'v1');
    const first = await mc.gets('c');
    expect(first?.value).toBe('v1');
    expect(typeof first?.cas).toBe('bigint');
    expect(await mc.cas('c', 'v2', first!.cas)).toBe(true);
    expect(await mc.cas('c', 'v3', first!.cas)).toBe(false);
    expect(await mc.get('c')).toBe('v2');
    await mc.delete('c');
    expect(await mc.cas('c', 'v4', first!.cas)).toBeUndefined();
  });

  it('incr / decr / touch / gat', async () => {
    await mc.set('n', '10');
    expect(await mc.incr('n', 5)).toBe(15);
    expect(await mc.decr('n', 20)).toBe(0);
    expect(await mc.incr('nope')).toBeUndefined();
    expect(await mc.touch('n', 100)).toBe(true);
    expect(await mc.touch('nope', 100)).toBe(false);
    // memcached may space-pad a counter that lost digits (protocol.txt, decr).
    expect((await mc.gat('n', 200))?.trim()).toBe('0');
    expect(await mc.gat('nope', 200)).toBeUndefined();
    await mc.set('big', '18446744073709551614');
    expect(await mc.incr('big')).toBe(18446744073709551615n);
  });

  it('ttl and flags are stored', async () => {
    await mc.set('flagged', 'v', { ttl: 1000, flags: 42 });
    expect(await rawCommand(server.host, server.port, 'get flagged\r\n')).toBe('VALUE flagged 42 1\r\nv\r\nEND\r\n');
    await mc.set('expired', 'v', { ttl: -1 });
    expect(await mc.get('expired')).toBeUndefined();
  });

  it('binary values with CRLF, empty values and a 1 MB value round-trip byte for byte', async () => {
    const raw = new Client<Uint8Array>({ servers: [server.address], codec: 'bytes', protocol });
    const binary = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 255);
    binary.set([13, 10, 69, 78, 68, 13, 10], 100);
    expect(await raw.set('bin', binary)).toBe(true);
    expect(Buffer.from((await raw.get("bin"))!).equals(binary)).toBe(true);
    expect(await raw.set('empty', new Uint8Array(0))).toBe(true);
    expect((await raw.get("empty"))?.length).toBe(0);
    const mb = Uint8Array.from({ length: 1024 * 1024 - 512 }, (_, i) => (i * 31 + 7) & 255);
    expect(await raw.set('mb', mb)).toBe(true);
    expect(Buffer.from((await raw.get("mb"))!).equals(mb)).toBe(true);
    await raw.close();
  });

  it('an oversized value gets a typed ServerError and the connection stays usable', async () => {
    const tooBig = new Uint8Array(2 * 1024 * 1024);
    const err = await mc.set('huge', tooBig).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).serverMessage).toMatch(/too large/i);
    expect(await mc.set('after-huge', 'ok')).toBe(true);
    expect(await mc.get('after-huge')).toBe('ok');
  });

  it('json and user codecs', async () => {
    const json = new Client<{ a: number[] }>({ servers: [server.address], codec: 'json', protocol });
    await json.set('obj', { a: [1, 2, 3] });
    expect(await json.get('obj')).toEqual({ a: [1, 2, 3] });
    await json.close();
    const upper = new Client<string>({
      servers: [server.address],
      protocol,
      codec: { encode: (v) => ({ bytes: new TextEncoder().encode(String(v).toUpperCase()), flags: 7 }), decode: (b, f) => `${new TextDecoder().decode(b)}/${f}` },
    });
    await upper.set('u', 'abc');
    expect(await upper.get('u')).toBe('ABC/7');
    await upper.close();
  });

  it('rejects bad keys and values before any I/O, with typed errors', async () => {
    const before = mc.servers()[0].counters.requests;
    for (const key of ['', 'has space', 'tab\there', 'line\nbreak', 'x'.repeat(251), 'é'.repeat(126)]) {
      await expect(mc.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(mc.set(key, 'v')).rejects.toBeInstanceOf(InvalidKeyError);
    }
    await expect(mc.getMany(['ok', 'not ok'])).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(mc.set('k', 42 as never)).rejects.toBeInstanceOf(InvalidValueError);
    expect(mc.servers()[0].counters.requests).toBe(before);
    expect(() => new Client({ servers: [server.address], timeout: -1 })).toThrow(InvalidOptionError);
    expect(() => new Client({ servers: [server.address], failover: 'gutter' })).toThrow(/gutter/);
    expect(() => new Client({ servers: [server.address], protocol: 'binary' as never })).toThrow(/protocol.*'text', 'meta'|protocol/);
  });

  it('version, stats and flush address every server', async () => {
    const versions = await mc.version();
    expect(versions.get(server.address)).toMatch(/^1\.\d+\.\d+/);
    const stats = await mc.stats();
    expect(Number(stats.get(server.address)?.get('pid'))).toBe(server.pid);
    await mc.set('before-flush', 'v');
    expect(await mc.flush()).toBe(true);
    expect(await mc.get('before-flush')).toBeUndefined();
  });

  it('1,000 requests in flight each get their own answer', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `inflight:${i}`);
    await Promise.all(keys.map((k, i) => mc.set(k, `value-${i}-${'x'.repeat(i % 50)}`)));
    const values = await Promise.all(keys.map((k) => mc.get(k)));
    values.forEach((v, i) => expect(v).toBe(`value-${i}-${'x'.repeat(i % 50)}`));
  });
});
