// Values cross between failback and real PHP frontends (PECL memcache 4, php-memcached 3 with
// FastLZ and with zlib) through a real memcached, in both directions.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type CodecOption } from '../bindings/entry/node.js';
import { phpSerialize, phpUnserialize } from '../bindings/codec/php-serialize.js';
import { MemcachedServer, rawCommand } from './support/memcached.js';
import { phpEcho, phpWriteCatalogue, type PhpExtension } from './support/php.js';

let server: MemcachedServer;
beforeAll(async () => {
  server = await MemcachedServer.start();
});
afterAll(async () => {
  await server?.stop();
});

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

/** What each value of driver.php's catalogue is once failback reads it. */
const CATALOGUE: Record<string, unknown> = {
  string: 'plain text',
  utf8: 'héllo wörld ✓ 日本',
  binary: bytes('\x00\xff\xfe binary'),
  empty: '',
  int: 42,
  negative: -7,
  int_max: 9223372036854775807n,
  float: 0.1,
  float_big: 1e100,
  float_int: 3,
  inf: Infinity,
  true: true,
  false: false,
  null: null,
  list: [1, 'two', 3.5],
  assoc: { a: 1, b: 'x' },
  sparse: { 5: 'five', 9: 'nine' },
  nested: { list: [1, 2, [3, 4]], map: { a: true, b: null, c: 1.5 }, empty: [] },
  object: { __class: 'Point', x: 1, y: 'two', z: [3] },
  stdclass: { __class: 'stdClass', k: 'v' },
  enum: { __class: 'Suit', __case: 'Hearts' },
  refs: [{ s: 1 }, { s: 1 }],
  large: 'memcached interop '.repeat(3000),
  large_array: Array.from({ length: 2000 }, () => 'repeated value'),
};

/** Values failback writes, and the serialize() text of what PHP reads for each. */
const WRITTEN: [string, unknown, string][] = [
  ['text', 'text', 's:4:"text";'],
  ['utf8', 'héllo', 's:6:"héllo";'],
  ['int', 42, 'i:42;'],
  ['negative', -12, 'i:-12;'],
  ['bigint', 9007199254740993n, 'i:9007199254740993;'],
  ['float', 0.5, 'd:0.5;'],
  ['true', true, 'b:1;'],
  ['false', false, 'b:0;'],
  ['null', null, 'N;'],
  ['list', [1, 'a'], 'a:2:{i:0;i:1;i:1;s:1:"a";}'],
  ['assoc', { a: 1, 7: 'seven' }, 'a:2:{i:7;s:5:"seven";s:1:"a";i:1;}'],
  ['object', { __class: 'stdClass', k: 'v' }, 'O:8:"stdClass":1:{s:1:"k";s:1:"v";}'],
  ['enum', { __class: 'Suit', __case: 'Hearts' }, 'E:11:"Suit:Hearts";'],
  ['inf', -Infinity, 'd:-INF;'],
];

const CODEC: Record<PhpExtension, CodecOption> = { memcache: 'php-memcache', memcached: 'php-memcached', 'memcached:zlib': 'php-memcached' };

