/** Codecs: every failure to encode is an InvalidValueError, every failure to decode a CodecError. */
import { describe, expect, it } from 'vitest';
import { bytesCodec, decodeWith, encodeWith, jsonCodec, resolveCodec, utf8Codec, type Codec } from '../bindings/codec/codec.js';
import { CodecError, InvalidKeyError, InvalidOptionError, InvalidValueError } from '../bindings/errors.js';
import { thrown } from './support/thrown.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);


const cyclic: Record<string, unknown> = { name: 'loop' };
cyclic.self = cyclic;

describe('built-in codecs', () => {
  it.each([
    ['utf8', utf8Codec, 'héllo', utf8('héllo'), 0, 'héllo'],
    ['bytes', bytesCodec, 'héllo', utf8('héllo'), 0, utf8('héllo')],
    ['json', jsonCodec, { a: [1, 'é'] }, utf8('{"a":[1,"é"]}'), 0x10000, { a: [1, 'é'] }],
  ] as const)('%s round-trips through encodeWith and decodeWith', (_name, codec, value, bytes, flags, decoded) => {
    const encoded = encodeWith(codec as Codec, value);
    expect(encoded).toEqual({ bytes, flags });
    expect(decodeWith(codec as Codec, encoded.bytes, encoded.flags)).toEqual(decoded);
  });

  it.each([
    ['utf8', utf8Codec, 42, /must be a string or a Uint8Array, got number; use codec: 'json'/],
    ['utf8', utf8Codec, null, /got null/],
    ['bytes', bytesCodec, { a: 1 }, /got object/],
    ['json', jsonCodec, undefined, /undefined cannot be stored as JSON/],
    ['json', jsonCodec, () => 1, /function cannot be stored as JSON/],
    ['json', jsonCodec, Symbol('s'), /symbol cannot be stored as JSON/],
  ] as const)('%s refuses %s with an InvalidValueError saying what to do', (_name, codec, value, message) => {
    for (const encode of [() => (codec as Codec).encode(value), () => encodeWith(codec as Codec, value)]) {
      const err = thrown(encode);
      expect(err).toBeInstanceOf(InvalidValueError);
      expect((err as InvalidValueError).code).toBe('ERR_INVALID_VALUE');
      expect(err.message).toMatch(message);
    }
  });

  it.each([
    ['a BigInt', 10n],
    ['an object holding a BigInt', { id: 2n ** 64n }],
    ['a cyclic object', cyclic],
    ['an object whose toJSON throws', { toJSON: () => { throw new RangeError('no'); } }],
  ])('json refuses %s with an InvalidValueError carrying the cause', (_what, value) => {
    for (const encode of [() => jsonCodec.encode(value), () => encodeWith(jsonCodec, value)]) {
      const err = thrown(encode);
      expect(err).toBeInstanceOf(InvalidValueError);
      expect((err as InvalidValueError).code).toBe('ERR_INVALID_VALUE');
      expect(err.message).toMatch(/cannot be stored as JSON .*; store plain data \(no BigInt, no cycles\), or pass a codec of your own/);
      expect(err.cause).toBeInstanceOf(Error);
      expect(err.cause).not.toBeInstanceOf(InvalidValueError);
    }
  });

  it.each([
    ['text that is not JSON', utf8('plain text'), 0],
    ['truncated JSON', utf8('{"a":'), 2],
    ['empty bytes', new Uint8Array(0), 2],
  ])('json decode of %s is a CodecError naming the flags and what was expected', (_what, bytes, flags) => {
    for (const decode of [() => jsonCodec.decode(bytes, flags), () => decodeWith(jsonCodec, bytes, flags)]) {
      const err = thrown(decode);
      expect(err).toBeInstanceOf(CodecError);
      expect((err as CodecError).code).toBe('ERR_CODEC');
      expect(err.message).toContain(`flags ${flags}, ${bytes.length} bytes`);
      expect(err.message).toContain('expects what it wrote (flags 65536)');
      expect(err.cause).toBeInstanceOf(SyntaxError);
    }
  });
});

