// Every key hash of the core by kind code (docs/routing-core.md, "Hashes"), and the hash of a
// counter's digits in front of a key (the Perl, Dalli and spymemcached rehashes).

import { HashKind } from '../core.js';
import { crc32, crc32Decimal, crc32Update, CRC32_INIT } from './crc32.js';
import { writeDecimal } from './decimal.js';
import { fnv1a } from './fnv.js';
import { javaHashCode, javaHashCodeAbs, javaHashCodeFrom } from './javahash.js';
import { fnv1_32, fnv1_64, fnv1a_64, hsieh, jenkins, murmur, murmur3, oneAtATime } from './libhashkit.js';
import { md5Word0 } from './md5.js';
import { murmur3BytesRepr, murmur3CodePoints } from './rendezvous.js';
import { sha1Word0 } from './sha1.js';

/** Hash `kind` of `bytes[start, end)` as a u32 (an unknown kind is crc32, as in the WASM core). */
export function hashOf(kind: HashKind, bytes: Uint8Array, start: number, end: number): number {
  switch (kind) {
    case HashKind.Fnv: return fnv1a(bytes, start, end);
    case HashKind.Md5: return md5Word0(bytes, start, end);
    case HashKind.OneAtATime: return oneAtATime(bytes, start, end);
    case HashKind.Crc15: return (crc32(bytes, start, end) >>> 16) & 0x7fff;
    case HashKind.Fnv1_32: return fnv1_32(bytes, start, end);
    case HashKind.Fnv1_64: return fnv1_64(bytes, start, end);
    case HashKind.Fnv1a_64: return fnv1a_64(bytes, start, end);
    case HashKind.Murmur: return murmur(bytes, start, end);
    case HashKind.Murmur3: return murmur3(bytes, start, end);
    case HashKind.Jenkins: return jenkins(bytes, start, end);
    case HashKind.Hsieh: return hsieh(bytes, start, end);
    case HashKind.JavaHashCodeAbs: return javaHashCodeAbs(bytes, start, end);
    case HashKind.JavaHashCode: return javaHashCode(bytes, start, end);
    case HashKind.Murmur3CodePoints: return murmur3CodePoints(bytes, start, end);
    case HashKind.Sha1: return sha1Word0(bytes, start, end);
    case HashKind.Murmur3BytesRepr: return murmur3BytesRepr(bytes, start, end);
    default: return crc32(bytes, start, end);
  }
}

/** MD5 takes one contiguous range: the digits and the key are copied here (rehash only, never the lookup path). */
let joined = new Uint8Array(512);

/**
 * hash(decimal(i) + bytes[start, end)) as a u32, for Crc32 (Perl's and Dalli's rehash), Md5 and
 * JavaHashCode (spymemcached's); `i` a non-negative integer below 2^31.
 */
export function hashDecimalPrefix(kind: HashKind, i: number, bytes: Uint8Array, start: number, end: number): number {
  if (kind === HashKind.Crc32) return ~crc32Update(crc32Decimal(CRC32_INIT, i), bytes, start, end) >>> 0;
  if (joined.length < end - start + 16) joined = new Uint8Array(2 * (end - start + 16));
  const digits = writeDecimal(joined, 0, i);
  if (kind === HashKind.JavaHashCode) return javaHashCodeFrom(javaHashCodeFrom(0, joined, 0, digits), bytes, start, end);
  joined.set(bytes.subarray(start, end), digits);
  return hashOf(kind, joined, 0, digits + end - start);
}
