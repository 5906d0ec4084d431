/**
 * Input and option checks at the Client level (issue 14's fuzzing): every command refuses bad
 * input with the same typed error whether its servers are all up or all down, before any I/O;
 * nothing but a MemcacheError ever escapes; options are refused synchronously in the constructor;
 * codec failures are typed; a 50M-character key never reaches the WASM core's memory.
 *
 * The "down" clients talk to real memcached processes that were stopped, and have marked every
 * server down (a refused connect is a hard failure), with a retryInterval long enough that no
 * probe runs during the file.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  CodecError,
  InvalidKeyError,
  InvalidOptionError,
  InvalidValueError,
  MemcacheError,
  type ClientOptions,
} from '../bindings/entry/node.js';
import type { Core } from '../bindings/routing/core.js';
import { rawCommand, startCluster, type MemcachedServer } from './support/memcached.js';

// Any value: these tests pass what TypeScript would refuse, as JavaScript callers can.
type AnyClient = Client<any>;
type Options = Omit<ClientOptions, 'servers'>;

let upServers: MemcachedServer[];
let downServers: MemcachedServer[];
const clients: AnyClient[] = [];

beforeAll(async () => {
  [upServers, downServers] = await Promise.all([startCluster(2), startCluster(2)]);
  await Promise.all(downServers.map((s) => s.stop()));
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all([...(upServers ?? []), ...(downServers ?? [])].map((s) => s.stop()));
});

function upClient(options: Options = {}): AnyClient {
  const mc = new Client<any>({ servers: upServers.map((s) => s.address), timeout: 3000, connectTimeout: 3000, ...options });
  clients.push(mc);
  return mc;
}

/** A client whose every server is stopped and marked down (and stays down: no probe within the file). */
async function downClient(options: Options = {}): Promise<AnyClient> {
  const mc = new Client<any>({ servers: downServers.map((s) => s.address), failureLimit: 1, retryInterval: 600_000, ...options });
  clients.push(mc);
  await mc.connect();
  for (let i = 0; mc.servers().some((s) => s.status !== 'down'); i++) {
    if (i > 1000) throw new Error(`servers not all down: ${JSON.stringify(mc.servers().map((s) => s.status))}`);
    await mc.get(`mark-down:${i}`).catch(() => undefined);
  }
  return mc;
}

/** How a call ended: 'ok', or the error's class and code ('untyped …' for anything not a MemcacheError). */
async function outcome(run: () => unknown): Promise<string> {
  let result: unknown;
  try {
    result = run();
  } catch (err) {
    return `threw synchronously: ${label(err)}`;
  }
  if (!(result instanceof Promise)) return 'did not return a promise';
  try {
    await result;
    return 'ok';
  } catch (err) {
    return label(err);
  }
}

function label(err: unknown): string {
  if (err instanceof MemcacheError) return `${err.constructor.name} ${err.code}`;
  return `untyped ${err instanceof Error ? err.constructor.name : typeof err}: ${err instanceof Error ? err.message : String(err)}`;
}

const TYPED = /^(ok|[A-Za-z]+Error ERR_[A-Z_]+)$/;

/** Requests a client handed to its connections so far (the identity handshake is not counted). */
const requests = (mc: AnyClient) => mc.servers().reduce((n, s) => n + s.counters.requests, 0);

// ───────────────────────── generated input ─────────────────────────

const HUGE_KEY = 'k'.repeat(50_000_000);

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 250 });
/** Any UTF-16 units: spaces, controls, non-ASCII, lone surrogates. */
const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 260 });
const keyEdges = fc.constantFrom(
  '', ' ', 'a b', 'a\tb', 'a\r\nb', '\x00', 'a\x7f', '\u0085', '\u00a0', '\u2028', '\u3000', '\ufeff', '\ud800', 'x\udc00',
  'k'.repeat(250), 'k'.repeat(251), 'é'.repeat(125), 'é'.repeat(126), '😀'.repeat(62) + 'ab', '😀'.repeat(63), 'ключ', '鍵',
);
const nonStrings = fc.constantFrom<unknown>(undefined, null, 0, 42, true, {}, [], ['k'], 5n, Symbol('k'), new String('k'), () => 'k');
const key = fc.oneof({ arbitrary: printable, weight: 3 }, { arbitrary: anyUnits, weight: 2 }, keyEdges, nonStrings);

