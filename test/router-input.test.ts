/**
 * What the router refuses, and that refusing costs nothing: unknown option names and bad values
 * are InvalidOptionErrors before anything async, and a key memcached would refuse (over 250 bytes)
 * is an InvalidKeyError before it is copied into the core, so the core's memory never grows for it.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidKeyError, InvalidOptionError } from '../bindings/errors.js';
import type { Core } from '../bindings/routing/core.js';
import { createJsCore } from '../bindings/routing/js/core.js';
import { COMPAT_NAMES, resolveRouterOptions, ROUTER_OPTION_NAMES, validateRouterOptions, type EngineName, type RouterOptions } from '../bindings/routing/options.js';
import { createRouter, Router, type RouteKey } from '../bindings/routing/router.js';
import { instantiateWasmCore, provideWasm } from '../bindings/routing/wasm-core.js';
import { thrown } from './support/thrown.js';

const wasmFile = new URL('../build/core.wasm', import.meta.url);
const realWasm = () => readFile(wasmFile);
beforeAll(() => provideWasm(realWasm));
afterEach(() => provideWasm(realWasm));

const servers = ['10.0.0.1:11211', '10.0.0.2:11211:2', '10.0.0.3:11212'];
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);


function expectOptionError(err: unknown, option: string, message?: RegExp): void {
  expect(err).toBeInstanceOf(InvalidOptionError);
  expect((err as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
  expect((err as InvalidOptionError).option).toBe(option);
  if (message) expect((err as Error).message).toMatch(message);
}

describe('router option names', () => {
  it('are exactly the nine RouterOptions', () => {
    expect([...ROUTER_OPTION_NAMES]).toEqual(['servers', 'compat', 'distribution', 'hash', 'failover', 'points', 'namespace', 'keyType', 'engine']);
    expect(Object.isFrozen(ROUTER_OPTION_NAMES)).toBe(true);
  });

  it.each(['distrubution', 'hashFunction', 'weights', 'failOver', 'Engine', 'timeout'])(
    'an unknown name (%s) is refused at once, naming it and listing the known ones',
    async (name) => {
      const options = { servers, [name]: 'ketama' } as unknown as RouterOptions;
      const message = new RegExp(`^${name}: is not a router option; the options are servers, compat, distribution, hash, failover, points, namespace, keyType, engine$`);
      expectOptionError(thrown(() => resolveRouterOptions(options)), name, message);
      expectOptionError(thrown(() => validateRouterOptions(options)), name, message);
      expectOptionError(await createRouter(options).catch((e: unknown) => e), name, message);
    },
  );

  it('a misspelt distribution does not quietly route as consistent', async () => {
    const err = await createRouter({ servers, distrubution: 'standard' } as unknown as RouterOptions).catch((e: unknown) => e);
    expectOptionError(err, 'distrubution');
  });

  it('known names set to undefined are the defaults', async () => {
    const options: RouterOptions = { servers, distribution: undefined, hash: undefined, failover: undefined, engine: undefined };
    const resolved = validateRouterOptions(options);
    expect([resolved.distribution, resolved.hash, resolved.failover, resolved.engine]).toEqual(['consistent', 'crc32', 'offline', undefined]);
    expect((await createRouter(options)).distribution).toBe('consistent');
  });

  it('createRouter refuses bad options before it loads the WASM core', async () => {
    let loads = 0;
    provideWasm(() => {
      loads++;
      return realWasm();
    });
    expectOptionError(await createRouter({ servers, engine: 'wasm', distrubution: 'ketama' } as unknown as RouterOptions).catch((e: unknown) => e), 'distrubution');
    expectOptionError(await createRouter({ servers: [], engine: 'wasm' }).catch((e: unknown) => e), 'servers');
    expect(loads).toBe(0);
    expect((await createRouter({ servers, engine: 'wasm' })).engine).toBe('wasm');
    expect(loads).toBe(1);
  });
});

describe('bad values', () => {
  it.each([
    ['options that are not an object', null, 'options'],
    ['a string for options', 'servers', 'options'],
    ['no servers', {}, 'servers'],
    ['servers as a string', { servers: '10.0.0.1:11211' }, 'servers'],
    ['a hole in the servers', { servers: [, '10.0.0.1:11211'] }, 'servers[0]'],
    ['a server that is a number', { servers: [11211] }, 'servers[0]'],
    ['a misspelt server field', { servers: [{ host: 'a', prot: 11212 }] }, 'servers[0].prot'],
    ['a server weight misspelt', { servers: ['a:1', { host: 'b', wieght: 2 }] }, 'servers[1].wieght'],
    ['a server name where the client places servers by host:port', { servers: [{ host: 'a', port: 1, name: 'b:1' }] }, 'servers[0].name'],
    ['an empty server name', { servers: [{ host: 'a', port: 1, name: '' }], compat: 'twemproxy/ketama' }, 'servers[0].name'],
    ['a server name that is not a string', { servers: [{ host: 'a', port: 1, name: 7 }], compat: 'spymemcached/ketama' }, 'servers[0].name'],
    ['two twemproxy servers of one name', { servers: [{ host: 'a', port: 1, name: 'x' }, { host: 'b', port: 1, name: 'x' }], compat: 'twemproxy/modula' }, 'servers[1].name'],
    ["a twemproxy name equal to another server's default name", { servers: ['a:11211', { host: 'b', port: 1, name: 'a' }], compat: 'twemproxy/ketama' }, 'servers[1].name'],
    ['a resolved server whose nodeName is not a string', { servers: [{ host: 'a', port: 1, nodeName: 7 }], compat: 'spymemcached/ketama' }, 'servers[0].nodeName'],
    ["a resolved server whose name is not host:port", { servers: [{ host: 'a', port: 1, weight: 1, name: 'b:1', nodeName: 'x' }], compat: 'spymemcached/ketama' }, 'servers[0].name'],
    ['spymemcached with a host name and no name (the JVM resolves it)', { servers: ['cache-1.example.net:11211', '127.0.0.1:11212'], compat: 'spymemcached/ketama' }, 'servers[0].name'],
    ["spymemcached's LIBMEMCACHED format with an IP and no name (reverse DNS)", { servers: ['127.0.0.1:11211', '10.0.0.2:11211'], compat: 'spymemcached/ketama-libmemcached' }, 'servers[1].name'],
    ["spymemcached's LIBMEMCACHED format with an IP shorthand", { servers: ['127.1:11211'], compat: 'spymemcached/ketama-libmemcached' }, 'servers[0].name'],
    ['md5 for Dalli', { servers, compat: 'dalli/ring', hash: 'md5' }, 'hash'],
    ['a namespace outside Dalli', { servers, compat: 'pecl-memcache/consistent', namespace: 'app' }, 'namespace'],
    ['a namespace that is not a string', { servers, compat: 'dalli/ring', namespace: 7 }, 'namespace'],
    ['keyType outside pymemcache', { servers, compat: 'dalli/ring', keyType: 'bytes' }, 'keyType'],
    ['keyType str outside pymemcache', { servers, keyType: 'str' }, 'keyType'],
    ['an unknown keyType', { servers, compat: 'pymemcache/rendezvous', keyType: 'unicode' }, 'keyType'],
    ['crc32 for spymemcached ketama', { servers, compat: 'spymemcached/ketama-weighted', hash: 'crc32' }, 'hash'],
    ['a port given as a string', { servers: [{ host: 'a', port: '11211' }] }, 'servers[0].port'],
    ['a fractional weight', { servers: [{ host: 'a', weight: 1.5 }] }, 'servers[0].weight'],
    ['a host with a space', { servers: ['bad host:1'] }, 'servers[0]'],
    ['a distribution that is not a string', { servers, distribution: 3 }, 'distribution'],
    ['a distribution in capitals', { servers, distribution: 'Ketama' }, 'distribution'],
    ['a hash for buckets other than crc32', { servers, distribution: 'buckets', hash: 'fnv' }, 'hash'],
    ['a libhashkit hash for consistent', { servers, distribution: 'consistent', hash: 'one_at_a_time' }, 'hash'],
    ['a PECL hash for modula', { servers, distribution: 'modula', hash: 'fnv' }, 'hash'],
    ['redistribute for plain modula (libmemcached has no rehash)', { servers, distribution: 'modula', failover: 'redistribute' }, 'failover'],
    ['a compat name failback does not implement', { servers, compat: 'dalli/consistent' }, 'compat'],
    ['a compat name in capitals', { servers, compat: 'PHP-memcached/modula' }, 'compat'],
    ['a compat that is not a string', { servers, compat: 1 }, 'compat'],
    ['compat and distribution together', { servers, compat: 'php-memcached/modula', distribution: 'modula' }, 'distribution'],
    ["twemproxy's hash name for php-memcached", { servers, compat: 'php-memcached/modula', hash: 'crc32a' }, 'hash'],
    ["libhashkit's crc for twemproxy (it calls it crc32)", { servers, compat: 'twemproxy/modula', hash: 'crc' }, 'hash'],
    ['hsieh for php-memcached (Debian\'s libhashkit has none)', { servers, compat: 'php-memcached/modula', hash: 'hsieh' }, 'hash'],
    ['fnv for gomemcache', { servers, compat: 'gomemcache/modulo', hash: 'fnv1a_32' }, 'hash'],
    ['crc32 for memjs', { servers, compat: 'memjs/modulo', hash: 'crc32' }, 'hash'],
    ['points without Cache::Memcached::Fast', { servers, distribution: 'ketama', points: 160 }, 'points'],
    ['Fast ketama without points', { servers, compat: 'perl-cache-memcached-fast/ketama' }, 'points'],
    ['Fast ketama with points 0', { servers, compat: 'perl-cache-memcached-fast/ketama', points: 0 }, 'points'],
    ['Fast ketama with fractional points', { servers, compat: 'perl-cache-memcached-fast/ketama', points: 1.5 }, 'points'],
    ['Fast compatible with ketama points', { servers, compat: 'perl-cache-memcached-fast/compatible', points: 150 }, 'points'],
    ['crc32 for php-memcached/ketama-weighted', { servers, compat: 'php-memcached/ketama-weighted', hash: 'crc32' }, 'hash'],
    ['hsieh keys on pylibmc/ketama-weighted', { servers, compat: 'pylibmc/ketama-weighted', hash: 'hsieh' }, 'hash'],
    ['consistent-spy with a weight above 1 (not recorded)', { servers, compat: 'pylibmc/consistent-spy' }, 'servers[1].weight'],
    ['an engine in capitals', { servers, engine: 'WASM' }, 'engine'],
    ['a failover that is a boolean', { servers, failover: true }, 'failover'],
  ])('%s is refused naming the option', async (_what, options, option) => {
    expectOptionError(thrown(() => validateRouterOptions(options as never)), option);
    expectOptionError(await createRouter(options as never).catch((e: unknown) => e), option);
  });

  it('an unknown compat name lists the ones failback implements', () => {
    const err = thrown(() => validateRouterOptions({ servers, compat: 'dalli/consistent' } as never));
    expectOptionError(err, 'compat', /^compat: must be one of 'pecl-memcache\/consistent', .*, got "dalli\/consistent"$/);
    for (const name of COMPAT_NAMES) expect((err as Error).message).toContain(`'${name}'`);
    expect(COMPAT_NAMES).toHaveLength(26);
  });

  it('compat presets resolve to their distribution, default hash and failover', () => {
    const resolve = (o: Partial<RouterOptions>) => {
      const r = validateRouterOptions({ servers, ...o });
      return [r.compat, r.distribution, r.hash, r.failover];
    };
    expect(resolve({ compat: 'php-memcached/modula' })).toEqual(['php-memcached/modula', 'modula', 'one_at_a_time', 'offline']);
    expect(resolve({ compat: 'pylibmc/modula', hash: 'murmur3', failover: 'redistribute' })).toEqual(['pylibmc/modula', 'modula', 'murmur3', 'redistribute']);
    expect(resolve({ compat: 'twemproxy/modula' })).toEqual(['twemproxy/modula', 'modula', 'fnv1a_64', 'offline']);
    expect(resolve({ compat: 'gomemcache/modulo' })).toEqual(['gomemcache/modulo', 'modula', 'crc32', 'offline']);
    expect(resolve({ compat: 'memjs/modulo', failover: 'redistribute' })).toEqual(['memjs/modulo', 'modula', 'java-hashcode-abs', 'redistribute']);
    expect(resolve({ compat: 'pecl-memcache/standard', hash: 'fnv' })).toEqual(['pecl-memcache/standard', 'standard', 'fnv', 'offline']);
    expect(resolve({ compat: 'perl-cache-memcached/buckets', hash: 'crc32' })).toEqual(['perl-cache-memcached/buckets', 'buckets', 'crc32', 'offline']);
    expect(resolve({ compat: 'php-memcached/ketama-weighted' })).toEqual(['php-memcached/ketama-weighted', 'ketama', 'md5', 'offline']);
    expect(resolve({ compat: 'pylibmc/consistent', hash: 'crc' })).toEqual(['pylibmc/consistent', 'ketama', 'crc', 'offline']);
    expect(validateRouterOptions({ servers: ['a:1', 'b:1'], compat: 'pylibmc/consistent-spy' }).hash).toBe('one_at_a_time');
    expect(resolve({ distribution: 'modula' })).toEqual([undefined, 'modula', 'one_at_a_time', 'offline']);
  });

  it('a resolved server list can be passed back in', async () => {
    const first = validateRouterOptions({ servers });
    const again = await createRouter({ servers: first.servers, engine: 'js' });
    expect(again.servers).toEqual(first.servers);
  });

  it('a resolved list keeps its own names, and a name equal to host:port is still a name (twemproxy)', async () => {
    const named = [{ host: '127.0.0.1', port: 11211, name: 'server1' }, '127.0.0.2:11211', { host: '127.0.0.3', port: 11211, name: '127.0.0.3:11211' }];
    const first = await createRouter({ servers: named, compat: 'twemproxy/ketama', engine: 'js' });
    expect(first.servers.map((s) => [s.name, s.nodeName])).toEqual([['127.0.0.1:11211', 'server1'], ['127.0.0.2:11211', undefined], ['127.0.0.3:11211', '127.0.0.3:11211']]);
    const again = await createRouter({ servers: first.servers, compat: 'twemproxy/ketama', engine: 'js' });
    expect(again.servers).toEqual(first.servers);
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    expect(again.routeMany(keys)).toEqual(first.routeMany(keys));
    // '127.0.0.2' (port 11211 dropped) and '127.0.0.3:11211' (given) are different names to twemproxy.
    const plain = await createRouter({ servers: ['127.0.0.1:11211', '127.0.0.2:11211', '127.0.0.3:11211'], compat: 'twemproxy/ketama', engine: 'js' });
    expect(plain.routeMany(keys)).not.toEqual(first.routeMany(keys));
  });
});

/** A core that counts the calls that copy keys, grow memory or route. */
function counting(core: Core): { core: Core; calls: Record<'reserveKeys' | 'owner' | 'route' | 'routeMany', number> } {
  const calls = { reserveKeys: 0, owner: 0, route: 0, routeMany: 0 };
  const wrapped: Core = {
    get memory() { return core.memory; },
    reserveServers: (n, bytes) => core.reserveServers(n, bytes),
    build: (d, h, n) => core.build(d, h, n),
    reserveKeys: (bytes, keys) => { calls.reserveKeys++; core.reserveKeys(bytes, keys); },
    serversPtr: () => core.serversPtr(),
    namesPtr: () => core.namesPtr(),
    keysPtr: () => core.keysPtr(),
    offsetsPtr: () => core.offsetsPtr(),
    outPtr: () => core.outPtr(),
    setDown: (s, d) => core.setDown(s, d),
    owner: (p, l) => { calls.owner++; return core.owner(p, l); },
    route: (p, l, f) => { calls.route++; return core.route(p, l, f); },
    routeMany: (n, f) => { calls.routeMany++; core.routeMany(n, f); },
    hash: (k, p, l) => core.hash(k, p, l),
    reserveScratch: (bytes) => core.reserveScratch(bytes),
    fastlz: (s, sl, d, dc) => core.fastlz(s, sl, d, dc),
  };
  return { core: wrapped, calls };
}

