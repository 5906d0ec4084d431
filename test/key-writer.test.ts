import fc from 'fast-check';
import { expect, it } from 'vitest';
import { KeyWriter } from '../bindings/routing/key-writer.js';

it('writes the same UTF-8 bytes as TextEncoder, on the native and the portable path', () => {
  const native = new KeyWriter(true);
  const portable = new KeyWriter(false);
  const a = new ArrayBuffer(4096);
  const b = new ArrayBuffer(4096);
  native.rebind(a);
  portable.rebind(b);
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), fc.nat(100), (key, at) => {
      const expected = new TextEncoder().encode(key);
      expect(native.write(key, at)).toBe(expected.length);
      expect(portable.write(key, at)).toBe(expected.length);
      expect(new Uint8Array(a, at, expected.length)).toEqual(expected);
      expect(new Uint8Array(b, at, expected.length)).toEqual(expected);
    }),
    { numRuns: 500 },
  );
});
