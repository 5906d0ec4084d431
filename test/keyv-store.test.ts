/**
 * `failback/keyv` beyond the official suite, on real memcached: TTLs (milliseconds to memcached's
 * seconds and Unix times), keys memcached would refuse, clear() by namespace generation (never a
 * flush, other frontends see it), an offline namespace, and the store's own contract (errors,
 * disconnect, values). The store and Client come by package name (dist/, as keyv-suite.test.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { Client, ClientClosedError, CodecError, InvalidKeyError, InvalidOptionError, InvalidValueError, OfflineError } from 'failback';
import { KeyvFailback } from 'failback/keyv';
import { keyvExptime } from '../bindings/stores/keyv-ttl.js';
import { MemcachedServer, rawCommand, serverStats } from './support/memcached.js';
import { nextEvent } from './support/wait.js';

let server: MemcachedServer;
let client: Client;
/** Reads what the store wrote, as memcached holds it. */
let observer: Client;

beforeAll(async () => {
  server = await MemcachedServer.start();
  client = new Client({ servers: [server.address] });
  observer = new Client({ servers: [server.address] });
});
afterAll(async () => {
  await client?.close();
  await observer?.close();
  await server?.stop();
});
beforeEach(async () => {
  await observer.flush();
});

/**
 * Keyv 5's adapter type, except that setMany may resolve a value: Keyv 5 types it `Promise<void>`
 * yet returns what it resolves from its own setMany (typed boolean[]), as Keyv 6 types it.
 */
type Keyv5Adapter = Omit<KeyvStoreAdapter, 'setMany'> & {
  setMany?(values: Parameters<NonNullable<KeyvStoreAdapter['setMany']>>[0]): Promise<unknown>;
};

/** A Keyv on its own store over the shared client. */
function keyvFor(namespace?: string): Keyv {
  return new Keyv({ store: new KeyvFailback(client), namespace });
}

/** The namespace's generation, as memcached holds it. */
async function generation(namespace: string): Promise<string | undefined> {
  return observer.get(`keyv-generation:${namespace}`);
}

/** Seconds until `key` expires as memcached reports it (`mg <key> t`): -1 for never, undefined for a miss. */
async function remainingSeconds(key: string): Promise<number | undefined> {
  const reply = await rawCommand(server.host, server.port, `mg ${key} t\r\n`, /(?:HD[^\r]*|EN)\r\n$/);
  const m = /^HD t(-?\d+)/.exec(reply);
  return m ? Number(m[1]) : undefined;
}

describe('KeyvFailback is a Keyv store', () => {
  it('has the shape of Keyv 5\'s KeyvStoreAdapter (checked by tsc) and emits on its own', () => {
    const store: Keyv5Adapter = new KeyvFailback(client);
    expect(store.on('error', () => undefined)).toBe(store);
    expect(typeof store.getMany).toBe('function');
    expect(typeof store.setMany).toBe('function');
    expect(typeof store.deleteMany).toBe('function');
    // Keyv's own has() (a get, then its millisecond expires check) is exact; the store leaves it to Keyv.
    expect(store.has).toBeUndefined();
  });

  it('takes the same options as a Client (and owns that Client), refusing codecs other than utf8', async () => {
    const store = new KeyvFailback({ servers: [server.address], timeout: 1000 });
    const keyv = new Keyv({ store, namespace: 'own' });
    expect(await keyv.set('a', { n: 1 })).toBe(true);
    expect(await keyv.get('a')).toEqual({ n: 1 });
    await keyv.disconnect();
    await expect(store.client.get('x')).rejects.toBeInstanceOf(ClientClosedError);
    expect(() => new KeyvFailback({ servers: [server.address], codec: 'json' })).toThrow(InvalidOptionError);
    expect(() => new KeyvFailback({ servers: [server.address], timout: 5 } as never)).toThrow(/timout/);
  });

  it('leaves a Client it was given open on disconnect', async () => {
    const keyv = keyvFor('shared');
    await keyv.set('a', 1);
    await keyv.disconnect();
    expect(await keyvFor('shared').get('a')).toBe(1);
  });

  it('stores the strings Keyv serializes, under <generation>:<Keyv key>', async () => {
    const keyv = keyvFor('users');
    await keyv.set('42', { name: 'Ada' });
    const gen = await generation('users');
    expect(gen).toMatch(/^\d+$/);
    // Keyv's own JSON (no TTL: no expires field), byte for byte.
    expect(await observer.get(`${gen}:users:42`)).toBe('{"value":{"name":"Ada"}}');
  });

  it('refuses a value that is not a string (Keyv\'s serialize option unset)', async () => {
    const store = new KeyvFailback(client);
    await expect(store.set('k', { raw: true })).rejects.toBeInstanceOf(InvalidValueError);
  });

  it('setMany, getMany and deleteMany go through Keyv as batches', async () => {
    const keyv = keyvFor('batch');
    expect(await keyv.setMany([{ key: 'a', value: 1 }, { key: 'b', value: 2, ttl: 60_000 }])).toEqual([true, true]);
    expect(await keyv.getMany(['a', 'b', 'c'])).toEqual([1, 2, undefined]);
    expect(await keyv.delete(['a', 'b'])).toBe(true);
    expect(await keyv.getMany(['a', 'b'])).toEqual([undefined, undefined]);
    expect(await keyv.delete(['a'])).toBe(false);
  });
});

