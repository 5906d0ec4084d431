/**
 * Byte helpers shared by the serializers and the reply parser. Plain `Uint8Array`, so the protocol
 * layer runs on every runtime; Node's `Buffer` is used only where it is faster, when present.
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

// Node's Buffer, where there is one: faster for some of what follows.
interface BufferLike {
  allocUnsafe(size: number): Uint8Array;
  from(text: string, encoding: 'utf8'): Uint8Array;
  byteLength(text: string, encoding: 'utf8'): number;
  prototype: { latin1Write?: StringWriter; utf8Write?: StringWriter };
}

/** Node's `Buffer.prototype.latin1Write` / `utf8Write`: bytes written; they work on any Uint8Array. */
type StringWriter = (this: Uint8Array, text: string, offset: number, length: number) => number;

// Deno's global Buffer is its Node compatibility layer in JavaScript: slower there than the web
// APIs (bench/allocation.mjs on Deno 2.9: set lines with a string value 0.68 M/s through it,
// 1.51 M/s through encodeInto; with a byte value 1.95 against 3.23 M/s), so only Node's and Bun's are used.
const NodeBuffer = (globalThis as { Deno?: unknown }).Deno === undefined ? (globalThis as { Buffer?: BufferLike }).Buffer : undefined;

/**
 * An allocator that carves arrays of up to `maxCarved` bytes out of shared slabs of `slabBytes`
 * (larger ones from `large`), because V8 gives each typed array over 64 bytes a backing store of
 * its own: measured on Node 20, 3.8 µs for `new Uint8Array(160)`, 98 ns for
 * `Buffer.allocUnsafe(160)`, 20 ns for a view into a slab. A live view keeps its whole slab.
 */
function slabAllocator(slabBytes: number, maxCarved: number, large: (size: number) => Uint8Array): (size: number) => Uint8Array {
  let slab = new ArrayBuffer(0);
  let used = 0;
  return (size) => {
    if (size > maxCarved) return large(size);
    if (used + size > slab.byteLength) {
      slab = new ArrayBuffer(slabBytes);
      used = 0;
    }
    const bytes = new Uint8Array(slab, used, size);
    // Eight-byte aligned, as Node's own pool carves.
    used = (used + size + 7) & ~7;
    return bytes;
  };
}

/**
 * A new byte array of `size` bytes whose content is unspecified (the caller overwrites all of it),
 * for bytes that may outlive the command (a value handed to the caller). Node's
 * `Buffer.allocUnsafe`, or elsewhere the same scheme: 8 KiB slabs, pieces up to 4 KiB.
 */
export const allocBytes: (size: number) => Uint8Array =
  NodeBuffer !== undefined && typeof NodeBuffer.allocUnsafe === 'function'
    ? (size) => NodeBuffer.allocUnsafe(size)
    : slabAllocator(8 * 1024, 4 * 1024, (size) => new Uint8Array(size));

/**
 * A byte array of `size` bytes for what goes on the wire and is dropped once answered: a command
 * and the write that carries it, carved out of 64 KiB slabs (pieces up to 4 KiB) on V8.
 * Never for bytes the caller may keep: they would keep their whole slab alive.
 */
export const allocWireBytes: (size: number) => Uint8Array =
  // JavaScriptCore (Bun) allocates small typed arrays faster itself (measured in bench/allocation.mjs:
  // 55 M/s against 17 M/s for the slab); V8 (Node, Deno, workerd) the other way round (0.6 against 50 M/s).
  (globalThis as { Bun?: unknown }).Bun !== undefined ? (size) => new Uint8Array(size) : slabAllocator(64 * 1024, 4 * 1024, allocBytes);

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

/**
 * How many bytes `text` takes as UTF-8 (a lone surrogate counts 3: it is written as U+FFFD, as
 * by {@link utf8Bytes}). Node's `Buffer.byteLength` measured 47 ns for 100 characters, a
 * `charCodeAt` loop 220 ns.
 */
export const utf8Length: (text: string) => number =
  NodeBuffer !== undefined && typeof NodeBuffer.byteLength === 'function'
    ? (text) => NodeBuffer.byteLength(text, 'utf8')
    : countUtf8;

/** {@link utf8Length} without Node's Buffer, in plain JavaScript (exported for the tests). */
export function countUtf8(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const latin1Write = NodeBuffer?.prototype.latin1Write;
const utf8Write = NodeBuffer?.prototype.utf8Write;

/**
 * Writes `text` as UTF-8 at `pos`, where exactly `byteLength` bytes (its {@link utf8Length}) are
 * free; returns the position after it.
 */
export function writeUtf8(buf: Uint8Array, pos: number, text: string, byteLength: number): number {
  // Only ASCII has as many bytes as units. A loop beats a call up to about 32 units (measured on
  // Node 20: 36 against 94 ns for 16); past that, Node's own writers beat encodeInto into a
  // subarray (100 characters: 94 ns for latin1Write, 149 for utf8Write, 243 for encodeInto).
  const ascii = byteLength === text.length;
  if (ascii && byteLength <= 32) {
    for (let i = 0; i < byteLength; i++) buf[pos + i] = text.charCodeAt(i);
  } else if (ascii && latin1Write !== undefined) {
    latin1Write.call(buf, text, pos, byteLength);
  } else if (utf8Write !== undefined) {
    utf8Write.call(buf, text, pos, byteLength);
  } else {
    encoder.encodeInto(text, buf.subarray(pos, pos + byteLength));
  }
  return pos + byteLength;
}

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