const ttl = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.constantFrom<unknown>(undefined, 0, -1, 2 ** 31, -(2 ** 31) - 1, 1.5, -0.5, NaN, Infinity, -Infinity, null, '60', 60n, {}),
);
const flags = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffff_ffffn }).map(Number),
  fc.constantFrom<unknown>(undefined, 0, 0xffff_ffff, -1, 2 ** 32, 1.5, NaN, Infinity, null, '1', 1n),
);
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.maxSafeNat(),
  fc.constantFrom<unknown>(0, 2n ** 64n - 1n, -1n, 2n ** 64n, -1, 1.5, 2 ** 53, NaN, Infinity, null, undefined, '5', {}),
);
const options = fc.oneof(fc.constant(undefined), fc.record({ ttl, flags }, { requiredKeys: [] }), fc.constantFrom<unknown>(null, 5, 'ttl'));
const value = fc.oneof(
  fc.string({ maxLength: 64 }),
  anyUnits.map((s) => s.slice(0, 64)),
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom<unknown>(undefined, null, 0, true, { a: 1 }, [1, 2], 5n, Symbol('v'), () => 1, new Date(0), new ArrayBuffer(2)),
);
/** Groups memcached answers with STAT lines; the bad ones are refused before any I/O. */
const group = fc.oneof(
  fc.constantFrom<unknown>(undefined, 'settings', 'items', 'slabs', 'sizes', 'conns'),
  fc.constantFrom<unknown>('', ' ', 'a b', 'settings\r\n', 'é', 's'.repeat(251), 5, null, {}, 5n, true),
);
const badIterable = { [Symbol.iterator]: () => 5 };
const throwingIterable = {
  *[Symbol.iterator]() {
    yield 'k';
    throw new RangeError('the iterator broke');
  },
};
const keys = fc.oneof(
  fc.array(key, { maxLength: 8 }),
  fc.array(printable, { maxLength: 8 }),
  fc.array(printable, { maxLength: 8 }).map((list) => new Set(list)),
  fc.constantFrom<unknown>('abc', '', 42, null, undefined, {}, { length: 1, 0: 'k' }, true, 5n, new Map([['k', 'v']]), badIterable, throwingIterable),
);

interface Input { key: unknown; value: unknown; ttl: unknown; unique: unknown; delta: unknown; group: unknown; keys: unknown; options: unknown }
const input = fc.record<Input>({ key, value, ttl, unique: u64, delta: fc.oneof(u64, fc.constant(undefined)), group, keys, options });

/** Every command, fed from one generated input. */
const commands: Record<string, (mc: AnyClient, i: Input) => unknown> = {
  get: (mc, i) => mc.get(i.key as string),
  gets: (mc, i) => mc.gets(i.key as string),
  gat: (mc, i) => mc.gat(i.key as string, i.ttl as number),
  touch: (mc, i) => mc.touch(i.key as string, i.ttl as number),
  delete: (mc, i) => mc.delete(i.key as string),
  incr: (mc, i) => mc.incr(i.key as string, i.delta as bigint),
  decr: (mc, i) => mc.decr(i.key as string, i.delta as bigint),
  set: (mc, i) => mc.set(i.key as string, i.value, i.options as object),
  add: (mc, i) => mc.add(i.key as string, i.value, i.options as object),
  replace: (mc, i) => mc.replace(i.key as string, i.value, i.options as object),
  append: (mc, i) => mc.append(i.key as string, i.value as string),
  prepend: (mc, i) => mc.prepend(i.key as string, i.value as string),
  cas: (mc, i) => mc.cas(i.key as string, i.value, i.unique as bigint, i.options as object),
  getMany: (mc, i) => mc.getMany(i.keys as string[]),
  stats: (mc, i) => mc.stats(i.group as string),
};