describe('a user codec', () => {
  const failure = new TypeError('cannot handle that');
  const throwing: Codec = {
    encode: () => { throw failure; },
    decode: () => { throw failure; },
  };

  it('that throws on encode gives an InvalidValueError with the cause', () => {
    const err = thrown(() => encodeWith(throwing, 'v'));
    expect(err).toBeInstanceOf(InvalidValueError);
    expect((err as InvalidValueError).code).toBe('ERR_INVALID_VALUE');
    expect(err.message).toBe('the codec could not encode the value (cannot handle that); pass a value your codec accepts');
    expect(err.cause).toBe(failure);
  });

  it('that throws on decode gives a CodecError naming the flags, with the cause', () => {
    const err = thrown(() => decodeWith(throwing, utf8('abc'), 7));
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).code).toBe('ERR_CODEC');
    expect(err.message).toMatch(/^the codec could not decode the item \(flags 7, 3 bytes\): cannot handle that; .*which flags your codec expects/);
    expect(err.cause).toBe(failure);
  });

  it('that throws a non-Error value is wrapped too', () => {
    const codec: Codec = { encode: () => { throw 'bad'; }, decode: () => { throw 'worse'; } };
    expect(thrown(() => encodeWith(codec, 1))).toMatchObject({ code: 'ERR_INVALID_VALUE', cause: 'bad' });
    expect(thrown(() => decodeWith(codec, new Uint8Array(1), 0))).toMatchObject({ code: 'ERR_CODEC', cause: 'worse' });
  });

  it('that throws a MemcacheError of its own has it passed through', () => {
    const own = new InvalidKeyError('mine');
    const codec: Codec = { encode: () => { throw own; }, decode: () => { throw own; } };
    expect(thrown(() => encodeWith(codec, 1))).toBe(own);
    expect(thrown(() => decodeWith(codec, new Uint8Array(1), 0))).toBe(own);
  });

  it.each([
    ['undefined', undefined, /got undefined$/],
    ['a string', 'abc', /got "abc"$/],
    ['bytes as an array', { bytes: [1, 2], flags: 0 }, /got \{ bytes: an array, flags: 0 \}$/],
    ['no flags', { bytes: new Uint8Array(1) }, /got \{ bytes: Uint8Array, flags: undefined \}$/],
    ['flags as a string', { bytes: new Uint8Array(1), flags: '1' }, /flags: "1" \}$/],
    ['negative flags', { bytes: new Uint8Array(1), flags: -1 }, /flags: -1 \}$/],
    ['fractional flags', { bytes: new Uint8Array(1), flags: 1.5 }, /flags: 1.5 \}$/],
    ['flags past u32', { bytes: new Uint8Array(1), flags: 2 ** 32 }, /flags: 4294967296 \}$/],
    ['NaN flags', { bytes: new Uint8Array(1), flags: NaN }, /flags: NaN \}$/],
  ])('whose encode returns %s gives an InvalidValueError describing the shape', (_what, result, message) => {
    const codec = { encode: () => result, decode: (b: Uint8Array) => b } as unknown as Codec;
    const err = thrown(() => encodeWith(codec, 'v'));
    expect(err).toBeInstanceOf(InvalidValueError);
    expect(err.message).toMatch(/^codec.encode must return \{ bytes: Uint8Array, flags: an integer from 0 to 4294967295 \}/);
    expect(err.message).toMatch(message);
  });

  it('whose encode returns the largest u32 flags is accepted as is', () => {
    const bytes = new Uint8Array([1]);
    const codec: Codec = { encode: () => ({ bytes, flags: 0xffffffff }), decode: () => 'x' };
    expect(encodeWith(codec, 'v')).toEqual({ bytes, flags: 0xffffffff });
    expect(decodeWith(codec, bytes, 0xffffffff)).toBe('x');
  });
});

describe('resolveCodec', () => {
  it('gives the built-in codecs by name (utf8 by default) and a user codec as is', () => {
    const mine: Codec = { encode: () => ({ bytes: new Uint8Array(0), flags: 0 }), decode: () => null };
    class Lines implements Codec<string[]> {
      encode(value: string[]) { return { bytes: utf8(value.join('\n')), flags: 9 }; }
      decode(bytes: Uint8Array) { return new TextDecoder().decode(bytes).split('\n'); }
    }
    const lines = new Lines();
    expect(resolveCodec(undefined)).toBe(utf8Codec);
    expect(resolveCodec('utf8')).toBe(utf8Codec);
    expect(resolveCodec('bytes')).toBe(bytesCodec);
    expect(resolveCodec('json')).toBe(jsonCodec);
    expect(resolveCodec(mine)).toBe(mine);
    expect(resolveCodec(lines as Codec)).toBe(lines);
  });

  it.each([
    ['an unknown name', 'xml', /got "xml"$/],
    ['a name in the wrong case', 'JSON', /got "JSON"$/],
    ['null', null, /got null$/],
    ['a number', 2, /got number$/],
    ['a function', () => 1, /got function$/],
    ['an empty object', {}, /got an object whose encode and decode are not a function$/],
    ['an object without decode', { encode: () => 1 }, /got an object whose decode is not a function$/],
    ['an object whose encode is not a function', { encode: 1, decode: () => 1 }, /got an object whose encode is not a function$/],
  ])('refuses %s with an InvalidOptionError naming codec', (_what, option, message) => {
    const err = thrown(() => resolveCodec(option as never));
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
    expect((err as InvalidOptionError).option).toBe('codec');
    expect(err.message).toMatch(/^codec: must be 'utf8', 'bytes', 'json', 'php-memcache', 'php-memcached' or an object with encode\(value\) and decode\(bytes, flags\) functions, got /);
    expect(err.message).toMatch(message);
  });
});