describe('TTLs: Keyv milliseconds to memcached exptime', () => {
  it('rounds up to seconds, turns more than 30 days into a Unix time, and past 2038 into none', () => {
    const now = 1_700_000_000_500;
    const days30 = 30 * 24 * 3600;
    expect(keyvExptime(undefined, now)).toBe(0);
    expect(keyvExptime(1, now)).toBe(1);
    expect(keyvExptime(1000, now)).toBe(1);
    expect(keyvExptime(1001, now)).toBe(2);
    expect(keyvExptime(days30 * 1000, now)).toBe(days30);
    expect(keyvExptime(days30 * 1000 + 1, now)).toBe(1_700_000_000 + days30 + 1);
    expect(keyvExptime(100 * 365 * 24 * 3600 * 1000, now)).toBe(0);
    expect(keyvExptime(Infinity, now)).toBe(0);
    expect(keyvExptime(-5, now)).toBe(-1);
    // (keyv-ttl.js from the sources: its InvalidValueError is the sources' class, not dist's.)
    expect(() => keyvExptime(Number.NaN, now)).toThrow(/a Keyv TTL must be a number of milliseconds/);
    expect(() => keyvExptime('60' as never, now)).toThrow(/got "60"/);
  });

  it('memcached holds what Keyv asked for: 1 ms lives a second (not forever), 31 days as a date, none forever', async () => {
    const keyv = keyvFor('ttl');
    await keyv.set('short', 'x', 1);
    await keyv.set('month', 'x', 31 * 24 * 3600 * 1000);
    await keyv.set('forever', 'x');
    const gen = await generation('ttl');
    expect(await remainingSeconds(`${gen}:ttl:short`)).toBeOneOf([0, 1]);
    // Sent as seconds, 31 days would be a 1970 date: expired at once, a miss.
    const month = (await remainingSeconds(`${gen}:ttl:month`))!;
    expect(Math.abs(month - 31 * 24 * 3600)).toBeLessThanOrEqual(2);
    expect(await remainingSeconds(`${gen}:ttl:forever`)).toBe(-1);
  });

  it('Keyv stops returning an item at its millisecond expiry; memcached drops it within the next second', async () => {
    const keyv = keyvFor('expiry');
    await keyv.set('k', 'v', 300);
    expect(await keyv.get('k')).toBe('v');
    await new Promise((r) => setTimeout(r, 350));
    expect(await keyv.get('k')).toBeUndefined();
    const gen = await generation('expiry');
    await new Promise((r) => setTimeout(r, 2100));
    expect(await remainingSeconds(`${gen}:expiry:k`)).toBeUndefined();
  });
});

describe('keys memcached would refuse', () => {
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  it.each([
    ['longer than 250 bytes', 'k'.repeat(300)],
    ['250 bytes of multi-byte UTF-8', 'é'.repeat(125)],
    ['with spaces', 'user name with spaces'],
    ['with a newline and a tab', 'a\nb\tc'],
    ['with a control character', 'nul\u0000key'],
    ['with Unicode white space', 'no\u00a0break'],
  ])('a key %s round-trips, stored as <generation>#<sha256 hex of the Keyv key>', async (_name, key) => {
    const keyv = keyvFor('odd');
    expect(await keyv.set(key, { key })).toBe(true);
    expect(await keyv.get(key)).toEqual({ key });
    const gen = await generation('odd');
    expect(await observer.get(`${gen}#${sha256(`odd:${key}`)}`)).toBeDefined();
    expect(await keyv.delete(key)).toBe(true);
    expect(await keyv.get(key)).toBeUndefined();
  });

  it('a hashed key never meets a plain one, even one that looks like a hash', async () => {
    const keyv = keyvFor('odd');
    const long = 'x'.repeat(300);
    await keyv.set(long, 'long');
    await keyv.set(sha256(`odd:${long}`), 'lookalike');
    expect(await keyv.get(long)).toBe('long');
    expect(await keyv.get(sha256(`odd:${long}`))).toBe('lookalike');
  });

  it('a namespace with spaces or over 250 bytes gets a hashed generation key', async () => {
    for (const namespace of ['my namespace', 'n'.repeat(300)]) {
      const keyv = keyvFor(namespace);
      await keyv.set('k', 1);
      expect(await keyv.get('k')).toBe(1);
      expect(await observer.get(`keyv-generation#${sha256(namespace)}`)).toMatch(/^\d+$/);
      await keyv.clear();
      expect(await keyv.get('k')).toBeUndefined();
    }
  });

  it('a key with a lone surrogate is refused (it has no UTF-8 form), not hashed', async () => {
    const store = new KeyvFailback(client);
    await expect(store.set('half\ud800', 'v')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.get('half\udc00 and space')).rejects.toBeInstanceOf(InvalidKeyError);
  });
});

