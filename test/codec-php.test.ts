// The PHP codecs without a server: PHP's serialize() format both ways, the flags each extension
// uses, and every way an item can fail to be one of theirs (a typed error, never garbage).
// This file imports no runtime entry, so zlib goes through DecompressionStream (the Workers and
// browser path) and FastLZ through the core's fallback.
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { phpMemcacheCodec } from '../bindings/codec/php-memcache.js';
import { phpMemcachedCodec } from '../bindings/codec/php-memcached.js';
import { phpSerialize, phpUnserialize } from '../bindings/codec/php-serialize.js';
import { CodecError, InvalidValueError } from '../bindings/errors.js';
import { encode as fastlzBlock } from './support/fastlz-blocks.js';

const text = (s: string) => new TextEncoder().encode(s);
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const pecl = phpMemcacheCodec();
const pmd = phpMemcachedCodec();

const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme' }),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((b) => !Number.isSafeInteger(Number(b)) || b > 2n ** 53n || b < -(2n ** 53n)),
    fc.double().map((d) => (Object.is(d, -0) ? 0 : d)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { minLength: 1, maxLength: 4 }),
    fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !/^(0|-?[1-9][0-9]*)$/.test(k) && k !== '__class'), tie('value'), { minKeys: 1, maxKeys: 4 }),
  ),
})).value;