/** A router on a fresh core of `engine`, with the core's memory and call counts in reach. */
async function routerOn(engine: EngineName) {
  const inner = engine === 'wasm' ? await instantiateWasmCore() : createJsCore();
  const { core, calls } = counting(inner);
  const router = new Router(core, engine, validateRouterOptions({ servers }));
  const memoryBytes = () => inner.memory.buffer.byteLength;
  const reset = () => Object.keys(calls).forEach((k) => { calls[k as keyof typeof calls] = 0; });
  reset();
  return { router, calls, memoryBytes, reset };
}

const huge = 'x'.repeat(50_000_000);
const hugeBytes = new Uint8Array(50_000_000).fill(0x78);

/** Keys just past memcached's limit, each with how the error sizes it. */
const tooLong: [string, RouteKey, RegExp][] = [
  ['50M characters', huge, /^key "x{40}…" is 50000000 characters; memcached allows at most 250 bytes$/],
  ['251 characters', 'k'.repeat(251), /is 251 characters/],
  ['84 CJK characters (252 bytes)', '键'.repeat(84), /is 252 bytes as UTF-8/],
  ['126 two-byte characters (252 bytes)', 'é'.repeat(126), /is 252 bytes as UTF-8/],
  ['63 emoji (126 units, 252 bytes)', '😀'.repeat(63), /is 252 bytes as UTF-8/],
  ['250 CJK characters (750 bytes, the scratch exactly)', '键'.repeat(250), /is 750 bytes as UTF-8/],
  ['50 MB of bytes', hugeBytes, /^a key is 50000000 bytes; memcached allows at most 250 bytes$/],
  ['251 bytes', new Uint8Array(251), /^a key is 251 bytes/],
];

