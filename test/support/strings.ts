/** String generators shared by the property tests of keys and bytes. */
import fc from 'fast-check';

/** ASCII, graphemes, any code point, and raw UTF-16 units (lone surrogates included). */
export const anyString = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
);