describe.each(['memcache', 'memcached', 'memcached:zlib'] as PhpExtension[])('PHP %s and failback share values', (ext) => {
  let mc: Client<unknown>;
  const prefix = `${ext.replace(':', '_')}_`;
  beforeAll(() => {
    mc = new Client<unknown>({ servers: [server.address], codec: CODEC[ext] });
  });
  afterAll(async () => {
    await mc?.close();
  });

  it('failback reads every value PHP wrote, compressed ones included', async () => {
    const names = await phpWriteCatalogue(ext, server.port, prefix);
    expect(names.sort()).toEqual(Object.keys(CATALOGUE).sort());
    for (const name of names) expect([name, await mc.get(prefix + name)]).toEqual([name, CATALOGUE[name]]);
    const many = await mc.getMany(names.map((n) => prefix + n));
    expect(many.size).toBe(names.length);
    for (const name of names) expect(many.get(prefix + name)).toEqual(CATALOGUE[name]);
    // PHP really compressed the large values (else the decompression paths were not exercised).
    const header = await rawCommand('127.0.0.1', server.port, `get ${prefix}large ${prefix}large_array\r\n`);
    const flags = [...header.matchAll(/^VALUE \S+ (\d+) (\d+)/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(flags).toHaveLength(2);
    for (const [f, size] of flags) {
      expect(size).toBeLessThan(20_000);
      expect(f & (ext === 'memcache' ? 0x2 : ext === 'memcached' ? 0x50 : 0x30)).toBe(ext === 'memcache' ? 0x2 : ext === 'memcached' ? 0x50 : 0x30);
    }
  });

  it('PHP reads every value failback wrote, with the PHP types; its own copies read back equal', async () => {
    for (const [name, value] of WRITTEN) expect(await mc.set(`${prefix}w_${name}`, value)).toBe(true);
    const large = 'x'.repeat(30_000) + 'é';
    await mc.set(`${prefix}w_large`, large);
    const seen = await phpEcho(ext, server.port, [...WRITTEN.map(([name]) => `${prefix}w_${name}`), `${prefix}w_large`]);
    WRITTEN.forEach(([name, , serialized], i) => expect([name, seen[i] instanceof Uint8Array ? utf8(seen[i]) : seen[i]]).toEqual([name, serialized]));
    expect(phpUnserialize(seen[WRITTEN.length] as Uint8Array)).toBe(large);
    for (const [name, value] of WRITTEN) expect([name, await mc.get(`${prefix}w_${name}_php`)]).toEqual([name, value]);
    // PHP compressed its copy of the large string; failback decompresses it.
    expect(await mc.get(`${prefix}w_large_php`)).toBe(large);
  });

  it('any plain data survives failback → PHP → failback (property, one PHP process per batch)', async () => {
    const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((k) => !/^(0|-?[1-9][0-9]*)$/.test(k) && k !== '__class' && k !== '__proto__');
    const leaf = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.double({ noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
      fc.boolean(),
      fc.constant(null),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('list'), tie('map')),
      list: fc.array(tie('tree'), { maxLength: 4 }),
      map: fc.dictionary(key, tie('tree'), { minKeys: 1, maxKeys: 4 }),
    }));
    const values = fc.sample(fc.oneof(fc.array(tree, { maxLength: 5 }), fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 })), { numRuns: 60, seed: 4242 });
    const keys = values.map((_, i) => `${prefix}p_${i}`);
    await Promise.all(values.map((v, i) => mc.set(keys[i], v)));
    const seen = await phpEcho(ext, server.port, keys);
    const back = await mc.getMany(keys.map((k) => `${k}_php`));
    values.forEach((value, i) => {
      expect(seen[i]).toBeInstanceOf(Uint8Array);
      expect(phpUnserialize(seen[i] as Uint8Array)).toEqual(value);
      expect(back.get(`${keys[i]}_php`)).toEqual(value);
    });
  });
});

describe('the json codec', () => {
  it('writes flags that both PHP extensions read as the JSON text', async () => {
    const mc = new Client<unknown>({ servers: [server.address], codec: 'json' });
    try {
      await mc.set('json_item', { a: [1, 'two'] });
      for (const ext of ['memcache', 'memcached'] as PhpExtension[]) {
        const [seen] = await phpEcho(ext, server.port, ['json_item']);
        expect(phpUnserialize(seen as Uint8Array)).toBe('{"a":[1,"two"]}');
      }
    } finally {
      await mc.close();
    }
  });
});

describe('phpSerialize', () => {
  it('writes what PHP writes for the same data', () => {
    expect(utf8(phpSerialize({ a: [true, null, 1.5], b: 'é' }))).toBe('a:2:{s:1:"a";a:3:{i:0;b:1;i:1;N;i:2;d:1.5;}s:1:"b";s:2:"é";}');
  });
});
