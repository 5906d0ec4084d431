/** The byte helpers the serializers build commands with: the slab allocator and the UTF-8 writers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocWireBytes, countUtf8, utf8Length, writeUtf8 } from '../bindings/protocol/bytes.js';
import { anyString } from './support/strings.js';

describe('allocWireBytes', () => {
  it('hands out arrays of the size asked that never share a byte, small (carved) and large (their own) alike', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 3000, max: 20_000 })), { minLength: 1, maxLength: 400 }), (sizes) => {
        const arrays = sizes.map((size, i) => {
          const bytes = allocWireBytes(size);
          expect(bytes.length).toBe(size);
          bytes.fill(i & 0xff);
          return bytes;
        });
        arrays.forEach((bytes, i) => expect(bytes.every((b) => b === (i & 0xff))).toBe(true));
      }),
      { numRuns: 50 },
    );
  });
});

describe('utf8Length and writeUtf8', () => {
  it('measure and write exactly what TextEncoder encodes (a lone surrogate as U+FFFD)', () => {
    fc.assert(
      fc.property(anyString, fc.integer({ min: 0, max: 5 }), (text, at) => {
        const expected = new TextEncoder().encode(text);
        expect(utf8Length(text)).toBe(expected.length);
        expect(countUtf8(text)).toBe(expected.length);
        const buf = new Uint8Array(at + expected.length + 3).fill(0xee);
        expect(writeUtf8(buf, at, text, expected.length)).toBe(at + expected.length);
        expect(Array.from(buf.subarray(at, at + expected.length))).toEqual(Array.from(expected));
        // Nothing written outside its room.
        expect(buf.subarray(0, at).every((b) => b === 0xee) && buf.subarray(at + expected.length).every((b) => b === 0xee)).toBe(true);
      }),
    );
  });
});
