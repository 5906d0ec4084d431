/**
 * The meta protocol against a real memcached, through a real Connection: one table of cases, each
 * run over the text serializers (commands.ts) on one server and over the meta ones
 * (meta-commands.ts) on another, must give the same results, the ones the table states; then again
 * with binary keys on the meta side. Then what only meta does: binary keys no text key can be,
 * keys echoed in base64, the lease building blocks, and a wrong opaque token destroying the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type ConnectionOptions } from '../bindings/connection/connection.js';
import { ConnectionClosedError, MemcacheError, ProtocolError } from '../bindings/errors.js';
import * as text from '../bindings/protocol/commands.js';
import * as meta from '../bindings/protocol/meta-commands.js';
import { MAX_BINARY_KEY_BYTES } from '../bindings/protocol/meta-keys.js';
import { invalidate, leaseGet, leaseSet } from '../bindings/protocol/meta-leases.js';
import type { LeaseItem } from '../bindings/protocol/meta-replies.js';
import type { Item, Key } from '../bindings/protocol/replies.js';
import type { Request } from '../bindings/protocol/request.js';
import { connectNode } from '../bindings/transport/node.js';
import { FakeServer } from './support/fake-server.js';
import { MemcachedServer } from './support/memcached.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

function open(host: string, port: number, options: Partial<ConnectionOptions> = {}): Connection {
  return new Connection({ host, port, connector: connectNode, connectTimeout: 2000, timeout: 2000, maxQueue: Infinity, ...options });
}

/** One protocol under test: its serializers, its connection, and how a case's key names become keys. */
interface Side {
  readonly cmd: typeof text;
  send<R>(request: Request<R>): Promise<R>;
  /** The key for `name` in the running case. */
  key(name: string): string;
  /** The longest key this side can send (250 bytes as text, 186 as binary), named `longest`. */
  longest(): string;
}

/**
 * What a case's results are compared as: keys by name, values as text, CAS uniques by presence,
 * errors by class and text. The type of every item's key is noted in `keyTypes`.
 */
function normalize(result: unknown, names: Map<string, string>, keyTypes: Set<string>): unknown {
  if (result instanceof MemcacheError) return { error: result.name, text: (result as { serverMessage?: string }).serverMessage };
  if (Array.isArray(result)) return result.map((r) => normalize(r, names, keyTypes));
  if (result !== null && typeof result === 'object' && 'value' in result) {
    const item = result as Item<Key>;
    keyTypes.add(item.key instanceof Uint8Array ? 'binary' : typeof item.key);
    const key = typeof item.key === 'string' ? item.key : str(item.key);
    return { key: names.get(key) ?? `? ${key}`, flags: item.flags, value: str(item.value), cas: typeof item.cas === 'bigint' ? 'cas' : undefined };
  }
  return result;
}

/** A result, or the error it rejected with (so a case can go on after one). */
async function settled<R>(promise: Promise<R>): Promise<R | MemcacheError> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof MemcacheError) return err;
    throw err;
  }
}

interface Case {
  name: string;
  /** Runs the case's commands in order; returns what each answered. */
  run(side: Side): Promise<unknown[]>;
  expected: unknown[];
}

const hit = (key: string, flags: number, value: string, cas?: 'cas') => ({ key, flags, value, cas });
const v = utf8;
const BIG = 'x'.repeat(100_000);