describe('PHP serialize()', () => {
  it('reads back what it writes, for any plain data', () => {
    fc.assert(
      fc.property(plain, (v) => {
        expect(phpUnserialize(phpSerialize(v))).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('reads what PHP wrote: references, objects with visibility, custom data, enums, sparse arrays', () => {
    // $a = [1]; serialize([$a, &$a[0]]) style data, recorded from PHP 8.2.
    expect(phpUnserialize(latin1('a:2:{i:0;a:1:{i:0;i:1;}i:1;R:3;}'))).toEqual([[1], 1]);
    const shared = phpUnserialize(latin1('a:2:{i:0;O:8:"stdClass":0:{}i:1;r:2;}')) as object[];
    expect(shared[0]).toBe(shared[1]);
    expect(phpUnserialize(latin1('O:3:"Foo":3:{s:1:"a";i:1;s:4:"\0*\0b";s:1:"x";s:6:"\0Foo\0c";a:0:{}}'))).toEqual({ __class: 'Foo', a: 1, b: 'x', c: [] });
    expect(phpUnserialize(latin1('C:11:"ArrayObject":5:{x:i:0}'))).toEqual({ __class: 'ArrayObject', __serialized: 'x:i:0' });
    expect(phpUnserialize(latin1('E:11:"Suit:Hearts";'))).toEqual({ __class: 'Suit', __case: 'Hearts' });
    expect(phpUnserialize(latin1('a:2:{i:5;s:1:"a";i:2;s:1:"b";}'))).toEqual({ 5: 'a', 2: 'b' });
    expect(phpUnserialize(latin1('d:INF;'))).toBe(Infinity);
    expect(phpUnserialize(latin1('d:1.0E+25;'))).toBe(1e25);
    expect(phpUnserialize(latin1('i:-9223372036854775808;'))).toBe(-(2n ** 63n));
    expect(phpUnserialize(latin1('s:2:"\xff\xfe";'))).toEqual(Uint8Array.of(0xff, 0xfe));
    const proto = phpUnserialize(latin1('a:1:{s:9:"__proto__";i:1;}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });

  it('refuses anything malformed with a CodecError, whatever the bytes', () => {
    for (const bad of ['', 'i:1', 'i:x;', 's:5:"abc";', 'a:2:{i:0;i:1;}', 'b:2;', 'R:9;', 'x:1;', 'i:1;i:2;', 'a:1:{a:0:{}i:1;}', 'i:99999999999999999999;']) {
      expect(() => phpUnserialize(latin1(bad)), bad).toThrow(CodecError);
    }
    expect(() => phpUnserialize(latin1('a:1:{i:0;'.repeat(600) + 'N;' + '}'.repeat(600)))).toThrow(/nesting deeper/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          phpUnserialize(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what PHP data cannot hold before anything is sent', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    for (const bad of [cycle, new Date(0), [() => 1], { a: Symbol('s') }, 2n ** 64n, undefined, { __class: 7 }]) {
      expect(() => phpSerialize(bad)).toThrow(InvalidValueError);
    }
  });
});

describe.each([
  ['php-memcache', pecl, { int: 0x300, float: 0x700, bool: 0x100, serialized: 1 }],
  ['php-memcached', pmd, { int: 1, float: 2, bool: 3, serialized: 4 }],
] as const)('the %s codec', (name, codec, flags) => {
  it('writes each PHP type under its flag', () => {
    expect(codec.encode('é')).toEqual({ bytes: text('é'), flags: 0 });
    expect(codec.encode(42)).toEqual({ bytes: text('42'), flags: flags.int });
    expect(codec.encode(2n ** 60n)).toEqual({ bytes: text(String(2n ** 60n)), flags: flags.int });
    expect(codec.encode(0.25)).toEqual({ bytes: text('0.25'), flags: flags.float });
    expect(codec.encode(true).flags).toBe(flags.bool);
    expect(codec.encode(null)).toEqual({ bytes: text('N;'), flags: flags.serialized });
    expect(codec.encode([1])).toEqual({ bytes: text('a:1:{i:0;i:1;}'), flags: flags.serialized });
    expect(() => codec.encode(2n ** 63n)).toThrow(InvalidValueError);
  });

  it('reads back everything it writes', async () => {
    await fc.assert(
      fc.asyncProperty(plain, async (v) => {
        const { bytes, flags: f } = codec.encode(v);
        expect(await codec.decode(bytes, f)).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an int or float flag over text that is not one', () => {
    expect(() => codec.decode(text('12abc'), flags.int)).toThrow(CodecError);
    expect(() => codec.decode(text('zz'), flags.float)).toThrow(CodecError);
  });

  it(`refuses items in the other extension's format (${name})`, () => {
    const other = name === 'php-memcache' ? [4, 0x50, 0x14] : [0x300, 0x100, 0x700];
    for (const f of other) expect(() => codec.decode(text('42'), f), String(f)).toThrow(CodecError);
  });
});

describe('compressed items', () => {
  const big = text('compressible '.repeat(500));

  it('PECL zlib items inflate through DecompressionStream where node:zlib is not registered', async () => {
    const value = pecl.decode(deflateSync(big), 2);
    expect(value).toBeInstanceOf(Promise);
    expect(await value).toBe('compressible '.repeat(500));
    const serialized = await pecl.decode(deflateSync(phpSerialize({ a: [1, 2] })), 3);
    expect(serialized).toEqual({ a: [1, 2] });
  });

  it('php-memcached items carry their length; zlib and FastLZ both decompress', async () => {
    const prefix = (n: number) => Uint8Array.of(n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24);
    const join = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);
    expect(await pmd.decode(join(prefix(big.length), deflateSync(big)), 0x30)).toBe('compressible '.repeat(500));
    const block = fastlzBlock([{ literal: text('abc') }, { distance: 3, length: 264 }, { distance: 3, length: 36 }], 1);
    expect(await pmd.decode(join(prefix(303), block), 0x50)).toBe('abc'.repeat(101));
    await expect(async () => pmd.decode(join(prefix(304), block), 0x50)).rejects.toThrow(/decompresses to 303/);
    expect(() => pmd.decode(Uint8Array.of(1, 2), 0x50)).toThrow(CodecError);
    expect(() => pmd.decode(join(prefix(10), big), 0x10)).toThrow(/neither zlib nor fastlz/);
    expect(() => pmd.decode(join(prefix(10), big), 0x90)).toThrow(/zstd/);
  });

  it('corrupt or oversized data is a CodecError', async () => {
    await expect(async () => pecl.decode(text('not zlib'), 2)).rejects.toThrow(CodecError);
    const small = phpMemcachedCodec({ maxDecompressedBytes: 100 });
    expect(() => small.decode(Uint8Array.of(200, 0, 0, 0, 1), 0x50)).toThrow(/maxDecompressedBytes/);
    await expect(async () => phpMemcacheCodec({ maxDecompressedBytes: 100 }).decode(deflateSync(big), 2)).rejects.toThrow(CodecError);
  });

  it('php-memcached igbinary and msgpack items say how to configure PHP', () => {
    expect(() => pmd.decode(text('x'), 5)).toThrow(/SERIALIZER_PHP/);
    expect(() => pmd.decode(text('x'), 7)).toThrow(/msgpack/);
    expect(pmd.decode(text('{"a":1}'), 6)).toEqual({ a: 1 });
  });
});
