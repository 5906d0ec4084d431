// The scalars both PHP extensions store as text under a type flag (ints, floats, booleans;
// strings as they are). Each extension has its own flag values and boolean spelling.

import { CodecError, InvalidValueError } from '../errors.js';
import { ascii, parsePhpFloat, parsePhpInt, textOrBytes } from './php-serialize.js';

/** One extension's flags for the scalar types, and how it spells booleans. */
export interface ScalarFlags {
  int: number;
  float: number;
  bool: number;
  boolText(value: boolean): string;
  isTrue(text: string): boolean;
}

const encoder = new TextEncoder();
const INT64 = 2n ** 63n;

/** Encoder and decoder of the scalars under `types`. */
export function phpScalars(types: ScalarFlags) {
  const text = (t: string, flags: number) => ({ bytes: encoder.encode(t), flags });
  return {
    /** A scalar's bytes and flags; undefined for what PHP stores serialized (null, arrays, objects). */
    encode(value: unknown): { bytes: Uint8Array; flags: number } | undefined {
      switch (typeof value) {
        case 'string':
          return text(value, 0);
        case 'number':
          // A JS number that is an integer is a PHP int (1.0 and 1 are one value here).
          return Number.isSafeInteger(value) ? text(String(value === 0 ? 0 : value), types.int) : text(String(value), types.float);
        case 'bigint':
          if (value < -INT64 || value >= INT64) throw new InvalidValueError(`the bigint ${value} does not fit PHP's 64-bit int; store it as a string`);
          return text(String(value), types.int);
        case 'boolean':
          return text(types.boolText(value), types.bool);
        default:
          return undefined;
      }
    },
    /** A string item: a string when it is UTF-8, else its bytes. */
    string: textOrBytes,
    /** The scalar of type flag `type`, or undefined when `type` is none of them. */
    decode(type: number, bytes: Uint8Array, flags: number): unknown {
      if (type !== types.int && type !== types.float && type !== types.bool) return undefined;
      const t = ascii(bytes);
      if (type === types.bool) return types.isTrue(t);
      const value = type === types.int ? parsePhpInt(t) : parsePhpFloat(t);
      if (value === undefined) {
        throw new CodecError(`the item (flags ${flags}) is marked as a PHP ${type === types.int ? 'int' : 'float'} but holds "${t.slice(0, 40)}": it was written by another client whose flags mean something else`);
      }
      return value;
    },
  };
}
