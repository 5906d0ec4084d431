/**
 * The WASM core and its TS twin are one design in two languages: on random server lists,
 * weights, distributions, down sets and keys they must give the same answer, bit for bit.
 */
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRouter, type DistributionName, type HashName, type Router, type RouterOptions } from '../bindings/entry/node.js';
import type { CompatName } from '../bindings/routing/options.js';
import { HashKind, type Core } from '../bindings/routing/core.js';
import { createJsCore } from '../bindings/routing/js/core.js';
import { instantiateWasmCore } from '../bindings/routing/wasm-core.js';
import { DalliRing, SpymemcachedKetama } from './support/reference-rings.js';

const host = fc.oneof(
  fc.constantFrom('127.0.0.1', 'localhost', '10.0.0.1', 'cache-01.example.net', '::1'),
  fc.ipV4(),
  fc.domain(),
);
const server = fc.record({ host, port: fc.oneof(fc.constant(11211), fc.integer({ min: 1, max: 65535 })), weight: fc.integer({ min: 1, max: 6 }) });
const servers = fc.uniqueArray(server, { minLength: 1, maxLength: 24, selector: (s) => `${s.host}:${s.port}` });
const key = fc.oneof(
  fc.string({ minLength: 1, maxLength: 60 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
  fc.string({ minLength: 250, maxLength: 250 }),
  fc.uint8Array({ minLength: 1, maxLength: 250 }),
);
const config = fc.record({
  servers,
  distribution: fc.constantFrom<DistributionName>('consistent', 'standard', 'buckets', 'ketama'),
  hash: fc.constantFrom<HashName>('crc32', 'fnv'),
  failover: fc.constantFrom('offline' as const, 'redistribute' as const),
});

/** Every compat preset with every hash it takes (undefined: its default). */
const LIBHASHKIT = ['one_at_a_time', 'md5', 'crc', 'fnv1_32', 'fnv1a_32', 'fnv1_64', 'fnv1a_64', 'murmur', 'murmur3', 'jenkins'] as const;
const TWEMPROXY = ['one_at_a_time', 'md5', 'crc32', 'crc32a', 'fnv1_32', 'fnv1a_32', 'fnv1_64', 'fnv1a_64', 'hsieh', 'murmur', 'jenkins'] as const;
const presets: [CompatName, HashName | undefined][] = [
  ...[undefined, ...LIBHASHKIT].flatMap((h): [CompatName, HashName | undefined][] => [['php-memcached/modula', h], ['pylibmc/modula', h]]),
  ...[undefined, ...TWEMPROXY].flatMap((h): [CompatName, HashName | undefined][] => [['twemproxy/modula', h], ['twemproxy/ketama', h]]),
  ['gomemcache/modulo', undefined], ['memjs/modulo', undefined], ['spymemcached/arraymod', undefined], ['spymemcached/arraymod', 'md5'], ['python-memcached/buckets', undefined], ['npm-memcached/ketama', 'md5'], ['memcache-plus/ketama', undefined], ['pymemcache/rendezvous', undefined], ['perl-cache-memcached-fast/compatible', undefined], ['mcrouter/ch3', undefined], ['pecl-memcache/consistent', 'fnv'], ['pecl-memcache/standard', 'crc32'],
  ['perl-cache-memcached/buckets', undefined], ['dalli/ring', undefined], ['dalli/ring', 'sha1-crc32'],
  ...[undefined, ...LIBHASHKIT].flatMap((h): [CompatName, HashName | undefined][] => [
    ['php-memcached/consistent', h], ['pylibmc/ketama-weighted', h], ['php-memcached/ketama-weighted', h],
  ]),
];
const compatConfig = fc.record({
  servers,
  preset: fc.constantFrom(...presets),
  failover: fc.constantFrom('offline' as const, 'redistribute' as const),
});

/**
 * Routes `keys` through both engines built from `options` with the same down set, and expects the
 * same answers; returns the WASM router and the down set for further checks.
 */
async function expectAgreement(options: RouterOptions, keys: (string | Uint8Array)[], downPicks: number[]): Promise<{ router: Router; down: Set<number> }> {
  const wasm = await createRouter({ ...options, engine: 'wasm' });
  const js = await createRouter({ ...options, engine: 'js' });
  const down = new Set(downPicks.map((pick) => pick % options.servers.length));
  for (const i of down) {
    wasm.setDown(i, true);
    js.setDown(i, true);
  }
  expect(Array.from(wasm.routeMany(keys))).toEqual(Array.from(js.routeMany(keys)));
  // All-bytes batches take the one-crossing path of the core (routeMany).
  const bytes = keys.map((k) => (typeof k === 'string' ? new TextEncoder().encode(k) : k));
  expect(Array.from(wasm.routeMany(bytes))).toEqual(Array.from(wasm.routeMany(keys)));
  expect(Array.from(js.routeMany(bytes))).toEqual(Array.from(wasm.routeMany(keys)));
  for (const k of keys) {
    expect(wasm.owner(k)).toBe(js.owner(k));
    expect(wasm.route(k)).toBe(js.route(k));
  }
  return { router: wasm, down };
}

const failover = fc.constantFrom('offline' as const, 'redistribute' as const);
/** A key as Ruby and Java strings hold them: the string its UTF-8 decodes to (no lone surrogates). */
const wellFormed = (k: string | Uint8Array): string => new TextDecoder().decode(typeof k === 'string' ? new TextEncoder().encode(k) : k);
/**
 * Server names as twemproxy and spymemcached take them: "#"-prefixed, so never a host-based
 * default name, and often from a small pool, so that spymemcached's equal names (every point tied) come up.
 */
const nodeName = fc.oneof(fc.constantFrom('#a', '#b', '#c'), fc.string({ minLength: 1, maxLength: 30 }).map((n) => `#${n}`), fc.domain().map((d) => `#${d}:11211`));
const namedServers = servers.chain((list) => fc.array(nodeName, { minLength: list.length, maxLength: list.length })
  .map((names) => list.map((s, i) => ({ ...s, name: names[i] }))));
/** Keys that reach Dalli's 250-character cut with a namespace: long ASCII, multi-byte, raw bytes (Ruby's broken-string counting). */
const longKey = fc.oneof(
  fc.string({ minLength: 200, maxLength: 250 }),
  fc.string({ unit: 'grapheme', minLength: 40, maxLength: 120 }).filter((k) => new TextEncoder().encode(k).length <= 250),
  fc.string({ unit: 'binary', minLength: 60, maxLength: 125 }).filter((k) => new TextEncoder().encode(k).length <= 250),
  fc.uint8Array({ minLength: 150, maxLength: 250 }),
);

describe('the WASM engine and the TS twin agree', () => {
  it('on random clusters, down sets and keys (owner, route, routeMany)', async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.array(key, { minLength: 1, maxLength: 64 }), fc.array(fc.nat(), { maxLength: 8 }), async (c, keys, downPicks) => {
        const hashed = c.distribution === 'consistent' || c.distribution === 'standard';
        await expectAgreement({ ...c, hash: hashed ? c.hash : undefined }, keys, downPicks);
      }),
      { numRuns: 300 },
    );
  });

  it('under every compat preset and hash, with empty keys too (twemproxy hashes them to 0)', async () => {
    await fc.assert(
      fc.asyncProperty(compatConfig, fc.array(fc.oneof(key, fc.constant('')), { minLength: 1, maxLength: 64 }), fc.array(fc.nat(), { maxLength: 8 }), async (c, keys, downPicks) => {
        const [compat, hash] = c.preset;
        await expectAgreement({ servers: c.servers, compat, hash, failover: c.failover }, keys, downPicks);
      }),
      { numRuns: 400 },
    );
  });

  it('under Cache::Memcached::Fast ketama with random ketama_points', async () => {
    const fast = fc.record({ servers, points: fc.integer({ min: 1, max: 300 }), failover: fc.constantFrom('offline' as const, 'redistribute' as const) });
    await fc.assert(
      fc.asyncProperty(fast, fc.array(key, { minLength: 1, maxLength: 64 }), fc.array(fc.nat(), { maxLength: 8 }), async (c, keys, downPicks) => {
        await expectAgreement({ ...c, compat: 'perl-cache-memcached-fast/ketama' }, keys, downPicks);
      }),
      { numRuns: 100 },
    );
  });

  it("under named servers: twemproxy's names, spymemcached's ketama node names (equal names tie every point)", async () => {
    const spy = ['spymemcached/ketama', 'spymemcached/ketama-libmemcached', 'spymemcached/ketama-weighted'] as const;
    const named = fc.record({
      servers: namedServers,
      preset: fc.oneof(
        fc.tuple(fc.constantFrom<CompatName>(...spy), fc.constantFrom<HashName | undefined>(undefined, 'md5', 'native')),
        fc.tuple(fc.constantFrom<CompatName>('twemproxy/ketama', 'twemproxy/modula'), fc.constantFrom<HashName | undefined>(undefined, ...TWEMPROXY)),
      ).map((t): [CompatName, HashName | undefined] => [t[0], t[1]]),
      failover,
    });
    await fc.assert(
      fc.asyncProperty(named, fc.array(fc.oneof(key, fc.constant('')), { minLength: 1, maxLength: 64 }), fc.array(fc.nat(), { maxLength: 8 }), async (c, keys, downPicks) => {
        const [compat, hash] = c.preset;
        // twemproxy refuses two servers of one name: number them.
        const list = compat.startsWith('twemproxy') ? c.servers.map((s, i) => ({ ...s, name: `${s.name}/${i}` })) : c.servers;
        const { router, down } = await expectAgreement({ servers: list, compat, hash, failover: c.failover }, keys, downPicks);
        if (compat.startsWith('twemproxy')) return;
        const reference = new SpymemcachedKetama(list.map((s) => s.name), hash === 'native' ? 'native' : 'md5', compat === 'spymemcached/ketama-weighted' ? list.map((s) => s.weight) : undefined);
        for (const k of keys.map(wellFormed)) expect([k, router.route(k)]).toEqual([k, reference.route(k, down, c.failover === 'redistribute')]);
      }),
      { numRuns: 250 },
    );
  });

  it("spymemcached's default node names from IP literals (v4, v6, mapped), localhost and 127.0.0.1", async () => {
    const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`), fc.constant('localhost'));
    const unnamed = fc.uniqueArray(fc.record({ host: ip, port: fc.integer({ min: 1, max: 65535 }), weight: fc.integer({ min: 1, max: 4 }) }), {
      minLength: 1, maxLength: 12, selector: (s) => `${s.host}:${s.port}`,
    });
    const libmemcached = fc.uniqueArray(fc.record({ host: fc.constantFrom('127.0.0.1', 'localhost', 'cache-1.example.net'), port: fc.oneof(fc.constant(11211), fc.integer({ min: 1, max: 65535 })) }), {
      minLength: 1, maxLength: 12, selector: (s) => `${s.host}:${s.port}`,
    });
    const cases = fc.oneof(
      fc.record({ servers: unnamed, compat: fc.constantFrom('spymemcached/ketama' as const, 'spymemcached/ketama-weighted' as const) }),
      fc.record({ servers: libmemcached, compat: fc.constant('spymemcached/ketama-libmemcached' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(cases, fc.array(key, { minLength: 1, maxLength: 32 }), fc.array(fc.nat(), { maxLength: 4 }), async (c, keys, downPicks) => {
        await expectAgreement({ ...c, failover: 'redistribute' }, keys, downPicks);
      }),
      { numRuns: 100 },
    );
  });

  it("under Dalli's ring with random namespaces and keys across its 250-character cut, and match a node:crypto + zlib reference", async () => {
    const dalli = fc.record({ servers, namespace: fc.option(fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 8 })), { nil: undefined }), failover });
    await fc.assert(
      fc.asyncProperty(dalli, fc.array(fc.oneof(key, longKey), { minLength: 1, maxLength: 48 }), fc.array(fc.nat(), { maxLength: 8 }), async (c, keys, downPicks) => {
        const { router, down } = await expectAgreement({ ...c, compat: 'dalli/ring' }, keys, downPicks);
        const reference = new DalliRing(router.servers, c.namespace);
        for (const k of keys) {
          const s = wellFormed(k);
          // Invalid UTF-8 has no string form (Ruby counts its bytes as characters of a broken string): the engines agreed on it above.
          if (typeof k !== 'string' && !Buffer.from(s).equals(Buffer.from(k))) continue;
          expect([s, router.route(k)]).toEqual([s, reference.route(s, down, c.failover === 'redistribute')]);
        }
      }),
      { numRuns: 250 },
    );
  });

  it('under pymemcache with bytes keys (their repr() hashed)', async () => {
    const bytesKeys = fc.record({ servers, failover });
    const keys = fc.array(fc.oneof(key, fc.constant(''), fc.constantFrom("it's", 'say "hi"', `'"`, 'a\\b', 'tab\tnl\ncr\r', '\u007f\u0000')), { minLength: 1, maxLength: 64 });
    await fc.assert(
      fc.asyncProperty(bytesKeys, keys, fc.array(fc.nat(), { maxLength: 8 }), async (c, k, downPicks) => {
        await expectAgreement({ ...c, compat: 'pymemcache/rendezvous', keyType: 'bytes' }, k, downPicks);
      }),
      { numRuns: 200 },
    );
  });

  it('on plain modula with every libhashkit hash', async () => {
    const modula = fc.record({ servers, hash: fc.constantFrom(...LIBHASHKIT) });
    await fc.assert(
      fc.asyncProperty(modula, fc.array(key, { minLength: 1, maxLength: 64 }), fc.array(fc.nat(), { maxLength: 8 }), async (c, keys, downPicks) => {
        await expectAgreement({ ...c, distribution: 'modula' }, keys, downPicks);
      }),
      { numRuns: 200 },
    );
  });
});

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** The low 32 bits of 64-bit FNV-1 / FNV-1a over sign-extended bytes, computed in BigInt (independent of the cores). */
function fnv64(bytes: Uint8Array, xorFirst: boolean): number {
  const mask = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    const s = BigInt.asUintN(64, BigInt((b << 24) >> 24));
    h = xorFirst ? ((h ^ s) * 0x100000001b3n) & mask : ((h * 0x100000001b3n) & mask) ^ s;
  }
  return Number(h & 0xffffffffn);
}

