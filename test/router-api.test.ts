import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRouter, InvalidKeyError, InvalidOptionError, type RouterOptions } from '../bindings/entry/node.js';
import { furcHash } from '../bindings/routing/js/furc.js';
import { validateRouterOptions } from '../bindings/routing/options.js';
import { DalliRing } from './support/reference-rings.js';
import { anyString } from './support/strings.js';

const servers = ['10.0.0.1:11211', { host: '10.0.0.2', port: 11211, weight: 2 }, '10.0.0.3:11212:3'];

describe('createRouter options', () => {
  it('defaults to consistent + crc32 + offline on the wasm engine', async () => {
    const router = await createRouter({ servers });
    expect(router.engine).toBe('wasm');
    expect(router.distribution).toBe('consistent');
    expect(router.failover).toBe('offline');
    expect(router.servers.map((s) => [s.name, s.weight])).toEqual([['10.0.0.1:11211', 1], ['10.0.0.2:11211', 2], ['10.0.0.3:11212', 3]]);
  });

  it.each([
    [{ servers: [] }, 'servers'],
    [{ servers: ['host:99999'] }, 'servers[0]'],
    [{ servers: ['a:1', 'a:1'] }, 'servers[1]'],
    [{ servers: [{ host: 'a', port: 1, weight: 0 }] }, 'servers[0].weight'],
    [{ servers: [{ host: '', port: 1 }] }, 'servers[0].host'],
    [{ servers, distribution: 'modulo' }, 'distribution'],
    [{ servers, compat: 'memcache/modula' }, 'compat'],
    [{ servers, compat: 'php-memcached/modula', hash: 'crc32' }, 'hash'],
    [{ servers, hash: 'md5' }, 'hash'],
    [{ servers, distribution: 'ketama', hash: 'crc32' }, 'hash'],
    [{ servers, failover: 'gutter' }, 'failover'],
    [{ servers, engine: 'native' }, 'engine'],
  ])('rejects %j naming %s', async (options, option) => {
    const err = await createRouter(options as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe(option);
    expect((err as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
  });

  it('reports the compat preset and its hash', async () => {
    const router = await createRouter({ servers, compat: 'twemproxy/modula', hash: 'crc32a' });
    expect([router.compat, router.distribution, router.hash, router.failover]).toEqual(['twemproxy/modula', 'modula', 'crc32a', 'offline']);
  });

  it('rejects a key that is neither a string nor bytes', async () => {
    const router = await createRouter({ servers });
    expect(() => router.route(42 as never)).toThrow(InvalidKeyError);
  });
});

describe.each(['wasm', 'js'] as const)('offline buckets (%s)', (engine) => {
  it('keeps a down server\'s keys on it (-1) under offline, moves only those under redistribute', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `user:${i}:profile`);
    const offline = await createRouter({ servers, engine });
    const redistribute = await createRouter({ servers, engine, failover: 'redistribute' });
    const owners = Array.from(offline.routeMany(keys));
    offline.setDown(1, true);
    redistribute.setDown(1, true);
    const off = offline.routeMany(keys);
    const red = redistribute.routeMany(keys);
    let moved = 0;
    owners.forEach((o, i) => {
      expect(offline.owner(keys[i])).toBe(o);
      if (o === 1) {
        expect(off[i]).toBe(-1);
        expect(red[i]).not.toBe(1);
        expect(red[i]).toBeGreaterThanOrEqual(0);
        moved++;
      } else {
        expect(off[i]).toBe(o);
        expect(red[i]).toBe(o);
      }
    });
    expect(moved).toBeGreaterThan(300);
    offline.setDown(1, false);
    expect(Array.from(offline.routeMany(keys))).toEqual(owners);
    expect(offline.isDown(1)).toBe(false);
  });

  it('routes nowhere when every server is down, and anywhere when there is one server', async () => {
    const router = await createRouter({ servers, engine, failover: 'redistribute' });
    [0, 1, 2].forEach((i) => router.setDown(i, true));
    expect(router.route('k')).toBe(-1);
    const single = await createRouter({ servers: ['127.0.0.1:1'], engine });
    expect(single.routeMany(['a', 'b', 'ключ'])).toEqual(new Int32Array([0, 0, 0]));
  });

  it('grows its key buffer for large batches and long keys', async () => {
    const router = await createRouter({ servers, engine });
    const keys = Array.from({ length: 50_000 }, (_, i) => `${'k'.repeat(i % 245)}${i}`); // up to 249 bytes
    const batch = router.routeMany(keys);
    expect(batch.length).toBe(keys.length);
    for (let i = 0; i < keys.length; i += 997) expect(batch[i]).toBe(router.route(keys[i]));
  });

  it('routes a batch the same whether its keys are all ASCII (one crossing) or one of them is not', async () => {
    const router = await createRouter({ servers, engine, distribution: 'ketama' });
    const ascii = Array.from({ length: 3000 }, (_, i) => `user:${i * 7919}:profile`);
    const perKey = ascii.map((k) => router.route(k));
    expect(Array.from(router.routeMany(ascii))).toEqual(perKey);
    // A key past 0x7f anywhere (last, in the middle, a lone surrogate, Latin-1) sends the batch the per-key way.
    for (const odd of ['ключ', 'caf\u00e9', '\ud800', '\u0080']) {
      for (const at of [0, 1500, 3000]) {
        const keys = [...ascii.slice(0, at), odd, ...ascii.slice(at)];
        expect(Array.from(router.routeMany(keys))).toEqual([...perKey.slice(0, at), router.route(odd), ...perKey.slice(at)]);
      }
    }
    expect(Array.from(router.routeMany(['', 'a']))).toEqual([router.route(''), router.route('a')]);
  });

  it('routes any batch as route() routes each key, whatever its length and wherever a non-ASCII key sits', async () => {
    const router = await createRouter({ servers, engine });
    // Mostly ASCII keys, so most batches take the joined path; batches past 256 keys span its chunks.
    const key = fc.oneof({ weight: 20, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: anyString.map((k) => k.slice(0, 80)) });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 700 }), (keys) => {
        expect(Array.from(router.routeMany(keys))).toEqual(keys.map((k) => router.route(k)));
      }),
      { numRuns: 150 },
    );
  });
});