describe('input checks do not depend on health (generated input)', () => {
  let up: AnyClient;
  let down: AnyClient;
  beforeAll(async () => {
    up = upClient();
    down = await downClient();
  });

  it.each(Object.keys(commands))('%s: the same outcome with every server up and every server down, and no I/O for refused input', async (name) => {
    const command = commands[name];
    // incr and decr never create a key: after a flush they only miss, they never meet a
    // non-numeric value another command stored (a CLIENT_ERROR only the up client could get).
    if (name === 'incr' || name === 'decr') expect(await up.flush()).toBe(true);
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const before = requests(up);
        const upOutcome = await outcome(() => command(up, i));
        const upRequests = requests(up) - before;
        const downOutcome = await outcome(() => command(down, i));
        expect(upOutcome).toMatch(TYPED);
        expect(downOutcome).toBe(upOutcome);
        if (upOutcome !== 'ok') expect(upRequests).toBe(0);
        seen.add(upOutcome);
      }),
      { numRuns: 150 },
    );
    // The generators reach both sides of the checks.
    expect(seen.has('ok')).toBe(true);
    expect([...seen].some((o) => o !== 'ok')).toBe(true);
  });
});

describe('input checks do not depend on health (the listed cases)', () => {
  let pairs: { up: AnyClient; down: AnyClient; json: { up: AnyClient; down: AnyClient } };
  beforeAll(async () => {
    pairs = { up: upClient(), down: await downClient(), json: { up: upClient({ codec: 'json' }), down: await downClient({ codec: 'json' }) } };
  });

  const badKeys: [string, unknown][] = [
    ['empty', ''], ['251 bytes', 'k'.repeat(251)], ['126 × é (252 bytes)', 'é'.repeat(126)], ['a space', 'a b'], ['a tab', 'a\tb'],
    ['CRLF', 'a\r\nb'], ['NUL', 'a\x00'], ['DEL', 'a\x7f'], ['a C1 control', 'a\u0085'], ['a lone surrogate', 'a\ud800'],
    ['a number', 42], ['null', null], ['undefined', undefined], ['an object', {}], ['a Symbol', Symbol('k')], ['50M characters', HUGE_KEY],
  ];
  const keyCommands: [string, (mc: AnyClient, key: unknown) => unknown][] = [
    ['get', (mc, k) => mc.get(k as string)], ['gets', (mc, k) => mc.gets(k as string)], ['gat', (mc, k) => mc.gat(k as string, 10)],
    ['touch', (mc, k) => mc.touch(k as string, 10)], ['delete', (mc, k) => mc.delete(k as string)], ['incr', (mc, k) => mc.incr(k as string, 1)],
    ['decr', (mc, k) => mc.decr(k as string, 1)], ['set', (mc, k) => mc.set(k as string, 'v')], ['add', (mc, k) => mc.add(k as string, 'v')],
    ['replace', (mc, k) => mc.replace(k as string, 'v')], ['append', (mc, k) => mc.append(k as string, 'v')],
    ['prepend', (mc, k) => mc.prepend(k as string, 'v')], ['cas', (mc, k) => mc.cas(k as string, 'v', 1n)],
    ['getMany', (mc, k) => mc.getMany(['fine', k as string])],
  ];

  /** The outcome on both clients, which must agree. */
  async function both(pair: { up: AnyClient; down: AnyClient }, run: (mc: AnyClient) => unknown): Promise<string> {
    const upOutcome = await outcome(() => run(pair.up));
    expect(await outcome(() => run(pair.down))).toBe(upOutcome);
    return upOutcome;
  }

  it('bad keys: InvalidKeyError from every key command', async () => {
    for (const [, run] of keyCommands) {
      for (const [what, bad] of badKeys) {
        expect(`${what}: ${await both(pairs, (mc) => run(mc, bad))}`).toBe(`${what}: InvalidKeyError ERR_INVALID_KEY`);
      }
    }
  });

  it('bad ttl, flags, CAS unique and delta: InvalidValueError', async () => {
    const expectations: [string, (mc: AnyClient) => unknown][] = [];
    for (const bad of [1.5, NaN, Infinity, 2 ** 31, -(2 ** 31) - 1, '60', null]) {
      for (const verb of ['set', 'add', 'replace'] as const) expectations.push([`${verb} ttl ${String(bad)}`, (mc) => mc[verb]('k', 'v', { ttl: bad as number })]);
      expectations.push([`cas ttl ${String(bad)}`, (mc) => mc.cas('k', 'v', 1n, { ttl: bad as number })]);
      expectations.push([`gat ttl ${String(bad)}`, (mc) => mc.gat('k', bad as number)], [`touch ttl ${String(bad)}`, (mc) => mc.touch('k', bad as number)]);
    }
    // A missing TTL is refused, not read as 0 (which memcached takes for "never expires").
    expectations.push(['gat without ttl', (mc) => (mc.gat as (k: string) => unknown)('k')], ['touch without ttl', (mc) => (mc.touch as (k: string) => unknown)('k')]);
    for (const bad of [-1, 2 ** 32, 1.5, NaN, '1', null]) {
      for (const verb of ['set', 'add', 'replace'] as const) expectations.push([`${verb} flags ${String(bad)}`, (mc) => mc[verb]('k', 'v', { flags: bad as number })]);
      expectations.push([`cas flags ${String(bad)}`, (mc) => mc.cas('k', 'v', 1n, { flags: bad as number })]);
    }
    for (const bad of [-1n, 2n ** 64n, -1, 1.5, 2 ** 53, NaN, 'abc', null, undefined]) {
      expectations.push([`cas unique ${String(bad)}`, (mc) => mc.cas('k', 'v', bad as bigint)]);
    }
    for (const bad of [-1, -1n, 2n ** 64n, 1.5, 2 ** 53, NaN, 'x', null]) {
      expectations.push([`incr delta ${String(bad)}`, (mc) => mc.incr('k', bad as number)], [`decr delta ${String(bad)}`, (mc) => mc.decr('k', bad as number)]);
    }
    for (const bad of ['', 'a b', 'items\r\n', 'é', 's'.repeat(251), 5, null, {}]) {
      expectations.push([`stats group ${JSON.stringify(bad)}`, (mc) => mc.stats(bad as string)]);
    }
    for (const [what, run] of expectations) expect(`${what}: ${await both(pairs, run)}`).toBe(`${what}: InvalidValueError ERR_INVALID_VALUE`);
  });

  it('bad values: InvalidValueError (objects, undefined and the like with utf8; a BigInt, undefined, a function with json)', async () => {
    const utf8Bad: unknown[] = [{ a: 1 }, [1], undefined, null, 42, true, 5n, Symbol('v'), new ArrayBuffer(1)];
    const writes: [string, (mc: AnyClient, v: unknown) => unknown][] = [
      ['set', (mc, v) => mc.set('k', v)], ['add', (mc, v) => mc.add('k', v)], ['replace', (mc, v) => mc.replace('k', v)],
      ['append', (mc, v) => mc.append('k', v as string)], ['prepend', (mc, v) => mc.prepend('k', v as string)], ['cas', (mc, v) => mc.cas('k', v, 1n)],
    ];
    for (const [verb, run] of writes) {
      for (const bad of utf8Bad) expect(`${verb} ${typeof bad}: ${await both(pairs, (mc) => run(mc, bad))}`).toBe(`${verb} ${typeof bad}: InvalidValueError ERR_INVALID_VALUE`);
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const [verb, run] of writes.filter(([v]) => v !== 'append' && v !== 'prepend')) {
      for (const bad of [10n, { n: 1n }, undefined, () => 1, Symbol('v'), cycle]) {
        expect(`${verb} ${typeof bad}: ${await both(pairs.json, (mc) => run(mc, bad))}`).toBe(`${verb} ${typeof bad}: InvalidValueError ERR_INVALID_VALUE`);
      }
    }
  });

  it('append and prepend join bytes, never the codec: a string is sent as UTF-8 whatever the codec', async () => {
    const json = pairs.json.up;
    expect(await json.set('joined', 'ab')).toBe(true); // stored as JSON: "ab"
    expect(await json.append('joined', 'x')).toBe(true);
    expect(await json.prepend('joined', 'y')).toBe(true);
    // Through the codec, each would have added its quotes: y"ab"x is not JSON, "y""ab""x" neither.
    await expect(json.get('joined')).rejects.toBeInstanceOf(CodecError);
    const raw = new Client<Uint8Array>({ servers: upServers.map((s) => s.address), codec: 'bytes' });
    clients.push(raw as AnyClient);
    expect(Buffer.from((await raw.get('joined'))!).toString()).toBe('y"ab"x');
    // Objects have no byte form to join, with the json codec too.
    expect(await both(pairs.json, (mc) => mc.append('joined', { a: 1 } as never))).toBe('InvalidValueError ERR_INVALID_VALUE');
  });

  it('getMany takes any iterable of keys but a string: non-iterables and bad keys are InvalidKeyErrors, a Set works', async () => {
    for (const bad of ['abc', '', 42, null, undefined, {}, { length: 1, 0: 'k' }, true, badIterable, throwingIterable, new Map([['k', 'v']]), ['ok', ''], ['ok', 5], new Set(['ok', 'a b'])]) {
      expect(await both(pairs, (mc) => mc.getMany(bad as string[]))).toBe('InvalidKeyError ERR_INVALID_KEY');
    }
    const { up, down } = pairs;
    await up.set('set:a', 'A');
    await up.set('set:b', 'B');
    expect(await up.getMany(new Set(['set:a', 'set:b', 'set:missing']))).toEqual(new Map([['set:a', 'A'], ['set:b', 'B']]));
    expect(await up.getMany(new Set<string>())).toEqual(new Map());
    expect(await up.getMany(new Map([['set:a', 1]]).keys())).toEqual(new Map([['set:a', 'A']]));
    expect(await down.getMany(new Set(['set:a', 'set:b']))).toEqual(new Map());
  });
});