/** MurmurHash3_x86_32 with seed 0 over one byte per element of `data` (pymemcache's murmur3_32 over a str's code points). */
function murmur3Reference(data: number[]): number {
  let h = 0;
  const mix = (k: number) => Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
  let i = 0;
  for (; i + 4 <= data.length; i += 4) {
    h = rotl(h ^ mix(data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)), 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let j = data.length - 1; j >= i; j--) tail = (tail << 8) | data[j];
  if (i < data.length) h ^= mix(tail);
  h ^= data.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Python 3's repr() of a bytes object (CPython's bytes_repr), as character codes. */
function pythonBytesRepr(bytes: Uint8Array): number[] {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  const escapes: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\\': '\\\\', [quote]: `\\${quote}` };
  let text = `b${quote}`;
  for (const c of bytes) {
    const ch = String.fromCharCode(c);
    text += escapes[ch] ?? (c < 0x20 || c >= 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch);
  }
  return Array.from(`${text}${quote}`, (ch) => ch.charCodeAt(0));
}

/** Hashes `bytes` with a core's own hash function. */
function coreHash(core: Core, kind: HashKind, bytes: Uint8Array): number {
  core.reserveServers(1, 1);
  new Uint8Array(core.memory.buffer).set([97], core.namesPtr());
  new Int32Array(core.memory.buffer).set([0, 1, 1], core.serversPtr() >> 2);
  core.build(0, 0, 1);
  core.reserveKeys(Math.max(bytes.length, 1), 1);
  new Uint8Array(core.memory.buffer).set(bytes, core.keysPtr());
  return core.hash(kind, core.keysPtr(), bytes.length) >>> 0;
}