const CASES: Case[] = [
  {
    name: 'set, then get: a hit with its flags, a miss is null',
    run: async ({ cmd, send, key }) => [
      await send(cmd.store('set', key('a'), v('hello'), 42, 0)),
      await send(cmd.get(key('a'))),
      await send(cmd.get(key('missing'))),
    ],
    expected: ['STORED', hit('a', 42, 'hello'), null],
  },
  {
    name: 'add, replace, append and prepend follow memcached semantics',
    run: async ({ cmd, send, key }) => [
      await send(cmd.store('replace', key('b'), v('x'), 0, 0)),
      await send(cmd.store('append', key('b'), v('x'), 0, 0)),
      await send(cmd.store('prepend', key('b'), v('x'), 0, 0)),
      await send(cmd.store('add', key('b'), v('mid'), 7, 0)),
      await send(cmd.store('add', key('b'), v('again'), 0, 0)),
      await send(cmd.store('append', key('b'), v('-end'), 9, 0)),
      await send(cmd.store('prepend', key('b'), v('start-'), 9, 0)),
      await send(cmd.get(key('b'))),
      await send(cmd.store('replace', key('b'), v('new'), 3, 0)),
      await send(cmd.get(key('b'))),
    ],
    expected: ['NOT_STORED', 'NOT_STORED', 'NOT_STORED', 'STORED', 'NOT_STORED', 'STORED', 'STORED', hit('b', 7, 'start-mid-end'), 'STORED', hit('b', 3, 'new')],
  },
  {
    name: 'gets gives a CAS unique: cas with it stores, then EXISTS; NOT_FOUND without an item',
    run: async ({ cmd, send, key }) => {
      await send(cmd.store('set', key('c'), v('v1'), 0, 0));
      const first = await send(cmd.gets(key('c')));
      return [
        first,
        await send(cmd.cas(key('c'), v('v2'), 5, 0, first!.cas!)),
        await send(cmd.cas(key('c'), v('v3'), 0, 0, first!.cas!)),
        await send(cmd.cas(key('c'), v('v4'), 0, 0, 0)),
        await send(cmd.gets(key('c'))),
        await send(cmd.cas(key('none'), v('v'), 0, 0, first!.cas!)),
      ];
    },
    expected: [hit('c', 0, 'v1', 'cas'), 'STORED', 'EXISTS', 'EXISTS', hit('c', 5, 'v2', 'cas'), 'NOT_FOUND'],
  },
  {
    name: 'delete: DELETED, then NOT_FOUND',
    run: async ({ cmd, send, key }) => [
      await send(cmd.store('set', key('d'), v('x'), 0, 0)),
      await send(cmd.del(key('d'))),
      await send(cmd.del(key('d'))),
      await send(cmd.get(key('d'))),
    ],
    expected: ['STORED', 'DELETED', 'NOT_FOUND', null],
  },
  {
    name: 'incr and decr: null on a miss, 64-bit wrap, decr stops at 0, the stored value as memcached pads it',
    run: async ({ cmd, send, key }) => [
      await send(cmd.incr(key('n'), 1)),
      await send(cmd.store('set', key('n'), v('100'), 0, 0)),
      await send(cmd.incr(key('n'), 5)),
      await send(cmd.decr(key('n'), 96)),
      await send(cmd.get(key('n'))),
      await send(cmd.decr(key('n'), 1000)),
      await send(cmd.incr(key('n'), 18446744073709551615n)),
      await send(cmd.incr(key('n'), 1)),
      await send(cmd.incr(key('n'), 2 ** 53 - 1)),
      await send(cmd.incr(key('n'), 1)),
      await send(cmd.store('set', key('s'), v('abc'), 0, 0)),
      await settled(send(cmd.incr(key('s'), 1))),
      await send(cmd.get(key('s'))),
    ],
    expected: [
      null, 'STORED', 105, 9, hit('n', 0, '9  '), 0, 18446744073709551615n, 0, 2 ** 53 - 1, 9007199254740992n, 'STORED',
      { error: 'ClientError', text: 'cannot increment or decrement non-numeric value' }, hit('s', 0, 'abc'),
    ],
  },
  {
    name: 'touch, gat and gats: a new TTL on a hit, NOT_FOUND or null on a miss, a negative TTL expires',
    run: async ({ cmd, send, key }) => [
      await send(cmd.store('set', key('t'), v('tt'), 1, 0)),
      await send(cmd.touch(key('t'), 100)),
      await send(cmd.touch(key('none'), 100)),
      await send(cmd.gat(100, key('t'))),
      await send(cmd.gats(100, key('t'))),
      await send(cmd.gat(100, key('none'))),
      await send(cmd.gat(-1, key('t'))),
      await send(cmd.get(key('t'))),
      await send(cmd.store('set', key('e'), v('gone'), 0, -1)),
      await send(cmd.get(key('e'))),
      await send(cmd.store('set', key('u'), v('u'), 0, 0)),
      await send(cmd.touch(key('u'), -1)),
      await send(cmd.get(key('u'))),
    ],
    expected: ['STORED', 'TOUCHED', 'NOT_FOUND', hit('t', 1, 'tt'), hit('t', 1, 'tt', 'cas'), null, hit('t', 1, 'tt'), null, 'STORED', null, 'STORED', 'TOUCHED', null],
  },
  {
    name: 'multi-get: the hits in request order, misses absent, a key asked twice comes twice',
    run: async ({ cmd, send, key }) => {
      await send(cmd.store('set', key('m1'), v('one'), 1, 0));
      await send(cmd.store('set', key('m3'), v('three'), 3, 0));
      return [
        await send(cmd.getMulti([key('m1'), key('m2'), key('m3'), key('m1')])),
        await send(cmd.getsMulti([key('m3'), key('m2')])),
        await send(cmd.gatMulti(100, [key('m2'), key('m1')])),
        await send(cmd.gatsMulti(100, [key('m1')])),
        await send(cmd.getMulti([key('m2'), key('m4')])),
        await send(cmd.getMulti([key('m3')])),
      ];
    },
    expected: [
      [hit('m1', 1, 'one'), hit('m3', 3, 'three'), hit('m1', 1, 'one')], [hit('m3', 3, 'three', 'cas')], [hit('m1', 1, 'one')], [hit('m1', 1, 'one', 'cas')], [], [hit('m3', 3, 'three')],
    ],
  },
  {
    name: 'noreply: every write resolves undefined, whatever its outcome, and the stream stays in step',
    run: async ({ cmd, send, key }) => [
      await send(cmd.store('set', key('q'), v('1'), 4, 0, true)),
      await send(cmd.store('add', key('q'), v('2'), 0, 0, true)),
      await send(cmd.store('replace', key('none'), v('3'), 0, 0, true)),
      await send(cmd.store('append', key('q'), v('0'), 0, 0, true)),
      await send(cmd.cas(key('q'), v('4'), 0, 0, 1, true)),
      await send(cmd.incr(key('q'), 5, true)),
      await send(cmd.decr(key('none'), 5, true)),
      await send(cmd.touch(key('q'), 100, true)),
      await send(cmd.touch(key('none'), 100, true)),
      await send(cmd.get(key('q'))),
      await send(cmd.del(key('none'), true)),
      await send(cmd.del(key('q'), true)),
      await send(cmd.get(key('q'))),
    ],
    expected: [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, hit('q', 4, '15'), undefined, undefined, null],
  },
  {
    name: 'values: empty, binary with CRLF inside, larger than a command buffer, and quiet',
    run: async ({ cmd, send, key }) => [
      await send(cmd.store('set', key('v0'), v(''), 0, 0)),
      await send(cmd.get(key('v0'))),
      await send(cmd.store('set', key('v1'), v('a\r\nMN\r\nEN\r\nEND\r\nb'), 0, 0)),
      await send(cmd.get(key('v1'))),
      await send(cmd.store('set', key('v2'), v(BIG), 0, 0)),
      await send(cmd.store('set', key('v3'), v(BIG.toUpperCase()), 0, 0, true)),
      await send(cmd.getMulti([key('v2'), key('v3')])),
    ],
    expected: ['STORED', hit('v0', 0, ''), 'STORED', hit('v1', 0, 'a\r\nMN\r\nEN\r\nEND\r\nb'), 'STORED', undefined, [hit('v2', 0, BIG), hit('v3', 0, BIG.toUpperCase())]],
  },
  {
    name: 'a value over the item size limit is a SERVER_ERROR (unreported with noreply); the connection stays usable',
    run: async ({ cmd, send, key }) => [
      await settled(send(cmd.store('set', key('big'), new Uint8Array(2 * 1024 * 1024), 0, 0))),
      await send(cmd.store('set', key('big'), new Uint8Array(2 * 1024 * 1024), 0, 0, true)),
      await send(cmd.get(key('big'))),
      await send(cmd.store('set', key('big'), v('small'), 0, 0)),
      await send(cmd.get(key('big'))),
    ],
    expected: [{ error: 'ServerError', text: 'object too large for cache' }, undefined, null, 'STORED', hit('big', 0, 'small')],
  },
  {
    name: 'non-ASCII keys and the longest key',
    run: async ({ cmd, send, key, longest }) => [
      await send(cmd.store('set', key('ключ😀'), v('k'), 0, 0)),
      await send(cmd.getMulti([key('ключ😀'), key('é')])),
      await send(cmd.store('set', longest(), v('long'), 0, 0)),
      await send(cmd.getMulti([longest(), key('é')])),
    ],
    expected: ['STORED', [hit('ключ😀', 0, 'k')], 'STORED', [hit('longest', 0, 'long')]],
  },
  {
    name: 'a deep pipeline of mixed commands, all in flight at once',
    run: async ({ cmd, send, key }) => {
      const replies: Promise<unknown>[] = [];
      for (let i = 0; i < 150; i++) {
        replies.push(send(cmd.store('set', key(`p${i}`), v(`value ${i}`), i, 0, i % 3 === 0)));
        replies.push(send(cmd.get(key(`p${i}`))));
        replies.push(send(cmd.getMulti([key(`p${i}`), key('missing'), key(`p${i - 1}`)])));
        replies.push(send(cmd.incr(key(`p${i}`), 1)).catch((err: unknown) => err));
        replies.push(send(cmd.del(key(`p${i - 2}`), i % 2 === 0)));
      }
      return Promise.all(replies);
    },
    expected: Array.from({ length: 150 }, (_, i) => [
      i % 3 === 0 ? undefined : 'STORED',
      hit(`p${i}`, i, `value ${i}`),
      i === 0 ? [hit('p0', 0, 'value 0')] : [hit(`p${i}`, i, `value ${i}`), hit(`p${i - 1}`, i - 1, `value ${i - 1}`)],
      { error: 'ClientError', text: 'cannot increment or decrement non-numeric value' },
      i % 2 === 0 ? undefined : i < 2 ? 'NOT_FOUND' : 'DELETED',
    ]).flat(),
  },
  {
    name: 'flush_all, version and stats are the text commands on both',
    run: async ({ cmd, send, key }) => {
      await send(cmd.store('set', key('f'), v('x'), 0, 0));
      const version = await send(cmd.version());
      const stats = await send(cmd.stats());
      return [typeof version, stats.get('version') === version, await send(cmd.flushAll()), await send(cmd.get(key('f')))];
    },
    expected: ['string', true, 'OK', null],
  },
];

