// The value format of PHP's php-memcached 3.x (`Memcached`, libmemcached-based): the low 4 bits
// of the flags are the value type, bits 4–15 its own (compressed, zlib, fastlz), the high 16 bits
// the application's. A compressed value starts with its uncompressed length (uint32, little endian).

import { CodecError } from '../errors.js';
import type { Codec } from './codec.js';
import { decompressFastlz } from './fastlz.js';
import { inflateItem } from './inflate.js';
import type { PhpCodecOptions } from './php-memcache.js';
import { phpScalars } from './php-scalars.js';
import { phpSerialize, phpUnserialize, textOrBytes } from './php-serialize.js';

export const MEMC_TYPE_MASK = 0xf;
export const MEMC_TYPE_STRING = 0;
export const MEMC_TYPE_LONG = 1;
export const MEMC_TYPE_DOUBLE = 2;
export const MEMC_TYPE_BOOL = 3;
export const MEMC_TYPE_SERIALIZED = 4;
export const MEMC_TYPE_IGBINARY = 5;
export const MEMC_TYPE_JSON = 6;
export const MEMC_TYPE_MSGPACK = 7;
/** Bits 4–15 (php-memcached's own), shifted down. */
const COMPRESSED = 1 << 0;
const COMPRESSION_ZLIB = 1 << 1;
const COMPRESSION_FASTLZ = 1 << 2;
const KNOWN_INTERNAL = COMPRESSED | COMPRESSION_ZLIB | COMPRESSION_FASTLZ;

const scalars = phpScalars({
  int: MEMC_TYPE_LONG,
  float: MEMC_TYPE_DOUBLE,
  bool: MEMC_TYPE_BOOL,
  // php-memcached writes "1" and "", and reads true for anything starting with "1".
  boolText: (b) => (b ? '1' : ''),
  isTrue: (text) => text.startsWith('1'),
});

const utf8 = new TextDecoder();

/**
 * Reads and writes values as PHP's php-memcached extension does (serializer `php`, the default),
 * so PHP frontends and failback share items: strings, ints, floats and booleans under its type
 * flags; null, arrays and objects as PHP `serialize()` data (type 4); JSON items (type 6, the
 * `json` serializers) are read too. Compressed items (FastLZ, its default above 2000 bytes, or
 * zlib) are decompressed; failback writes uncompressed. igbinary and msgpack items are refused
 * with a CodecError. `get` returns the same shapes as {@link phpMemcacheCodec}.
 */
export function phpMemcachedCodec(options: PhpCodecOptions = {}): Codec<unknown> {
  const maxBytes = options.maxDecompressedBytes ?? 128 * 1024 * 1024;
  return {
    encode(value) {
      return scalars.encode(value) ?? { bytes: phpSerialize(value), flags: MEMC_TYPE_SERIALIZED };
    },
    decode(bytes, flags) {
      const internal = (flags >>> 4) & 0xfff;
      if ((internal & ~KNOWN_INTERNAL) !== 0) {
        throw new CodecError(`the item's flags ${flags} set bits php-memcached 3.2 never sets (0x${((internal & ~KNOWN_INTERNAL) << 4).toString(16)}): it was written by another client (PECL memcache? use codec 'php-memcache'), or compressed with zstd (have PHP use compression 'fastlz' or 'zlib')`);
      }
      if ((internal & COMPRESSED) === 0) return unpack(bytes, flags);
      const raw = decompress(bytes, flags, internal, maxBytes);
      return raw instanceof Uint8Array ? unpack(raw, flags) : raw.then((b) => unpack(b, flags));
    },
  };
}

function decompress(bytes: Uint8Array, flags: number, internal: number, maxBytes: number): Uint8Array | Promise<Uint8Array> {
  if (bytes.length < 4) throw new CodecError(`the item (flags ${flags}) is marked compressed but has only ${bytes.length} bytes: it is corrupt`);
  const length = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  if (length > maxBytes) throw new CodecError(`the item (flags ${flags}) says it decompresses to ${length} bytes, more than maxDecompressedBytes (${maxBytes})`);
  const body = bytes.subarray(4);
  if ((internal & COMPRESSION_FASTLZ) !== 0) return decompressFastlz(body, length, flags);
  if ((internal & COMPRESSION_ZLIB) === 0) throw new CodecError(`the item (flags ${flags}) is marked compressed without saying how (neither zlib nor fastlz): it is corrupt`);
  const checked = (out: Uint8Array) => {
    if (out.length !== length) throw new CodecError(`the item (flags ${flags}) inflates to ${out.length} bytes, not the ${length} it says: it is corrupt`);
    return out;
  };
  const out = inflateItem(body, flags, length);
  return out instanceof Uint8Array ? checked(out) : out.then(checked);
}

function unpack(bytes: Uint8Array, flags: number): unknown {
  const type = flags & MEMC_TYPE_MASK;
  switch (type) {
    case MEMC_TYPE_STRING:
      return textOrBytes(bytes);
    case MEMC_TYPE_SERIALIZED:
      return phpUnserialize(bytes);
    case MEMC_TYPE_JSON:
      try {
        return JSON.parse(utf8.decode(bytes)) as unknown;
      } catch (err) {
        throw new CodecError(`the item (flags ${flags}) is marked as php-memcached JSON but is not JSON`, err);
      }
    case MEMC_TYPE_IGBINARY:
    case MEMC_TYPE_MSGPACK:
      throw new CodecError(`the item (flags ${flags}) was written with php-memcached's ${type === MEMC_TYPE_IGBINARY ? 'igbinary' : 'msgpack'} serializer, which failback cannot read: set Memcached::OPT_SERIALIZER to SERIALIZER_PHP or SERIALIZER_JSON on the PHP side`);
    default: {
      const value = scalars.decode(type, bytes, flags);
      if (value === undefined) throw new CodecError(`the item's type ${type} (flags ${flags}) is not one php-memcached writes: it was written by another client (PECL memcache? use codec 'php-memcache')`);
      return value;
    }
  }
}