describe('codec errors are typed', () => {
  let server: MemcachedServer;
  beforeAll(() => {
    server = upServers[0];
  });
  const one = (options: Options) => {
    const mc = new Client<any>({ servers: [server.address], ...options });
    clients.push(mc);
    return mc;
  };

  it("codec: 'xml' is an InvalidOptionError at construction", () => {
    expect(() => new Client({ servers: [server.address], codec: 'xml' as never })).toThrow(InvalidOptionError);
  });

  it('a value PHP wrote with flags 2 that is not JSON, read with the json codec: CodecError (ERR_CODEC), and the connection goes on', async () => {
    expect(await rawCommand(server.host, server.port, 'set php:value 2 0 8\r\nnot json\r\n')).toBe('STORED\r\n');
    const mc = one({ codec: 'json' });
    for (const read of [() => mc.get('php:value'), () => mc.gets('php:value'), () => mc.gat('php:value', 100), () => mc.getMany(['php:value'])]) {
      const err = await read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodecError);
      expect((err as CodecError).code).toBe('ERR_CODEC');
      expect((err as CodecError).cause).toBeInstanceOf(SyntaxError);
    }
    expect(await mc.set('json:ok', { a: [1, 'two'] })).toBe(true);
    expect(await mc.get('json:ok')).toEqual({ a: [1, 'two'] });
    expect(mc.servers()[0].status).toBe('up');
  });

  it('a user codec that throws: InvalidValueError on set (up or down), CodecError on get, each with what it threw as the cause', async () => {
    const boom = new Error('encode boom');
    const bang = new Error('decode bang');
    const codec = { encode: () => { throw boom; }, decode: () => { throw bang; } };
    const mc = one({ codec });
    const down = await downClient({ codec });
    for (const client of [mc, down]) {
      const err = await client.set('codec:k', 'v').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidValueError);
      expect((err as InvalidValueError).cause).toBe(boom);
    }
    expect(await rawCommand(server.host, server.port, 'set codec:k 7 0 1\r\nx\r\n')).toBe('STORED\r\n');
    for (const read of [() => mc.get('codec:k'), () => mc.getMany(['codec:k'])]) {
      const err = await read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodecError);
      expect((err as CodecError).cause).toBe(bang);
    }
    // A codec that throws a non-Error, or returns something that is not { bytes, flags }.
    const encode = (v: unknown) => {
      if (v === 'throw') throw 'a string'; // eslint-disable-line no-throw-literal
      return { bytes: 'x', flags: 0 } as never;
    };
    const odd = one({ codec: { encode, decode: (b: Uint8Array) => b } });
    await expect(odd.set('codec:odd', 'throw')).rejects.toBeInstanceOf(InvalidValueError);
    await expect(odd.set('codec:odd', 'v')).rejects.toBeInstanceOf(InvalidValueError);
  });
});

