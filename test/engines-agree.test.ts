/**
 * The WASM core and its TS twin are one design in two languages: on random server lists,
 * weights, distributions, down sets and keys they must give the same answer, bit for bit.
 */
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRouter, type DistributionName, type HashName } from '../bindings/entry/node.js';
import { HashKind, type Core } from '../bindings/routing/core.js';
import { createJsCore } from '../bindings/routing/js/core.js';
import { instantiateWasmCore } from '../bindings/routing/wasm-core.js';

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

describe('the WASM engine and the TS twin agree', () => {
  it('on random clusters, down sets and keys (owner, route, routeMany)', async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.array(key, { minLength: 1, maxLength: 64 }), fc.array(fc.nat(), { maxLength: 8 }), async (c, keys, downPicks) => {
        const options = { ...c, hash: c.distribution === 'consistent' || c.distribution === 'standard' ? c.hash : undefined };
        const wasm = await createRouter({ ...options, engine: 'wasm' });
        const js = await createRouter({ ...options, engine: 'js' });
        for (const pick of downPicks) {
          wasm.setDown(pick % c.servers.length, true);
          js.setDown(pick % c.servers.length, true);
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
      }),
      { numRuns: 300 },
    );
  });
});

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
  it('match zlib (crc32), node:crypto (md5) and each other (fnv) on random bytes', async () => {
    const wasm = await instantiateWasmCore();
    const js = createJsCore();
    const check = (bytes: Uint8Array) => {
      const crc = zlibCrc32(bytes) >>> 0;
      const md5 = createHash('md5').update(bytes).digest().readUInt32LE(0);
      for (const core of [wasm, js]) {
        expect(coreHash(core, HashKind.Crc32, bytes)).toBe(crc);
        expect(coreHash(core, HashKind.Md5, bytes)).toBe(md5);
      }
      expect(coreHash(wasm, HashKind.Fnv, bytes)).toBe(coreHash(js, HashKind.Fnv, bytes));
    };
    for (const n of [0, 1, 7, 8, 9, 55, 56, 63, 64, 65, 1000, 65536]) check(new Uint8Array(n).map((_, i) => (i * 131 + n) & 0xff));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(b)), { numRuns: 300 });
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
