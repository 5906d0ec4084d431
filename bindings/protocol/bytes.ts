/**
 * Byte helpers shared by the serializers and the reply parser. Plain `Uint8Array`, so the protocol
 * layer runs on every runtime; Node's `Buffer` is used only as a faster allocator when present.
 */

/** `\r` */
export const CR = 13;
/** `\n` */
export const LF = 10;
/** ` ` */
export const SP = 32;

/** A shared empty array (never written to). */
export const EMPTY_BYTES = new Uint8Array(0);

/** `\r\n`, read-only by convention: sent after a value passed by reference. */
export const CRLF = new Uint8Array([CR, LF]);

interface BufferLike {
  allocUnsafe(size: number): Uint8Array;
  from(text: string, encoding: 'utf8'): Uint8Array;
}

// Buffer.allocUnsafe skips zero-filling and carves small sizes out of a shared slab, which
// matters for the many short command buffers; other runtimes get a plain (zeroed) array.
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

/** A new byte array of `size` bytes whose content is unspecified (the caller overwrites all of it). */
export const allocBytes: (size: number) => Uint8Array =
  NodeBuffer !== undefined && typeof NodeBuffer.allocUnsafe === 'function'
    ? (size) => NodeBuffer.allocUnsafe(size)
    : (size) => new Uint8Array(size);

const encoder = new TextEncoder();

/**
 * `text` as UTF-8 bytes, a plain `Uint8Array`. Node's `Buffer.from` carves short strings out of
 * its shared slab and measured 4× faster than `TextEncoder.encode` (110 against 450 ns for 100
 * characters, Node 20), which allocates a buffer of its own per call; other runtimes use the encoder.
 */
export const utf8Bytes: (text: string) => Uint8Array =
  NodeBuffer !== undefined && typeof NodeBuffer.from === 'function'
    ? (text) => {
        const bytes = NodeBuffer.from(text, 'utf8');
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      }
    : (text) => encoder.encode(text);

/** Writes an ASCII string (no character above 0x7f) at `pos`; returns the position after it. */
export function writeAscii(buf: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
  return pos;
}

/** Number of decimal digits of a non-negative safe integer. */
export function digitCount(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/** Writes a non-negative safe integer in decimal at `pos`; returns the position after it. */
export function writeDecimal(buf: Uint8Array, pos: number, n: number): number {
  const end = pos + digitCount(n);
  let at = end;
  do {
    const q = Math.floor(n / 10);
    buf[--at] = 48 + (n - q * 10);
    n = q;
  } while (n > 0);
  return end;
}

/** Length of a signed safe integer in decimal (the sign included). */
export function signedDigitCount(n: number): number {
  return n < 0 ? digitCount(-n) + 1 : digitCount(n);
}

/** Writes a signed safe integer in decimal at `pos`; returns the position after it. */
export function writeSignedDecimal(buf: Uint8Array, pos: number, n: number): number {
  if (n < 0) {
    buf[pos++] = 0x2d; // '-'
    return writeDecimal(buf, pos, -n);
  }
  return writeDecimal(buf, pos, n);
}

/** A new array holding an ASCII string's bytes (for commands that are constant text). */
export function asciiBytes(text: string): Uint8Array {
  const buf = new Uint8Array(text.length);
  writeAscii(buf, 0, text);
  return buf;
}

/** True when `a[aStart .. aEnd)` and `b[bStart .. bStart + (aEnd - aStart))` hold the same bytes. */
export function bytesEqual(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number): boolean {
  for (let i = aStart, j = bStart; i < aEnd; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes `buf[start .. end)` as UTF-8 (invalid sequences become U+FFFD). Not for the hot path. */
export function decodeText(buf: Uint8Array, start: number, end: number): string {
  return utf8.decode(buf.subarray(start, end));
}

/** A short, printable rendering of bytes for error messages (control bytes escaped, long input cut). */
export function describeBytes(buf: Uint8Array, start: number, end: number, limit = 80): string {
  let out = '';
  const stop = Math.min(end, start + limit);
  for (let i = start; i < stop; i++) {
    const c = buf[i];
    if (c === CR) out += '\\r';
    else if (c === LF) out += '\\n';
    else if (c >= 0x20 && c < 0x7f) out += c === 0x22 || c === 0x5c ? `\\${String.fromCharCode(c)}` : String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `"${out}${end > stop ? '…' : ''}"`;
}