describe('the cores\' hash functions', () => {
  it('match zlib (crc32), node:crypto (md5, sha1) and each other (fnv) on random bytes', async () => {
    const wasm = await instantiateWasmCore();
    const js = createJsCore();
    const check = (bytes: Uint8Array) => {
      const crc = zlibCrc32(bytes) >>> 0;
      const md5 = createHash('md5').update(bytes).digest().readUInt32LE(0);
      const sha1 = createHash('sha1').update(bytes).digest().readUInt32BE(0);
      for (const core of [wasm, js]) {
        expect(coreHash(core, HashKind.Crc32, bytes)).toBe(crc);
        expect(coreHash(core, HashKind.Md5, bytes)).toBe(md5);
        expect(coreHash(core, HashKind.Sha1, bytes)).toBe(sha1);
      }
      expect(coreHash(wasm, HashKind.Fnv, bytes)).toBe(coreHash(js, HashKind.Fnv, bytes));
    };
    for (const n of [0, 1, 7, 8, 9, 55, 56, 63, 64, 65, 1000, 65536]) check(new Uint8Array(n).map((_, i) => (i * 131 + n) & 0xff));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(b)), { numRuns: 300 });
  });

  it('agree on every libhashkit hash, and match zlib (crc) and 64-bit FNV in BigInt (fnv1_64, fnv1a_64)', async () => {
    const wasm = await instantiateWasmCore();
    const js = createJsCore();
    const kinds = Object.values(HashKind);
    const check = (bytes: Uint8Array) => {
      for (const kind of kinds) expect([kind, coreHash(wasm, kind, bytes)]).toEqual([kind, coreHash(js, kind, bytes)]);
      expect(coreHash(js, HashKind.Crc15, bytes)).toBe((zlibCrc32(bytes) >>> 16) & 0x7fff);
      expect(coreHash(js, HashKind.Fnv1_64, bytes)).toBe(fnv64(bytes, false));
      expect(coreHash(js, HashKind.Fnv1a_64, bytes)).toBe(fnv64(bytes, true));
    };
    for (let n = 0; n <= 40; n++) check(new Uint8Array(n).map((_, i) => (i * 167 + n * 31) & 0xff));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(b)), { numRuns: 300 });
  });

  it('java-hashcode-abs (memjs) and native (spymemcached) are String.hashCode of what TextDecoder makes of the bytes, invalid UTF-8 included', async () => {
    const wasm = await instantiateWasmCore();
    const js = createJsCore();
    const decoder = new TextDecoder();
    const reference = (bytes: Uint8Array) => {
      const s = decoder.decode(bytes);
      let h = 0;
      for (let i = 0; i < s.length; i++) h = (31 * h + s.charCodeAt(i)) | 0;
      return h;
    };
    const check = (bytes: Uint8Array) => {
      const h = reference(bytes);
      for (const core of [wasm, js]) {
        expect(coreHash(core, HashKind.JavaHashCodeAbs, bytes)).toBe(Math.abs(h));
        expect(coreHash(core, HashKind.JavaHashCode, bytes)).toBe(h >>> 0);
      }
    };
    // Truncated and overlong sequences, surrogates, the limits of each lead byte.
    for (const b of [[0xe0, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x8f], [0xf4, 0x90], [0xf4, 0x8f, 0xbf, 0xbf], [0xc0, 0xaf], [0xe2, 0x82], [0xff, 0x41], [0xf0, 0x9f, 0x94]]) {
      check(new Uint8Array(b));
    }
    const anyBytes = fc.uint8Array({ maxLength: 120 });
    const utf8ish = fc.array(fc.constantFrom(0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xa0, 0x9f, 0x8f, 0x90), { maxLength: 40 })
      .map((a) => new Uint8Array(a));
    fc.assert(fc.property(fc.oneof(anyBytes, utf8ish, fc.string({ unit: 'grapheme' }).map((s) => new TextEncoder().encode(s))), check), { numRuns: 500 });
    // HASHING-2.md §10's hash codes (user:1's is negative; Math.abs of -2^31 stays 2^31).
    const codes = ['foo', 'hello', 'ключ', '🔑', 'user:1', 'user:2'].map((k) => coreHash(js, HashKind.JavaHashCodeAbs, new TextEncoder().encode(k)));
    expect(codes).toEqual([101574, 99162322, 33309882, 1772660, 836031422, 836031421]);
    // "polygenelubricants" is a well-known String.hashCode of -2^31.
    for (const core of [wasm, js]) expect(coreHash(core, HashKind.JavaHashCodeAbs, new TextEncoder().encode('polygenelubricants'))).toBe(2 ** 31);
  });

  it('murmur3_32 (pymemcache) is MurmurHash3 with seed 0 over a byte per code point of what TextDecoder makes of the key', async () => {
    const wasm = await instantiateWasmCore();
    const js = createJsCore();
    const reference = (bytes: Uint8Array) => murmur3Reference(Array.from(new TextDecoder().decode(bytes), (ch) => ch.codePointAt(0)! & 0xff));
    const check = (bytes: Uint8Array) => {
      for (const core of [wasm, js]) expect(coreHash(core, HashKind.Murmur3CodePoints, bytes)).toBe(reference(bytes));
    };
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.string({ unit: 'grapheme' }).map((s) => new TextEncoder().encode(s))), check), { numRuns: 400 });
    const known = ['hello', 'foo', 'ключ', '🔑', '127.0.0.1:21211-foo'].map((k) => coreHash(js, HashKind.Murmur3CodePoints, new TextEncoder().encode(k)));
    expect(known).toEqual([0x248bfa47, 0xf6a5c420, 0x0a3ab7ef, 0x289dca8c, 0x4a66ae6b]);
  });

  it("pymemcache's bytes keys hash the text of Python's repr() of the bytes", async () => {
    const wasm = await instantiateWasmCore();
    const js = createJsCore();
    const check = (bytes: Uint8Array) => {
      for (const core of [wasm, js]) expect(coreHash(core, HashKind.Murmur3BytesRepr, bytes)).toBe(murmur3Reference(pythonBytesRepr(bytes)));
    };
    // Which quote repr() picks: ' unless the bytes hold ' and no ".
    expect(String.fromCharCode(...pythonBytesRepr(new TextEncoder().encode('ключ')))).toBe("b'\\xd0\\xba\\xd0\\xbb\\xd1\\x8e\\xd1\\x87'");
    expect(String.fromCharCode(...pythonBytesRepr(new TextEncoder().encode(`it's`)))).toBe(`b"it's"`);
    expect(String.fromCharCode(...pythonBytesRepr(new TextEncoder().encode(`'"\\`)))).toBe(`b'\\'"\\\\'`);
    const quoted = fc.array(fc.constantFrom(0x27, 0x22, 0x5c, 0x09, 0x0a, 0x0d, 0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff, 0x41), { maxLength: 40 }).map((a) => new Uint8Array(a));
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), quoted), check), { numRuns: 400 });
  });

  it('give HASHING-2.md §2\'s values (libhashkit 1.1.4, twemproxy for hsieh)', async () => {
    const keys = ['', 'a', 'foo', '键', 'ключ', 'hello world, memcached'];
    const table: [keyof typeof HashKind, number[]][] = [
      ['OneAtATime', [0x00000000, 0xca2e9442, 0x238678dd, 0xe9bdfd9d, 0xfbca080a, 0x7316453a]],
      ['Crc15', [0x00000000, 0x000068b7, 0x00000c73, 0x00007d31, 0x00000caf, 0x00007e49]],
      ['Crc32', [0x00000000, 0xe8b7be43, 0x8c736521, 0x7d31f3cc, 0x0caf961a, 0x7e497eb9]],
      ['Md5', [0xd98c1dd4, 0xb975c10c, 0xdb18bdac, 0xfa6f2cf7, 0x667b65c3, 0xe3ecbb77]],
      ['Fnv1_32', [0x811c9dc5, 0x050c5d7e, 0x408f5e13, 0xbb82ed4c, 0x31b3eff9, 0x470141a4]],
      // libhashkit's fnv1a_32 is PECL's FNV-1a: one kind serves both.
      ['Fnv', [0x811c9dc5, 0xe40c292c, 0xa9f37ed7, 0x5b99717a, 0xafd617e1, 0x039ac22a]],
      ['Fnv1_64', [0x84222325, 0x8601b7be, 0x6ba13533, 0x942d498c, 0x64997a19, 0x626c7c04]],
      ['Fnv1a_64', [0x84222325, 0x8601ec8c, 0xfed9d577, 0x4ad79a5a, 0xa9ad7881, 0xea25f66a]],
      ['Murmur', [0x00000000, 0x4b41757c, 0xc4e0338f, 0x18576c93, 0x9ac6d2af, 0x5ac680b3]],
      ['Murmur3', [0x00000000, 0x8872dbc8, 0xa5f500b2, 0xcdcdcc77, 0x9132b803, 0xbbd23273]],
      ['Jenkins', [0xdeadbefc, 0xe0a38690, 0x99f84f99, 0xe3c68cfd, 0x4b2c236f, 0xf2e6df18]],
      ['Hsieh', [0x00000000, 0x93642e87, 0x76d4d427, 0x41bf388b, 0xfa8a713c, 0xb75374d0]],
    ];
    for (const core of [await instantiateWasmCore(), createJsCore()]) {
      for (const [name, values] of table) {
        expect([name, keys.map((k) => coreHash(core, HashKind[name], new TextEncoder().encode(k)))]).toEqual([name, values]);
      }
      // Sign extension is what makes these libhashkit's: textbook one-at-a-time of ключ is 0x5f21feca.
      expect(coreHash(core, HashKind.OneAtATime, new TextEncoder().encode('ключ'))).not.toBe(0x5f21feca);
    }
  });

  it('know the reference values', async () => {
    const ascii = new TextEncoder().encode('123456789');
    for (const core of [await instantiateWasmCore(), createJsCore()]) {
      expect(coreHash(core, HashKind.Crc32, ascii)).toBe(0xcbf43926);
      // PECL's FNV-1a over sign-extended bytes: ASCII matches textbook FNV-1a 32.
      expect(coreHash(core, HashKind.Fnv, ascii)).toBe(0xbb86b11c);
      // A byte >= 0x80 is sign-extended before the xor, unlike textbook FNV-1a (0x250c8f7f for [0xff]).
      expect(coreHash(core, HashKind.Fnv, new Uint8Array([0xff]))).toBe(Math.imul((0x811c9dc5 ^ 0xffffffff) >>> 0, 0x01000193) >>> 0);
    }
  });
});
