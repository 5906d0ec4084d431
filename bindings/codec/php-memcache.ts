// The value format of PHP's PECL memcache 4.x (`Memcache`/`MemcachePool`): the low 16 bits of
// the flags are its own (0x1 serialized, 0x2 zlib-compressed, 0x0f00 the scalar type), the high
// 16 bits the application's.

import { CodecError } from '../errors.js';
import type { Codec } from './codec.js';
import { inflateItem } from './inflate.js';
import { phpScalars } from './php-scalars.js';
import { phpSerialize, phpUnserialize } from './php-serialize.js';

export const PECL_SERIALIZED = 0x0001;
export const PECL_COMPRESSED = 0x0002;
export const PECL_TYPE_MASK = 0x0f00;
export const PECL_TYPE_STRING = 0x0000;
export const PECL_TYPE_BOOL = 0x0100;
export const PECL_TYPE_LONG = 0x0300;
export const PECL_TYPE_DOUBLE = 0x0700;
/** Flags PECL memcache sets itself; any other low bit means another client wrote the item. */
const PECL_KNOWN = PECL_SERIALIZED | PECL_COMPRESSED | PECL_TYPE_MASK;

/** Options of {@link phpMemcacheCodec}. */
export interface PhpCodecOptions {
  /** Refuse items that decompress to more than this. @default 128 MiB */
  maxDecompressedBytes?: number;
}

/** PECL memcache's value types of the scalars PHP writes, and the text of each. */
const scalars = phpScalars({
  int: PECL_TYPE_LONG,
  float: PECL_TYPE_DOUBLE,
  bool: PECL_TYPE_BOOL,
  // PECL writes "1"/"0" and reads true only for exactly "1".
  boolText: (b) => (b ? '1' : '0'),
  isTrue: (text) => text === '1',
});

/**
 * Reads and writes values as PHP's PECL memcache extension does, so PHP frontends and failback
 * share items: strings (flags 0), ints, floats, booleans (its type flags), and null, arrays and
 * objects as PHP `serialize()` data (flag 1); zlib-compressed items (flag 2, what PECL writes
 * above `memcache.compress_threshold`) are inflated. failback writes uncompressed.
 * `get` returns string | number | bigint (an int beyond 2^53) | boolean | null | arrays |
 * plain objects (PHP objects carry `__class`) | Uint8Array (a string that is not UTF-8).
 */
export function phpMemcacheCodec(options: PhpCodecOptions = {}): Codec<unknown> {
  const maxBytes = options.maxDecompressedBytes ?? 128 * 1024 * 1024;
  return {
    encode(value) {
      const scalar = scalars.encode(value);
      if (scalar) return scalar;
      return { bytes: phpSerialize(value), flags: PECL_SERIALIZED };
    },
    decode(bytes, flags) {
      if ((flags & 0xffff & ~PECL_KNOWN) !== 0) {
        throw new CodecError(`the item's flags ${flags} are not PECL memcache's (bits ${(flags & 0xffff & ~PECL_KNOWN).toString(16)} are unknown to it): it was written by another client, e.g. php-memcached (use codec 'php-memcached')`);
      }
      if ((flags & PECL_COMPRESSED) === 0) return unpack(bytes, flags);
      const inflated = inflateItem(bytes, flags, maxBytes);
      return inflated instanceof Uint8Array ? unpack(inflated, flags) : inflated.then((b) => unpack(b, flags));
    },
  };
}

function unpack(bytes: Uint8Array, flags: number): unknown {
  if ((flags & PECL_SERIALIZED) !== 0) return phpUnserialize(bytes);
  const type = flags & PECL_TYPE_MASK;
  if (type === PECL_TYPE_STRING) return scalars.string(bytes);
  const value = scalars.decode(type, bytes, flags);
  if (value === undefined) throw new CodecError(`the item's type flag 0x${type.toString(16)} (flags ${flags}) is not one PECL memcache writes`);
  return value;
}