describe.each(['wasm', 'js'] as const)('compat presets (%s), HASHING-2.md §3, §4, §5, §10, §12 on S3', (engine) => {
  const s3 = ['127.0.0.1:21211', '127.0.0.1:21212', '127.0.0.1:21213'];
  const keys = ['foo', 'hello', 'user:1', 'ключ', '🔑'];
  const route = async (options: Omit<RouterOptions, 'servers'>, list: RouterOptions['servers'] = s3, k = keys) =>
    Array.from((await createRouter({ servers: list, engine, ...options })).routeMany(k));

  it('libmemcached modula: hash % n, weights ignored', async () => {
    expect(await route({ compat: 'php-memcached/modula' })).toEqual([0, 0, 2, 0, 0]);
    expect(await route({ compat: 'pylibmc/modula', hash: 'fnv1a_64' })).toEqual([2, 0, 1, 0, 2]);
    expect(await route({ compat: 'php-memcached/modula', hash: 'murmur3' })).toEqual([0, 1, 1, 1, 1]);
    expect(await route({ distribution: 'modula', hash: 'murmur3' }, ['127.0.0.1:21211:5', '127.0.0.1:21212', '127.0.0.1:21213:3'])).toEqual([0, 1, 1, 1, 1]);
  });

  it('twemproxy modula: servers sorted by name, an empty key hashes to 0', async () => {
    expect(await route({ compat: 'twemproxy/modula' }, s3, [...keys, ''])).toEqual([2, 0, 1, 0, 2, 0]);
    // Configured 21213, 21211, 21212: the same servers, reported by config index.
    expect(await route({ compat: 'twemproxy/modula' }, [s3[2], s3[0], s3[1]], [...keys, ''])).toEqual([0, 1, 2, 1, 0, 1]);
    // Shorter names sort first: "b:1" before "a:10".
    expect(await route({ compat: 'twemproxy/modula', hash: 'crc32a' }, ['a:10', 'b:1'], [''])).toEqual([1]);
  });

  it('twemproxy ketama: md5 points, the key hash given, an empty key hashes to 0', async () => {
    expect(await route({ compat: 'twemproxy/ketama' }, s3, [...keys, ''])).toEqual([0, 1, 1, 1, 1, 1]);
    expect(await route({ compat: 'twemproxy/ketama', hash: 'one_at_a_time' })).toEqual([2, 1, 0, 0, 1]);
    // With md5 keys it is libketama, whatever the order of the list.
    const shuffled = [s3[2], s3[0], s3[1]];
    expect(await route({ compat: 'twemproxy/ketama', hash: 'md5' }, shuffled)).toEqual(await route({ distribution: 'ketama' }, shuffled));
  });

  it('gomemcache: full crc32 % n in list order; a weight is the address listed that many times in a row', async () => {
    expect(await route({ compat: 'gomemcache/modulo' })).toEqual([2, 1, 0, 0, 2]);
    const many = Array.from({ length: 300 }, (_, i) => `key:${i}`);
    const copies = await route({ compat: 'gomemcache/modulo' }, ['127.0.0.1:21211:2', '127.0.0.1:21212'], many);
    expect(copies).toEqual(many.map((k) => [0, 0, 1][(zlibCrc32(Buffer.from(k)) >>> 0) % 3]));
  });

  it('memjs: abs(hashCode) % n, weights ignored; redistribute is its failover: the next live index, wrapping', async () => {
    expect(await route({ compat: 'memjs/modulo' }, s3, [...keys, 'user:2'])).toEqual([0, 1, 2, 0, 2, 1]);
    expect(await route({ compat: 'memjs/modulo' }, ['127.0.0.1:21211:3', '127.0.0.1:21212', '127.0.0.1:21213:2'], [...keys, 'user:2'])).toEqual([0, 1, 2, 0, 2, 1]);
    const router = await createRouter({ servers: s3, engine, compat: 'memjs/modulo', failover: 'redistribute' });
    router.setDown(1, true);
    expect(router.routeMany(['hello', 'user:2', 'foo'])).toEqual(new Int32Array([2, 2, 0]));
    router.setDown(2, true);
    expect(router.route('hello')).toBe(0);
    router.setDown(0, true);
    expect(router.route('hello')).toBe(-1);
    const offline = await createRouter({ servers: s3, engine, compat: 'memjs/modulo' });
    offline.setDown(1, true);
    expect(offline.route('hello')).toBe(-1);
  });

  it('libmemcached consistent (§4): 100 points per server with the key hash, weighted ketama once a weight is above 1', async () => {
    expect(await route({ compat: 'php-memcached/consistent' })).toEqual([2, 1, 1, 2, 0]);
    expect(await route({ compat: 'pylibmc/consistent', hash: 'crc' })).toEqual([0, 1, 0, 2, 0]);
    expect(await route({ compat: 'pylibmc/consistent-spy' })).toEqual([0, 2, 0, 0, 1]);
    // Weights 1, 2, 1: md5 points in float32 counts, one_at_a_time keys.
    const w121 = ['127.0.0.1:21211', '127.0.0.1:21212:2', '127.0.0.1:21213'];
    expect(await route({ compat: 'pylibmc/consistent' }, w121)).toEqual([2, 1, 0, 0, 1]);
    expect(await route({ compat: 'pylibmc/ketama-weighted', hash: 'one_at_a_time' }, w121)).toEqual([2, 1, 0, 0, 1]);
    expect(await route({ compat: 'pylibmc/ketama-weighted' })).toEqual([2, 1, 1, 0, 0]);
    // libketama: the same table as distribution 'ketama'.
    expect(await route({ compat: 'php-memcached/ketama-weighted' }, w121)).toEqual(await route({ distribution: 'ketama' }, w121));
  });

  it('spymemcached arraymod: u32(hashCode) % n (unlike memjs on negative codes); redistribute = the next live index', async () => {
    expect(await route({ compat: 'spymemcached/arraymod' }, s3, [...keys, 'user:2'])).toEqual([0, 1, 2, 0, 2, 0]);
    const router = await createRouter({ servers: s3, engine, compat: 'spymemcached/arraymod', failover: 'redistribute' });
    router.setDown(1, true);
    expect(router.routeMany(['hello', 'foo'])).toEqual(new Int32Array([2, 0]));
    // KETAMA_HASH given to the array-mod locator: LE32(md5(key)) % n.
    const many = Array.from({ length: 300 }, (_, i) => `key:${i}`);
    expect(await route({ compat: 'spymemcached/arraymod', hash: 'md5' }, s3, many)).toEqual(many.map((k) => createHash('md5').update(k).digest().readUInt32LE(0) % 3));
  });

  it('python-memcached: crc15or1 buckets; redistribute rehashes the previous hash, 10 tries (§7)', async () => {
    expect(await route({ compat: 'python-memcached/buckets' })).toEqual([1, 1, 0, 1, 1]);
    const router = await createRouter({ servers: s3, engine, compat: 'python-memcached/buckets', failover: 'redistribute' });
    router.setDown(1, true);
    expect(Array.from(router.routeMany(keys))).toEqual([0, 0, 0, 0, 2]);
    // One live bucket of 3: some keys exhaust their 10 tries.
    router.setDown(2, true);
    const many = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    const routed = Array.from(router.routeMany(many));
    expect(new Set(routed)).toEqual(new Set([0, -1]));
  });

  it('hashring (npm memcached, memcache-plus): double-precision digest counts, their own names (§9)', async () => {
    expect(await route({ compat: 'npm-memcached/ketama' })).toEqual([2, 1, 1, 0, 0]);
    expect(await route({ compat: 'memcache-plus/ketama' })).toEqual([2, 1, 1, 0, 0]);
    const tens = ['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211'];
    expect(await route({ compat: 'npm-memcached/ketama' }, tens)).toEqual([1, 1, 1, 0, 1]);
    expect(await route({ compat: 'npm-memcached/ketama' }, tens)).toEqual(await route({ distribution: 'ketama' }, tens));
    expect(await route({ compat: 'memcache-plus/ketama' }, tens)).toEqual([2, 0, 2, 1, 1]);
    const seven = Array.from({ length: 7 }, (_, i) => `127.0.0.1:${21211 + i}`);
    expect(await route({ compat: 'npm-memcached/ketama' }, seven, ['823687077589'])).toEqual([6]);
    expect(await route({ distribution: 'ketama' }, seven, ['823687077589'])).toEqual([1]);
  });

  it('pymemcache rendezvous: the highest murmur3_32(node-key) wins; a down server\'s keys go to their runner-up (§8)', async () => {
    expect(await route({ compat: 'pymemcache/rendezvous' })).toEqual([2, 0, 0, 0, 1]);
    const router = await createRouter({ servers: s3, engine, compat: 'pymemcache/rendezvous', failover: 'redistribute' });
    const many = Array.from({ length: 500 }, (_, i) => `key:${i}`);
    const owners = Array.from(router.routeMany(many));
    router.setDown(1, true);
    expect(Array.from(router.routeMany(keys))).toEqual([2, 0, 0, 0, 2]);
    const moved = Array.from(router.routeMany(many));
    // Only server 1's keys move, and each to the better of the other two.
    const two = await createRouter({ servers: [s3[0], s3[2]], engine, compat: 'pymemcache/rendezvous' });
    many.forEach((k, i) => expect(moved[i]).toBe(owners[i] === 1 ? [0, 2][two.route(k)] : owners[i]));
    expect(router.routeMany(['x'])).toEqual(new Int32Array([router.route('x')]));
  });

  it('Cache::Memcached::Fast: compatible (double-precision rescaled points) and ketama (crc32 chains) (§6)', async () => {
    expect(await route({ compat: 'perl-cache-memcached-fast/compatible' })).toEqual([1, 1, 0, 1, 1]);
    expect(await route({ compat: 'perl-cache-memcached-fast/compatible', points: 0 })).toEqual([1, 1, 0, 1, 1]);
    expect(await route({ compat: 'perl-cache-memcached-fast/ketama', points: 150 })).toEqual([0, 2, 0, 1, 1]);
    // Like Cache::Memcached (buckets) except where crc15 is 0.
    const many = Array.from({ length: 3000 }, (_, i) => `key:${i}`);
    const w = ['127.0.0.1:21211:2', '127.0.0.1:21212', '127.0.0.1:21213:3'];
    const fast = await route({ compat: 'perl-cache-memcached-fast/compatible' }, w, many);
    const perl = await route({ distribution: 'buckets' }, w, many);
    many.forEach((k, i) => {
      if (((zlibCrc32(Buffer.from(k)) >>> 16) & 0x7fff) !== 0) expect([k, fast[i]]).toEqual([k, perl[i]]);
    });
  });

  it('mcrouter ch3: furc_hash over the server count, names play no part (§14)', async () => {
    expect(await route({ compat: 'mcrouter/ch3' })).toEqual([1, 0, 0, 0, 0]);
    const hundred = Array.from({ length: 100 }, (_, i) => `10.0.${i >> 8}.${i & 255}:11211`);
    expect(await route({ compat: 'mcrouter/ch3' }, hundred, ['sample', ''])).toEqual([97, 72]);
    expect(furcHash(new TextEncoder().encode('sample'), 0, 6, 8388608)).toBe(5167780);
  });

  it("Dalli's ring (§13): SHA-1 points, crc32 keys, the point at or below; its namespace is hashed; redistribute = crc32(try + key)", async () => {
    expect(await route({ compat: 'dalli/ring' })).toEqual([2, 0, 2, 0, 0]);
    expect(await route({ compat: 'dalli/ring', namespace: 'app' })).toEqual([1, 1, 1, 2, 2]);
    // The namespace is the key's prefix: "app" + ":" + key routes as the key "app:key" does without one.
    expect(await route({ compat: 'dalli/ring', namespace: 'app' })).toEqual(await route({ compat: 'dalli/ring' }, s3, keys.map((k) => `app:${k}`)));
    expect(await route({ compat: 'dalli/ring', namespace: '' })).toEqual(await route({ compat: 'dalli/ring' }, s3, keys.map((k) => `:${k}`)));
    const router = await createRouter({ servers: s3, engine, compat: 'dalli/ring', failover: 'redistribute' });
    expect([router.owner('baz'), router.owner('memcached')]).toEqual([1, 1]);
    router.setDown(1, true);
    // baz: crc32("0baz") = 1443559991 lands on server 2; memcached's first rehash on server 0.
    expect([router.route('baz'), router.route('memcached')]).toEqual([2, 0]);
    expect(zlibCrc32(Buffer.from('0baz')) >>> 0).toBe(1443559991);
    const offline = await createRouter({ servers: s3, engine, compat: 'dalli/ring' });
    offline.setDown(1, true);
    expect(offline.route('baz')).toBe(-1);
  });

  it("Dalli cuts a final key over 250 characters to 212 (213 with a namespace) + ':md5:' + its hex MD5", async () => {
    const namespaced = await createRouter({ servers: s3, engine, compat: 'dalli/ring', namespace: 'app' });
    const reference = new DalliRing(s3.map((name) => ({ name, weight: 1 })), 'app');
    // 'app:' + 246 .. 250 characters: 250 is kept whole, 251 and more are cut.
    const many = Array.from({ length: 500 }, (_, i) => `${'k'.repeat(240 + (i % 5))}${100000 + i}`.slice(0, 250));
    expect(Array.from(namespaced.routeMany(many))).toEqual(many.map((k) => reference.route(k, new Set(), false)));
    expect(new Set(many.map((k) => reference.finalKey(k).includes(':md5:')))).toEqual(new Set([true, false]));
    // Characters, not bytes ('é' is 2): 'app:' + 250 bytes of 246 characters is kept whole; of 247, cut.
    const whole = `${'é'.repeat(4)}${'x'.repeat(242)}`;
    expect(reference.finalKey(whole)).toBe(`app:${whole}`);
    const over = `${'é'.repeat(3)}${'x'.repeat(244)}`;
    expect(reference.finalKey(over)).toMatch(/^app:éééx{206}:md5:[0-9a-f]{32}$/);
    expect(reference.finalKey(over).endsWith(createHash('md5').update(`app:${over}`).digest('hex'))).toBe(true);
    for (const k of [whole, over]) expect(namespaced.route(k)).toBe(reference.route(k, new Set(), false));
    // Without a namespace no key within memcached's 250 bytes is ever cut.
    const plain = await createRouter({ servers: s3, engine, compat: 'dalli/ring' });
    expect(plain.route('x'.repeat(250))).toBe(new DalliRing(s3.map((name) => ({ name, weight: 1 }))).route('x'.repeat(250), new Set(), false));
  });

  it('spymemcached ketama (§11): MD5 points of each ketama node name, weights only in ketama-weighted', async () => {
    expect(await route({ compat: 'spymemcached/ketama' })).toEqual([2, 1, 1, 0, 0]);
    const named = (name: (port: number) => string) => [21211, 21212, 21213].map((port) => ({ host: '127.0.0.1', port, name: name(port) }));
    expect(await route({ compat: 'spymemcached/ketama' }, named((p) => `localhost/127.0.0.1:${p}`))).toEqual([0, 0, 0, 2, 0]);
    expect(await route({ compat: 'spymemcached/ketama-libmemcached' }, named((p) => `localhost:${p}`))).toEqual([1, 0, 2, 1, 1]);
    // The JVM's defaults: 127.0.0.1 reads back as localhost in format LIBMEMCACHED; localhost is localhost/127.0.0.1.
    expect(await route({ compat: 'spymemcached/ketama-libmemcached' })).toEqual([1, 0, 2, 1, 1]);
    expect(await route({ compat: 'spymemcached/ketama' }, s3.map((s) => s.replace('127.0.0.1', 'localhost')))).toEqual([0, 0, 0, 2, 0]);
    // Unweighted modes ignore weights; equal weights in the weighted mode are libketama's counts.
    const w = ['127.0.0.1:21211:3', '127.0.0.1:21212', '127.0.0.1:21213:2'];
    const many = Array.from({ length: 500 }, (_, i) => `key:${i}`);
    expect(await route({ compat: 'spymemcached/ketama' }, w, many)).toEqual(await route({ compat: 'spymemcached/ketama' }, s3, many));
    expect(await route({ compat: 'spymemcached/ketama-weighted' }, w, many)).not.toEqual(await route({ compat: 'spymemcached/ketama' }, s3, many));
    expect(await route({ compat: 'spymemcached/ketama-weighted' }, w, many)).toEqual(await route({ distribution: 'ketama' }, w, many));
  });

  it("spymemcached's default node names: the JVM's text of an IP literal, without DNS", async () => {
    const names = (servers: string[], compat: 'spymemcached/ketama' | 'spymemcached/ketama-libmemcached') => validateRouterOptions({ servers, compat }).pointNames;
    expect(names(['127.0.0.1:21211', '[::1]:11211', '[2001:DB8::8a2e:370:7334]:11212', '[::ffff:10.0.0.1]:11211', '[::1.2.3.4]:1', 'localhost:11211'], 'spymemcached/ketama'))
      .toEqual(['127.0.0.1:21211', '[0:0:0:0:0:0:0:1]:11211', '[2001:db8:0:0:0:8a2e:370:7334]:11212', '10.0.0.1:11211', '[0:0:0:0:0:0:102:304]:1', 'localhost/127.0.0.1:11211']);
    expect(names(['127.0.0.1:21211', '127.0.0.1:11211', 'cache-1:11211', 'Cache-2.example.net:11212'], 'spymemcached/ketama-libmemcached'))
      .toEqual(['localhost:21211', 'localhost', 'cache-1', 'Cache-2.example.net:11212']);
    // A given name is the node name, whatever the host.
    expect(validateRouterOptions({ servers: [{ host: 'cache-1', port: 11211, name: 'cache-1/10.0.0.1:11211' }], compat: 'spymemcached/ketama' }).pointNames).toEqual(['cache-1/10.0.0.1:11211']);
  });

  it("spymemcached's redistribute (§11): h += hash(try + key), 6 more lookups; only the down server's keys move", async () => {
    for (const hash of ['md5', 'native'] as const) {
      const router = await createRouter({ servers: s3, engine, compat: 'spymemcached/ketama', hash, failover: 'redistribute' });
      const many = Array.from({ length: 500 }, (_, i) => `${i * 7919}:k`);
      const owners = many.map((k) => router.owner(k));
      // String.hashCode clusters similar keys: take down the server that owns the most of them.
      const victim = [0, 1, 2].reduce((a, b) => (owners.filter((o) => o === b).length > owners.filter((o) => o === a).length ? b : a));
      router.setDown(victim, true);
      const moved = Array.from(router.routeMany(many));
      many.forEach((_, i) => expect(moved[i]).toBe(owners[i] === victim ? moved[i] : owners[i]));
      expect(moved).not.toContain(victim);
      // With MD5 and 2 of 3 servers live, 7 lookups rarely all land on the dead one. (Native hash codes of
      // "name-i" cluster, so one server owns most of the circle and its keys mostly stay unplaced: -1.)
      const rehomed = moved.filter((s, i) => owners[i] === victim && s >= 0).length;
      if (hash === 'md5') expect(rehomed).toBeGreaterThan(0.9 * owners.filter((o) => o === victim).length);
    }
  });

  it('pymemcache bytes keys (§8): their repr() is hashed, so they land elsewhere than str keys', async () => {
    expect(await route({ compat: 'pymemcache/rendezvous', keyType: 'bytes' })).toEqual([2, 1, 1, 1, 1]);
    expect(await route({ compat: 'pymemcache/rendezvous', keyType: 'str' })).toEqual([2, 0, 0, 0, 1]);
    const router = await createRouter({ servers: s3, engine, compat: 'pymemcache/rendezvous', keyType: 'bytes', failover: 'redistribute' });
    router.setDown(2, true);
    expect(router.route('foo')).not.toBe(2);
  });

  it("twemproxy's named servers (§5): the name replaces host:port in the continuum and in the sort order", async () => {
    const named = [{ host: '127.0.0.1', port: 21211, name: 'c' }, { host: '127.0.0.1', port: 21212, name: 'a' }, { host: '127.0.0.1', port: 21213, name: 'b' }];
    expect(await route({ compat: 'twemproxy/modula' }, named)).toEqual([0, 1, 2, 1, 0]);
    expect(await route({ compat: 'twemproxy/ketama' }, named)).toEqual([2, 0, 1, 0, 1]);
    // A server named as its default is that server.
    const defaults = s3.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]), name: s }));
    expect(await route({ compat: 'twemproxy/ketama' }, defaults)).toEqual(await route({ compat: 'twemproxy/ketama' }));
  });

  it("a down server's keys fail under redistribute (neither libmemcached without auto-eject, twemproxy nor gomemcache rehashes)", async () => {
    for (const compat of ['php-memcached/modula', 'twemproxy/modula', 'gomemcache/modulo', 'pylibmc/consistent', 'php-memcached/ketama-weighted', 'twemproxy/ketama',
      'perl-cache-memcached-fast/compatible', 'mcrouter/ch3'] as const) {
      const router = await createRouter({ servers: s3, engine, compat, failover: 'redistribute' });
      const many = Array.from({ length: 300 }, (_, i) => `key:${i}`);
      const owners = many.map((k) => router.owner(k));
      router.setDown(1, true);
      expect(Array.from(router.routeMany(many))).toEqual(owners.map((o) => (o === 1 ? -1 : o)));
    }
  });
});