describe('options are validated synchronously in the constructor', () => {
  const servers = ['127.0.0.1:11211'];
  const hold = { now: () => Date.now(), setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as never) };

  /** The option the constructor refused, or a failure when it accepted (or threw anything else). */
  function refusedOption(options: Record<string, unknown>): string {
    let mc: Client | undefined;
    try {
      mc = new Client({ servers, ...options } as ClientOptions);
    } catch (err) {
      if (!(err instanceof InvalidOptionError)) return `not an InvalidOptionError: ${label(err)}`;
      return err.option;
    }
    void mc.close();
    return 'accepted';
  }

  const cases: [Record<string, unknown>, string][] = [
    [{ timout: 500 }, 'timout'],
    [{ distrubution: 'ketama' }, 'distrubution'],
    [{ failback: { flsh: 'server' } }, 'failback.flsh'],
    [{ failback: 'x' }, 'failback'],
    [{ failback: null }, 'failback'],
    [{ failback: { flush: 5n } }, 'failback.flush'],
    [{ clock: { now: () => 0 } }, 'clock'],
    [{ clock: { setTimeout: hold.setTimeout, clearTimeout: hold.clearTimeout } }, 'clock'],
    [{ clock: 5 }, 'clock'],
    [{ connector: 5 }, 'connector'],
    [{ distribution: 'bogus' }, 'distribution'],
    [{ distribution: 'consistent', hash: 'md5' }, 'hash'],
    [{ hash: 'md5' }, 'hash'],
    [{ engine: 'c' }, 'engine'],
    [{ failover: 1n }, 'failover'],
    [{ failback: { lockKey: 'has space' } }, 'failback.lockKey'],
    [{ failback: { lockKey: 42 } }, 'failback.lockKey'],
    [{ failback: { lockKey: () => 'has space' } }, 'failback.lockKey'],
    [{ failback: { lockKey: () => 42 } }, 'failback.lockKey'],
    [{ failback: { lockKey: () => { throw new Error('no key'); } } }, 'failback.lockKey'],
    // Valid itself, but the done-marker key derived from it (+ "done") is 254 bytes.
    [{ failback: { lockKey: () => 'k'.repeat(250) } }, 'failback.lockKey'],
    [{ maxValueBytes: 0 }, 'maxValueBytes'],
    [{ failureLimit: 0 }, 'failureLimit'],
    [{ codec: 'xml' }, 'codec'],
    [{ timeout: '500' }, 'timeout'],
    [{ timeout: Object.create(null) }, 'timeout'],
    // Timers fire at once past 2^31 - 1 ms: every connect would time out, probes would loop.
    [{ connectTimeout: 2 ** 31 }, 'connectTimeout'],
    [{ retryInterval: 2 ** 31 }, 'retryInterval'],
    // memcached reads an exptime over 30 days as a Unix time, long past: the item would expire at once.
    [{ failback: { lockTtl: 30 * 86_400 + 1 } }, 'failback.lockTtl'],
    [{ failover: 'redistribute', failoverTtl: 40 * 86_400 }, 'failoverTtl'],
    [{ failover: 'gutter', gutter: ['127.0.0.1:11212'], gutterTtl: 30 * 86_400 + 1 }, 'gutterTtl'],
    // The Client stores keys as given: routing them under Dalli's namespace would put them where Dalli never looks.
    [{ compat: 'dalli/ring', namespace: 'app' }, 'namespace'],
    [{ compat: 'pymemcache/rendezvous', keyType: 'binary' }, 'keyType'],
  ];

  // Titles by index: a BigInt or a null-prototype object has no JSON form.
  it.each(cases.map(([options, option], i) => [i, option, options] as const))('case %i → InvalidOptionError naming %s', (_i, option, options) => {
    expect(refusedOption(options)).toBe(option);
  });

  it('the limits themselves, and a lockKey function that returns good keys, are accepted', () => {
    for (const options of [
      { connectTimeout: 2 ** 31 - 1, retryInterval: 2 ** 31 - 1, failback: { lockTtl: 30 * 86_400, lockKey: (s: number) => `lock:${Math.floor(s / 300)}` } },
      { failover: 'redistribute', failoverTtl: 30 * 86_400 },
      { failback: { lockKey: 'k'.repeat(230) } },
      { compat: 'dalli/ring', failover: 'redistribute' },
      { compat: 'pymemcache/rendezvous', keyType: 'bytes' },
      { compat: 'spymemcached/ketama', servers: [{ host: '127.0.0.1', port: 11211, name: 'cache-1:11211' }] },
    ]) {
      expect(refusedOption(options)).toBe('accepted');
    }
  });

  it('generated option values: accepted, or an InvalidOptionError naming the option, never another error', () => {
    const names = ['failover', 'connectTimeout', 'timeout', 'maxValueBytes', 'tls', 'maxQueue', 'codec', 'failureLimit', 'retryInterval', 'failoverTtl', 'gutterTtl', 'failback', 'clock', 'connector', 'timout'];
    const weird = fc.oneof(fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, withDate: true, withTypedArray: true }), fc.integer(), fc.double());
    fc.assert(
      fc.property(fc.constantFrom(...names), weird, (name, v) => {
        const option = refusedOption({ [name]: v });
        expect(option === 'accepted' || option === name || option.startsWith(`${name}.`)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('callbacks are checked when they are registered', () => {
  it('a non-function is an InvalidOptionError naming the method, at once; null (or undefined) removes a PECL-style callback', () => {
    const mc = new Client({ servers: ['127.0.0.1:11211'] });
    clients.push(mc);
    const register: [string, (cb: unknown) => unknown][] = [
      ['setReconnectedCallback', (cb) => mc.setReconnectedCallback(cb as never)],
      ['setFailureCallback', (cb) => mc.setFailureCallback(cb as never)],
      ['onReconnect', (cb) => mc.onReconnect(cb as never)],
      ['onFailure', (cb) => mc.onFailure(cb as never)],
    ];
    for (const [method, run] of register) {
      for (const bad of [5, 'cb', {}, 5n]) {
        let caught: unknown;
        try {
          run(bad);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(InvalidOptionError);
        expect((caught as InvalidOptionError).option).toBe(method);
      }
      expect(typeof run(() => undefined)).not.toBe('undefined');
    }
    expect(mc.setReconnectedCallback(null)).toBe(mc);
    expect(mc.setFailureCallback(undefined as never)).toBe(mc);
    expect(() => mc.onReconnect(null as never)).toThrow(InvalidOptionError);
  });
});

describe('a 50M-character key never reaches the WASM core', () => {
  /** The router core's memory, through the Client's private cluster (a test-only cast). */
  function coreBytes(mc: AnyClient): number {
    return (mc as unknown as { cluster: { router: { core: Core } } }).cluster.router.core.memory.buffer.byteLength;
  }

  it('get, set and getMany refuse it with an InvalidKeyError, up or down, and the core memory does not grow', async () => {
    const up = upClient({ engine: 'wasm' });
    const down = await downClient({ engine: 'wasm' });
    for (const mc of [up, down]) {
      await mc.connect();
      expect(await mc.engine()).toBe('wasm');
      const before = coreBytes(mc);
      for (const run of [() => mc.get(HUGE_KEY), () => mc.set(HUGE_KEY, 'v'), () => mc.getMany([HUGE_KEY]), () => mc.getMany(['ok', HUGE_KEY]), () => mc.getMany(new Set([HUGE_KEY])), () => mc.delete(HUGE_KEY)]) {
        expect(await outcome(run)).toBe('InvalidKeyError ERR_INVALID_KEY');
      }
      expect(coreBytes(mc)).toBe(before);
    }
    // Good keys still route and work after it.
    expect(await up.set('after-huge', 'v')).toBe(true);
    expect(await up.getMany(['after-huge'])).toEqual(new Map([['after-huge', 'v']]));
  });
});