describe('clear(): a new namespace generation, never flush_all', () => {
  it('clears its namespace only: other namespaces and non-Keyv keys stay, and memcached counts no flush', async () => {
    const flushesBefore = Number((await serverStats(server.host, server.port)).get('cmd_flush'));
    await observer.set('php:session:1', 'not Keyv\'s');
    const users = keyvFor('users');
    const orders = keyvFor('orders');
    const plain = keyvFor(undefined);
    await users.set('a', 1);
    await orders.set('a', 2);
    await plain.set('a', 3);
    const before = await generation('users');

    await users.clear();

    expect(await users.get('a')).toBeUndefined();
    expect(await orders.get('a')).toBe(2);
    expect(await plain.get('a')).toBe(3);
    expect(await observer.get('php:session:1')).toBe('not Keyv\'s');
    expect(BigInt((await generation('users'))!)).toBe(BigInt(before!) + 1n);
    expect(Number((await serverStats(server.host, server.port)).get('cmd_flush'))).toBe(flushesBefore);

    await plain.clear();
    expect(await plain.get('a')).toBeUndefined();
    expect(await orders.get('a')).toBe(2);
  });

  it('another frontend\'s clear is seen at the next read (each call checks the generation, in the same round trip)', async () => {
    const other = new Client({ servers: [server.address] });
    try {
      const mine = keyvFor('feed');
      const theirs = new Keyv({ store: new KeyvFailback(other), namespace: 'feed' });
      await mine.set('k', 'old');
      expect(await theirs.get('k')).toBe('old');
      await theirs.clear();
      expect(await mine.get('k')).toBeUndefined();
      expect(await mine.getMany(['k'])).toEqual([undefined]);
      // A write under the generation this store last saw is redone under the current one.
      await mine.set('k', 'new');
      expect(await theirs.get('k')).toBe('new');
      await theirs.clear();
      expect(await mine.delete('k')).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('a lost generation (evicted, or a restart) starts a random new one: nothing written before comes back', async () => {
    const keyv = keyvFor('lost');
    await keyv.set('k', 'v');
    const before = (await generation('lost'))!;
    await observer.delete('keyv-generation:lost');
    expect(await keyv.get('k')).toBeUndefined();
    const after = (await generation('lost'))!;
    expect(after).not.toBe(before);
    expect(after).not.toBe('0');
    expect(await observer.get(`${before}:lost:k`)).toBeDefined();
  });

  it('a generation key that holds something else is a CodecError that says what to do', async () => {
    await observer.set('keyv-generation:broken', 'not a number');
    const store = new KeyvFailback(client);
    store.namespace = 'broken';
    const heard: Error[] = [];
    store.on('error', (e) => heard.push(e));
    await expect(store.get('k')).rejects.toThrow(/keyv-generation:broken holds "not a number".*utf8/);
    expect(heard[0]).toBeInstanceOf(CodecError);
  });
});

describe('failures', () => {
  it('a read that fails is emitted on the store, so Keyv (which makes it a miss) still reports it', async () => {
    const slow = await MemcachedServer.start();
    const mc = new Client({ servers: [slow.address], timeout: 200 });
    try {
      const keyv = new Keyv({ store: new KeyvFailback(mc), namespace: 'slow' });
      await keyv.set('k', 'v');
      const heard: Error[] = [];
      keyv.on('error', (e: Error) => heard.push(e));
      await slow.pause();
      expect(await keyv.get('k')).toBeUndefined();
      expect(heard.map((e) => (e as { code?: string }).code)).toContain('ERR_COMMAND_TIMEOUT');
    } finally {
      slow.resume();
      await mc.close();
      await slow.stop();
    }
  });

  it('while the generation server is down, the namespace misses and skips writes with no I/O; clear() rejects with OfflineError', async () => {
    const lonely = await MemcachedServer.start();
    const mc = new Client({ servers: [lonely.address], retryInterval: 60_000 });
    try {
      const store = new KeyvFailback(mc);
      const keyv = new Keyv({ store, namespace: 'down' });
      await keyv.set('k', 'v');
      expect(await keyv.get('k')).toBe('v');

      const down = nextEvent(mc, 'down');
      await lonely.stop();
      void mc.get('anything').catch(() => undefined); // meets the refusal, if the closed connection did not already
      await down;

      expect(await keyv.get('k')).toBeUndefined();
      expect(await keyv.set('k', 'w')).toBe(false);
      expect(await keyv.delete('k')).toBe(false);
      const cleared = store.clear();
      await expect(cleared).rejects.toBeInstanceOf(OfflineError);
      await expect(cleared).rejects.toThrow(new RegExp(`namespace "down" was not cleared.*${lonely.address.replace(/\./g, '\\.')}`));
    } finally {
      await mc.close();
      await lonely.stop();
    }
  });
});