/** Keys at memcached's limit. */
const atLimit: [string, RouteKey][] = [
  ['250 characters', 'k'.repeat(250)],
  ['83 CJK characters (249 bytes)', '键'.repeat(83)],
  ['125 two-byte characters', 'é'.repeat(125)],
  ['62 emoji and 2 letters', '😀'.repeat(62) + 'ab'],
  ['250 bytes', new Uint8Array(250).fill(0xff)],
];

describe.each(['wasm', 'js'] as const)('keys over 250 bytes (%s engine)', (engine) => {
  it.each(tooLong)('%s: owner, route and routeMany throw InvalidKeyError, the core untouched', async (_what, key, message) => {
    const { router, calls, memoryBytes } = await routerOn(engine);
    const before = memoryBytes();
    for (const call of [() => router.owner(key), () => router.route(key), () => router.routeMany([key])]) {
      const err = thrown(call);
      expect(err).toBeInstanceOf(InvalidKeyError);
      expect((err as InvalidKeyError).code).toBe('ERR_INVALID_KEY');
      expect(err.message).toMatch(message);
    }
    expect(memoryBytes()).toBe(before);
    expect(calls).toEqual({ reserveKeys: 0, owner: 0, route: 0, routeMany: 0 });
  });

  it.each(atLimit)('%s: routed like its bytes, without growing memory', async (_what, key) => {
    const { router, calls, memoryBytes } = await routerOn(engine);
    const before = memoryBytes();
    const bytes = typeof key === 'string' ? utf8(key) : key;
    const owner = router.owner(key);
    expect(owner).toBeGreaterThanOrEqual(0);
    expect(router.route(key)).toBe(owner);
    expect(router.owner(bytes)).toBe(owner);
    expect(Array.from(router.routeMany([key, bytes]))).toEqual([owner, owner]);
    expect(Array.from(router.routeMany([bytes, bytes]))).toEqual([owner, owner]);
    expect(memoryBytes()).toBe(before);
    expect(calls.reserveKeys).toBe(0);
  });

  it('the memory stays the same over many rejected huge keys, and good keys still route after them', async () => {
    const { router, memoryBytes } = await routerOn(engine);
    const expected = router.route('user:42');
    const before = memoryBytes();
    for (let i = 0; i < 5; i++) {
      expect(() => router.route(huge)).toThrow(InvalidKeyError);
      expect(() => router.routeMany([hugeBytes, hugeBytes])).toThrow(InvalidKeyError);
    }
    expect(memoryBytes()).toBe(before);
    expect(router.route('user:42')).toBe(expected);
  });

  it.each([
    ['strings with a huge string', ['a', 'b', huge, 'c']],
    ['strings with a 252-byte string last', ['a', 'b', 'é'.repeat(126)]],
    ['bytes with huge bytes (the one-crossing path)', [utf8('a'), utf8('b'), hugeBytes, utf8('c')]],
    ['bytes with 251 bytes first', [new Uint8Array(251), utf8('a')]],
    ['mixed, with huge bytes', ['a', utf8('b'), hugeBytes]],
    ['mixed, with a huge string', [utf8('a'), 'b', huge]],
    ['strings with a number', ['a', 'b', 42 as unknown as string]],
    ['bytes with null', [utf8('a'), null as unknown as Uint8Array]],
  ])('routeMany of %s throws before routing any key', async (_what, keys) => {
    const { router, calls, memoryBytes } = await routerOn(engine);
    const before = memoryBytes();
    expect(() => router.routeMany(keys)).toThrow(InvalidKeyError);
    expect(calls).toEqual({ reserveKeys: 0, owner: 0, route: 0, routeMany: 0 });
    expect(memoryBytes()).toBe(before);
  });

  it('routeMany still grows the key region for a large batch of good keys', async () => {
    const { router, calls } = await routerOn(engine);
    const keys = Array.from({ length: 3000 }, (_, i) => utf8(`${'k'.repeat(200)}${i}`));
    const routed = router.routeMany(keys);
    expect(calls.reserveKeys).toBe(1);
    expect(calls.routeMany).toBe(1);
    for (let i = 0; i < keys.length; i += 101) expect(routed[i]).toBe(router.route(keys[i]));
  });
});

describe('a router made by createRouter', () => {
  it.each(['wasm', 'js'] as const)('(%s) refuses a 50M-character key without growing its core', async (engine) => {
    const router = await createRouter({ servers, engine });
    // The core is private; reached here only to measure it.
    const memory = (router as unknown as { core: Core }).core.memory;
    const before = memory.buffer.byteLength;
    expect(() => router.route(huge)).toThrow(InvalidKeyError);
    expect(() => router.routeMany(['ok', huge])).toThrow(InvalidKeyError);
    expect(() => router.routeMany([utf8('ok'), hugeBytes])).toThrow(InvalidKeyError);
    expect(memory.buffer.byteLength).toBe(before);
  });
});
