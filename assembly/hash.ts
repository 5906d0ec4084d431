// The key hashes behind one kind code, plus hashing of `bytes + "-" + decimal(i)` (point names,
// PECL rehash) and `decimal(i) + bytes` (the Perl, Dalli and spymemcached rehashes) without copying.

import {
  HASH_CRC15, HASH_FNV, HASH_FNV1_32, HASH_FNV1_64, HASH_FNV1A_64, HASH_HSIEH, HASH_JENKINS, HASH_MD5,
  HASH_JAVA_HASHCODE, HASH_JAVA_HASHCODE_ABS, HASH_MURMUR3_BYTES_REPR, HASH_MURMUR3_CODE_POINTS, HASH_MURMUR, HASH_MURMUR3,
  HASH_ONE_AT_A_TIME, HASH_SHA1,
} from "./codes";
import { javaHashCode, javaHashCodeAbs, javaHashCodeFrom } from "./javahash";
import { murmur3BytesRepr, murmur3CodePoints } from "./rendezvous";
import { sha1First } from "./sha1";
import { CRC32_INIT, crc15, crc32, crc32Byte, crc32Update } from "./crc32";
import { fnv1_32, fnv1_64, fnv1a_64, hsieh, jenkins, murmur, murmur3, oneAtATime } from "./libhashkit";
import { FNV_INIT, fnv, fnvByte, fnvUpdate } from "./fnv";
import { md5First, md5Init, md5Update, md5Final, md5A } from "./md5";
import { DIGITS, writeDecimal } from "./decimal";

/** ASCII '-', the separator of point names and rehash suffixes. */
const CHAR_DASH: u32 = 0x2d;
/** One static '-' byte, for streaming MD5 over point names and suffixes. */
export const DASH: usize = memory.data<u8>([0x2d]);

/** Hash `kind` (Crc32, Fnv, Md5) of `len` bytes at `ptr`; the libhashkit kinds go to `libhashkitHash`. */
// @ts-ignore: decorator
@inline export function hashBytes(kind: i32, ptr: usize, len: usize): u32 {
  if (kind == HASH_FNV) return fnv(ptr, len);
  if (kind == HASH_MD5) return md5First(ptr, len);
  if (kind > HASH_MD5) return libhashkitHash(kind, ptr, len);
  return crc32(ptr, len);
}

/** The hashes after Md5 (libhashkit's, twemproxy's, the Java, Python and Ruby clients'), by kind; an unknown kind is crc32. */
export function libhashkitHash(kind: i32, ptr: usize, len: usize): u32 {
  switch (kind) {
    case HASH_ONE_AT_A_TIME: return oneAtATime(ptr, len);
    case HASH_CRC15: return crc15(crc32(ptr, len));
    case HASH_FNV1_32: return fnv1_32(ptr, len);
    case HASH_FNV1_64: return fnv1_64(ptr, len);
    case HASH_FNV1A_64: return fnv1a_64(ptr, len);
    case HASH_MURMUR: return murmur(ptr, len);
    case HASH_MURMUR3: return murmur3(ptr, len);
    case HASH_JENKINS: return jenkins(ptr, len);
    case HASH_HSIEH: return hsieh(ptr, len);
    case HASH_JAVA_HASHCODE_ABS: return javaHashCodeAbs(ptr, len);
    case HASH_JAVA_HASHCODE: return javaHashCode(ptr, len);
    case HASH_MURMUR3_CODE_POINTS: return murmur3CodePoints(ptr, len);
    case HASH_SHA1: return sha1First(ptr, len);
    case HASH_MURMUR3_BYTES_REPR: return murmur3BytesRepr(ptr, len);
    default: return crc32(ptr, len);
  }
}

/**
 * The running state of hash `kind` after `len` bytes at `ptr` and a "-": continue it with
 * `hashDashSuffix`. (MD5 keeps no such state here: hashDashSuffix restarts it.)
 */
export function dashState(kind: i32, ptr: usize, len: usize): u32 {
  if (kind == HASH_FNV) return fnvByte(fnvUpdate(FNV_INIT, ptr, len), CHAR_DASH);
  if (kind == HASH_MD5) return 0;
  return crc32Byte(crc32Update(CRC32_INIT, ptr, len), CHAR_DASH);
}

/** hash(bytes + "-" + decimal(i)), given `state = dashState(kind, ptr, len)` of the same bytes. */
export function hashDashSuffix(kind: i32, state: u32, ptr: usize, len: usize, i: u32): u32 {
  let digits = writeDecimal(i);
  if (kind == HASH_FNV) return fnvUpdate(state, DIGITS, digits);
  if (kind == HASH_MD5) {
    md5Init();
    md5Update(ptr, len);
    md5Update(DASH, 1);
    md5Update(DIGITS, digits);
    md5Final();
    return md5A;
  }
  return ~crc32Update(state, DIGITS, digits);
}

/**
 * hash(decimal(i) + bytes) for Crc32 (Perl's and Dalli's rehash), Md5 and JavaHashCode
 * (spymemcached's), streamed over the digits and then the bytes.
 */
export function hashDecimalPrefix(kind: i32, i: u32, ptr: usize, len: usize): u32 {
  let digits = writeDecimal(i);
  if (kind == HASH_MD5) {
    md5Init();
    md5Update(DIGITS, digits);
    md5Update(ptr, len);
    md5Final();
    return md5A;
  }
  if (kind == HASH_JAVA_HASHCODE) return javaHashCodeFrom(javaHashCodeFrom(0, DIGITS, digits), ptr, len);
  return ~crc32Update(crc32Update(CRC32_INIT, DIGITS, digits), ptr, len);
}