let textServer: MemcachedServer;
let metaServer: MemcachedServer;
let textConn: Connection;
let metaConn: Connection;

beforeAll(async () => {
  [textServer, metaServer] = await Promise.all([MemcachedServer.start(), MemcachedServer.start()]);
  textConn = open(textServer.host, textServer.port);
  metaConn = open(metaServer.host, metaServer.port);
});
afterAll(async () => {
  await Promise.all([textConn?.close(), metaConn?.close()]);
  await Promise.all([textServer?.stop(), metaServer?.stop()]);
});

/**
 * Runs a case on one side; `binary` sends the meta side's keys as the UTF-8 bytes of their names.
 * Returns the normalized results, and the types of the keys its items came back with.
 */
async function runCase(c: Case, variant: string, protocol: 'text' | 'meta', binary: boolean): Promise<{ results: unknown; keyTypes: string[] }> {
  const names = new Map<string, string>();
  const keyTypes = new Set<string>();
  const conn = protocol === 'text' ? textConn : metaConn;
  const cmd: typeof text = protocol === 'text' ? text : meta;
  // The case's key names, made unique per case and variant; the meta side's may be binary.
  const prefix = `${variant}:${CASES.indexOf(c)}:`;
  const side: Side = {
    cmd: binary && protocol === 'meta' ? binaryKeys(cmd) : cmd,
    send: (request) => conn.send(request),
    key: (name) => {
      names.set(prefix + name, name);
      return prefix + name;
    },
    longest: () => {
      const key = prefix.padEnd(binary && protocol === 'meta' ? MAX_BINARY_KEY_BYTES : 250, 'L');
      names.set(key, 'longest');
      return key;
    },
  };
  const results = normalize(await c.run(side), names, keyTypes);
  return { results, keyTypes: [...keyTypes] };
}

