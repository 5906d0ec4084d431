// Every key hash of the core by kind code (docs/routing-core.md, "Hashes").

import { HashKind } from '../core.js';
import { crc32 } from './crc32.js';
import { fnv1a } from './fnv.js';
import { javaHashCode, javaHashCodeAbs } from './javahash.js';
import { fnv1_32, fnv1_64, fnv1a_64, hsieh, jenkins, murmur, murmur3, oneAtATime } from './libhashkit.js';
import { md5Word0 } from './md5.js';
import { murmur3CodePoints } from './rendezvous.js';

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
    default: return crc32(bytes, start, end);
  }
}
