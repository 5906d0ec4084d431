/**
 * Key rules of the meta protocol. A string key follows the text protocol's rules (keys.ts), so a
 * key means the same item whichever protocol wrote it. A binary key (a `Uint8Array`) travels
 * base64-encoded with the `b` flag; memcached checks its 250-byte limit on the encoded token
 * (and, past it, answers CLIENT_ERROR without swallowing an `ms` data block, which would then be
 * read as commands), so a binary key holds at most {@link MAX_BINARY_KEY_BYTES} bytes.
 */
import { describe } from '../describe.js';
import { InvalidKeyError } from '../errors.js';
import { base64Length, writeBase64 } from './base64.js';
import { keyByteLength, MAX_KEY_BYTES, writeKey } from './keys.js';
import type { Key } from './replies.js';

/** The longest binary key whose base64 form fits memcached's {@link MAX_KEY_BYTES} (4 × ⌈186 / 3⌉ = 248). */
export const MAX_BINARY_KEY_BYTES = Math.floor(MAX_KEY_BYTES / 4) * 3;

/**
 * Validates a key and returns the length of its token on the command line: the UTF-8 bytes of a
 * string key, the base64 form of a binary one. Throws {@link InvalidKeyError} saying why not.
 */
export function metaKeyLength(key: Key): number {
  if (typeof key === 'string') return keyByteLength(key);
  if (!(key instanceof Uint8Array)) throw new InvalidKeyError(`a key must be a string or a Uint8Array, got ${describe(key)}`);
  if (key.length === 0) throw new InvalidKeyError('a binary key must not be empty');
  if (key.length > MAX_BINARY_KEY_BYTES) {
    throw new InvalidKeyError(`binary key is ${key.length} bytes; memcached allows at most ${MAX_BINARY_KEY_BYTES} (${MAX_KEY_BYTES} in base64)`);
  }
  return base64Length(key.length);
}

/** Writes a key measured by {@link metaKeyLength} at `pos`; returns the position after it. */
export function writeMetaKey(buf: Uint8Array, pos: number, key: Key, tokenLength: number): number {
  return typeof key === 'string' ? writeKey(buf, pos, key, tokenLength) : writeBase64(buf, pos, key);
}