/** The meta module with every string key it is given sent as a binary key (the same bytes). */
function binaryKeys(module: typeof text): typeof text {
  const bin = (k: string): string => utf8(k) as unknown as string;
  const m = module as typeof meta;
  return {
    ...module,
    get: (k) => m.get(bin(k)),
    gets: (k) => m.gets(bin(k)),
    gat: (e, k) => m.gat(e, bin(k)),
    gats: (e, k) => m.gats(e, bin(k)),
    getMulti: (ks) => m.getMulti(ks.map(bin)),
    getsMulti: (ks) => m.getsMulti(ks.map(bin)),
    gatMulti: (e, ks) => m.gatMulti(e, ks.map(bin)),
    gatsMulti: (e, ks) => m.gatsMulti(e, ks.map(bin)),
    store: ((verb, k, value, flags, exptime, noreply) => m.store(verb, bin(k), value, flags, exptime, noreply === true)) as typeof text.store,
    cas: ((k, value, flags, exptime, unique, noreply) => m.cas(bin(k), value, flags, exptime, unique, noreply === true)) as typeof text.cas,
    del: ((k, noreply) => m.del(bin(k), noreply === true)) as typeof text.del,
    incr: ((k, delta, noreply) => m.incr(bin(k), delta, noreply === true)) as typeof text.incr,
    decr: ((k, delta, noreply) => m.decr(bin(k), delta, noreply === true)) as typeof text.decr,
    touch: ((k, exptime, noreply) => m.touch(bin(k), exptime, noreply === true)) as typeof text.touch,
  };
}

