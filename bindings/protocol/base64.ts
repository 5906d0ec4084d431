/**
 * Base64 as memcached's meta protocol uses it for binary keys (the `b` flag): RFC 4648's standard
 * alphabet with `=` padding, which is what memcached's own encoder writes back in a `k` token.
 * Written straight into a command buffer, and compared against a reply's key token by encoding
 * the expected key (canonical form), so no array or string is made per reply.
 */
import { bytesEqual } from './bytes.js';

const ALPHABET = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', (c) => c.charCodeAt(0));
const PAD = 0x3d; // '='

/** Bytes of the base64 form of `n` bytes. */
export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/** Writes the base64 form of `data` at `pos`; returns the position after it. */
export function writeBase64(buf: Uint8Array, pos: number, data: Uint8Array): number {
  const length = data.length;
  const whole = length - (length % 3);
  let i = 0;
  for (; i < whole; i += 3) {
    const n = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    buf[pos++] = ALPHABET[n >> 18];
    buf[pos++] = ALPHABET[(n >> 12) & 63];
    buf[pos++] = ALPHABET[(n >> 6) & 63];
    buf[pos++] = ALPHABET[n & 63];
  }
  if (i < length) {
    const two = i + 1 < length;
    const n = (data[i] << 16) | (two ? data[i + 1] << 8 : 0);
    buf[pos++] = ALPHABET[n >> 18];
    buf[pos++] = ALPHABET[(n >> 12) & 63];
    buf[pos++] = two ? ALPHABET[(n >> 6) & 63] : PAD;
    buf[pos++] = PAD;
  }
  return pos;
}

/** Room for the base64 form of any binary key (keys are short; grown if ever needed). */
let scratch = new Uint8Array(256);

/** True when `text[start .. end)` is exactly the base64 form of `raw`. */
export function isBase64Of(text: Uint8Array, start: number, end: number, raw: Uint8Array): boolean {
  const length = base64Length(raw.length);
  if (end - start !== length) return false;
  if (scratch.length < length) scratch = new Uint8Array(length);
  writeBase64(scratch, 0, raw);
  return bytesEqual(text, start, end, scratch, 0);
}