describe('the same results over text and meta (one table, both modules)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const [overText, overMeta] = await Promise.all([runCase(c, 'same', 'text', false), runCase(c, 'same', 'meta', false)]);
    expect(overText.results).toEqual(c.expected);
    expect(overMeta).toEqual(overText);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('with binary keys on the meta side: %s', async (_, c) => {
    const [overText, overMeta] = await Promise.all([runCase(c, 'binary', 'text', false), runCase(c, 'binary', 'meta', true)]);
    expect(overText.results).toEqual(c.expected);
    expect(overMeta.results).toEqual(overText.results);
    // Items come back under the caller's own keys: Uint8Arrays on the meta side.
    expect(overMeta.keyTypes).toEqual(overText.keyTypes.length === 0 ? [] : ['binary']);
  });
});

describe('binary keys', () => {
  it('keys no text key can be (space, CR, LF, NUL, 0xff; up to 186 bytes) round-trip, and items carry the caller\'s own key', async () => {
    const keys = [Uint8Array.of(0x20, 0x0d, 0x0a, 0x00, 0xff), Uint8Array.of(0), new Uint8Array(MAX_BINARY_KEY_BYTES).map((_, i) => i), Uint8Array.of(0x0d, 0x0a)];
    for (const [i, key] of keys.entries()) expect(await metaConn.send(meta.store('set', key, utf8(`bin ${i}`), i, 0))).toBe('STORED');
    const items = await metaConn.send(meta.getsMulti([...keys, Uint8Array.of(1, 2, 3)]));
    expect(items.map((item) => str(item.value))).toEqual(['bin 0', 'bin 1', 'bin 2', 'bin 3']);
    items.forEach((item, i) => expect(item.key).toBe(keys[i]));
    const one = await metaConn.send(meta.get(keys[2]));
    expect(one!.key).toBe(keys[2]);
    expect(await metaConn.send(meta.del(keys[0]))).toBe('DELETED');
    expect(await metaConn.send(meta.get(keys[0]))).toBeNull();
  });

  it('a text key and the binary key of its bytes are the same item, whichever protocol wrote it', async () => {
    expect(await textConn.send(text.store('set', 'shared-a', utf8('from text'), 1, 0))).toBe('STORED');
    const metaOnTextServer = open(textServer.host, textServer.port);
    try {
      const asBinary = await metaOnTextServer.send(meta.get(utf8('shared-a')));
      expect(str(asBinary!.value)).toBe('from text');
      // Stored under a binary key, the item is echoed in base64 (`k… b`) to a text key's `k`: decoded, it matches.
      expect(await metaOnTextServer.send(meta.store('set', utf8('shared-b'), utf8('from binary'), 2, 0))).toBe('STORED');
      const asText = await metaOnTextServer.send(meta.getMulti(['shared-b', 'shared-a']));
      expect(asText.map((item) => [item.key, str(item.value)])).toEqual([['shared-b', 'from binary'], ['shared-a', 'from text']]);
      expect(str((await textConn.send(text.get('shared-b')))!.value)).toBe('from binary');
    } finally {
      await metaOnTextServer.close();
    }
  });
});

describe('lease building blocks', () => {
  const read = (key: Key, options?: Parameters<typeof leaseGet>[1]) => metaConn.send(leaseGet(key as string, options)) as Promise<LeaseItem<Key> | null>;
  const facts = (item: LeaseItem<Key> | null) => item && { value: str(item.value), win: item.win, stale: item.stale, alreadyWon: item.alreadyWon };

  it('vivify on a miss: one winner, the others told someone else won; the winner\'s lease set makes the item fresh', async () => {
    for (const key of ['lease-a', utf8('lease-a')]) {
      expect(await read(key)).toBeNull();
      const first = await read(key, { vivify: 30 });
      expect(facts(first)).toEqual({ value: '', win: true, stale: false, alreadyWon: false });
      expect(first!.ttl).toBeGreaterThan(25);
      expect(first!.flags).toBe(0);
      expect(facts(await read(key, { vivify: 30 }))).toEqual({ value: '', win: false, stale: false, alreadyWon: true });
      expect(await metaConn.send(leaseSet(key, utf8('computed'), 3, 0, first!.cas))).toBe('STORED');
      const fresh = await read(key, { vivify: 30 });
      expect(facts(fresh)).toEqual({ value: 'computed', win: false, stale: false, alreadyWon: false });
      expect(fresh!.ttl).toBe(-1);
      expect(fresh!.flags).toBe(3);
      expect(await metaConn.send(meta.del(key))).toBe('DELETED');
    }
  });

  it('invalidate marks stale: the old value is served with X, one reader wins the refresh (W), a slow writer\'s older lease set stays stale', async () => {
    const key = 'lease-b';
    await metaConn.send(meta.store('set', key, utf8('v1'), 0, 0));
    const before = await read(key);
    expect(facts(before)).toEqual({ value: 'v1', win: false, stale: false, alreadyWon: false });
    expect(await metaConn.send(invalidate(key, 30))).toBe('INVALIDATED');
    const winner = await read(key);
    expect(facts(winner)).toEqual({ value: 'v1', win: true, stale: true, alreadyWon: false });
    expect(winner!.cas).toBeGreaterThan(before!.cas);
    expect(winner!.ttl).toBeLessThanOrEqual(30);
    expect(facts(await read(key))).toEqual({ value: 'v1', win: false, stale: true, alreadyWon: true });
    // The stale set: computed from a read before the invalidation, it is stored but cannot pass as fresh.
    expect(await metaConn.send(leaseSet(key, utf8('v1-late'), 0, 0, before!.cas))).toBe('STORED');
    expect(facts(await read(key))).toEqual({ value: 'v1-late', win: false, stale: true, alreadyWon: true });
    // The winner's set, against the CAS unique it read after the invalidation, does.
    const current = await read(key);
    expect(await metaConn.send(leaseSet(key, utf8('v2'), 0, 60, current!.cas))).toBe('STORED');
    const fresh = await read(key);
    expect(facts(fresh)).toEqual({ value: 'v2', win: false, stale: false, alreadyWon: false });
    expect(await metaConn.send(leaseSet(key, utf8('v3'), 0, 0, fresh!.cas + 1000n))).toBe('EXISTS');
    expect(await metaConn.send(invalidate('lease-none'))).toBe('NOT_FOUND');
    expect(await metaConn.send(invalidate(key, undefined, true))).toBeUndefined();
    expect(facts(await read(key))).toMatchObject({ value: 'v2', stale: true, win: true });
    expect(await metaConn.send(leaseSet('lease-none', utf8('x'), 0, 0, 1n))).toBe('NOT_FOUND');
  });

  it('recache: a reader wins the refresh when the TTL left is below the threshold, once', async () => {
    const key = 'lease-c';
    await metaConn.send(meta.store('set', key, utf8('r'), 0, 100));
    expect(facts(await read(key, { recache: 50 }))).toEqual({ value: 'r', win: false, stale: false, alreadyWon: false });
    const won = await read(key, { recache: 200 });
    expect(facts(won)).toEqual({ value: 'r', win: true, stale: false, alreadyWon: false });
    expect(won!.ttl).toBeGreaterThan(90);
    expect(facts(await read(key, { recache: 200 }))).toEqual({ value: 'r', win: false, stale: false, alreadyWon: true });
    const touched = await read(key, { ttl: 500 });
    expect(touched!.ttl).toBeGreaterThan(490);
  });
});

describe('opaque tokens on a real connection', () => {
  it('an answer with another request\'s opaque token destroys the connection: the head gets the ProtocolError, the rest a closed connection', async () => {
    const closes: (Error | undefined)[] = [];
    const fake = await FakeServer.start(async (peer) => {
      const line = await peer.readLine();
      const opaque = Number(/ O(\d+)/.exec(line)![1]);
      await peer.readLine();
      peer.write(`VA 5 f0 O${opaque + 1}\r\nwrong\r\n`);
    });
    const conn = open(fake.host, fake.port, { events: { onClose: (e) => closes.push(e) } });
    try {
      const first = conn.send(meta.get('a')).catch((err: unknown) => err);
      const second = conn.send(meta.get('b')).catch((err: unknown) => err);
      const error = await first;
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as Error).message).toMatch(/opaque token is not O\d+, so it belongs to another request/);
      expect((error as ProtocolError).server).toBe(fake.address);
      expect(await second).toBeInstanceOf(ConnectionClosedError);
      expect(closes).toHaveLength(1);
      expect(closes[0]).toBe(error);
    } finally {
      conn.destroy();
      await fake.stop();
    }
  });
});
