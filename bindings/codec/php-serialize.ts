// PHP's serialize() format, both ways, for the PHP codecs. Pure data: nothing is instantiated
// and nothing executes; objects come back as plain data carrying their class name.
//
// PHP → JS: null, bool, int (a bigint beyond 2^53), float (INF, NAN), strings (UTF-8 decoded;
// bytes that are not UTF-8 stay a Uint8Array), arrays (a JS array when the keys are 0..n-1 in
// order, else a plain object), objects `O:` ({ __class, ...properties }, visibility prefixes
// dropped), custom-serialized `C:` ({ __class, __serialized }), enums `E:` ({ __class, __case }),
// and references `r:`/`R:` (the same JS value).
// JS → PHP: the same shapes back; anything else (a Date, a class instance, a function, a cycle)
// is an InvalidValueError before anything is sent.

import { CodecError, InvalidValueError } from '../errors.js';

/** The property that carries a PHP object's class name. */
export const PHP_CLASS = '__class';

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Deeper nesting than this is refused either way (PHP's own default limit is 4096). */
const MAX_DEPTH = 512;

const C = {
  quote: 0x22, colon: 0x3a, semi: 0x3b, open: 0x7b, close: 0x7d, minus: 0x2d, zero: 0x30, nine: 0x39,
} as const;
/** The type letters of serialize(). */
const T = {
  null: 0x4e /* N */, bool: 0x62 /* b */, int: 0x69 /* i */, float: 0x64 /* d */, string: 0x73 /* s */, array: 0x61 /* a */,
  object: 0x4f /* O */, custom: 0x43 /* C */, enum: 0x45 /* E */, ref: 0x72 /* r */, Ref: 0x52 /* R */,
} as const;

/** A growable byte buffer for the serializer. */
class ByteWriter {
  private bytes = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  ascii(text: string): void {
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.bytes[this.length++] = text.charCodeAt(i);
  }

  /** `s:<bytes>:"<text>";` with the UTF-8 written in place (ASCII without any encoder call). */
  phpString(text: string): void {
    let ascii = true;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      const bytes = encoder.encode(text);
      this.ascii(`s:${bytes.length}:"`);
      this.raw(bytes);
      return this.ascii('";');
    }
    this.ascii(`s:${text.length}:"`);
    this.ascii(text);
    this.ascii('";');
  }

  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

function refuse(message: string): never {
  throw new InvalidValueError(`${message}; store plain data (strings, numbers, booleans, null, arrays, plain objects, Uint8Array), or pass a codec of your own`);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** PHP's spelling of a float (`serialize` writes INF, -INF and NAN by name). */
export function phpFloat(value: number): string {
  if (Number.isNaN(value)) return 'NAN';
  if (value === Infinity) return 'INF';
  if (value === -Infinity) return '-INF';
  return String(value);
}

/** A PHP int's decimal text: a number, a bigint beyond 2^53, or undefined when it is not one. */
export function parsePhpInt(text: string): number | bigint | undefined {
  if (!/^[+-]?[0-9]{1,19}$/.test(text)) return undefined;
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(text);
  return big < INT64_MIN || big > INT64_MAX ? undefined : big;
}

/** A PHP float's text (serialize's INF/NAN, C's inf/nan/infinity), or undefined when it is not one. */
export function parsePhpFloat(text: string): number | undefined {
  const named = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (named) return named[2].toLowerCase() === 'nan' ? NaN : named[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text)) return undefined;
  return Number(text);
}

/** PHP strings are bytes: UTF-8 ones become strings, anything else stays a Uint8Array (never garbled). */
export function textOrBytes(raw: Uint8Array): string | Uint8Array {
  // Short ASCII (most keys and fields) skips the decoder, whose per-call cost dominates there.
  if (raw.length <= 64) {
    let high = 0;
    for (let i = 0; i < raw.length; i++) high |= raw[i];
    if (high < 0x80) return ascii(raw);
  }
  try {
    return strictUtf8.decode(raw);
  } catch {
    // A copy, and a plain Uint8Array (item values can be Buffer views of a socket chunk).
    return new Uint8Array(raw);
  }
}

/** ASCII bytes as a string (numbers and names in PHP's formats). */
export function ascii(raw: Uint8Array): string {
  if (raw.length <= 1024) return String.fromCharCode.apply(null, raw as unknown as number[]);
  let text = '';
  for (let i = 0; i < raw.length; i += 1024) text += String.fromCharCode.apply(null, raw.subarray(i, i + 1024) as unknown as number[]);
  return text;
}

/** A decimal string PHP turns into an integer array key ("5", "-3", not "05" or "1.0"). */
function integerKey(key: string): boolean {
  const c = key.charCodeAt(0);
  if (!(c === 0x2d || (c >= 0x30 && c <= 0x39))) return false;
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(key)) return false;
  const n = BigInt(key);
  return n >= INT64_MIN && n <= INT64_MAX;
}

class Serializer {
  readonly out = new ByteWriter();
  private readonly path = new Set<object>();

  value(value: unknown, depth: number): void {
    if (value === null || value === undefined) return this.out.ascii('N;');
    switch (typeof value) {
      case 'boolean':
        return this.out.ascii(value ? 'b:1;' : 'b:0;');
      case 'number':
        return this.out.ascii(Number.isSafeInteger(value) ? `i:${value === 0 ? 0 : value};` : `d:${phpFloat(value)};`);
      case 'bigint':
        if (value < INT64_MIN || value > INT64_MAX) refuse(`the bigint ${value} does not fit PHP's 64-bit int`);
        return this.out.ascii(`i:${value};`);
      case 'string':
        return this.out.phpString(value);
      case 'object':
        return this.object(value, depth);
      default:
        refuse(`a ${typeof value} cannot be stored for PHP`);
    }
  }

  private string(bytes: Uint8Array): void {
    this.out.ascii(`s:${bytes.length}:"`);
    this.out.raw(bytes);
    this.out.ascii('";');
  }

  private key(key: string | number): void {
    if (typeof key === 'number') {
      if (!Number.isSafeInteger(key)) refuse(`the array key ${key} is not an integer`);
      this.out.ascii(`i:${key};`);
    } else if (integerKey(key)) {
      this.out.ascii(`i:${key};`);
    } else {
      this.out.phpString(key);
    }
  }

  private object(value: object, depth: number): void {
    if (value instanceof Uint8Array) return this.string(value);
    if (depth >= MAX_DEPTH) refuse(`the value nests deeper than ${MAX_DEPTH} levels`);
    if (this.path.has(value)) refuse('the value contains a cycle');
    this.path.add(value);
    if (Array.isArray(value)) {
      this.out.ascii(`a:${value.length}:{`);
      for (let i = 0; i < value.length; i++) {
        this.out.ascii(`i:${i};`);
        this.value(value[i], depth + 1);
      }
      this.out.ascii('}');
    } else if (value instanceof Map) {
      this.out.ascii(`a:${value.size}:{`);
      for (const [k, v] of value as Map<unknown, unknown>) {
        if (typeof k !== 'string' && typeof k !== 'number') refuse(`a Map key must be a string or a number for PHP, got ${typeof k}`);
        this.key(k);
        this.value(v, depth + 1);
      }
      this.out.ascii('}');
    } else if (isPlainObject(value)) {
      this.record(value, depth);
    } else {
      refuse(`a ${value.constructor?.name ?? 'class instance'} cannot be stored for PHP (only its plain data can: convert it first)`);
    }
    this.path.delete(value);
  }

  /** A plain object: a PHP object when it names a class, else an associative array. */
  private record(value: Record<string, unknown>, depth: number): void {
    const className = value[PHP_CLASS];
    if (className !== undefined && (typeof className !== 'string' || className.length === 0)) refuse(`${PHP_CLASS} must be a non-empty class name`);
    const entries = Object.entries(value).filter(([k, v]) => v !== undefined && (className === undefined || k !== PHP_CLASS));
    if (typeof className === 'string') {
      const name = encoder.encode(className);
      if (typeof value.__case === 'string' && entries.length === 1) {
        const text = encoder.encode(`${className}:${value.__case}`);
        this.out.ascii(`E:${text.length}:"`);
        this.out.raw(text);
        return this.out.ascii('";');
      }
      if (typeof value.__serialized === 'string' && entries.length === 1) {
        const data = encoder.encode(value.__serialized);
        this.out.ascii(`C:${name.length}:"`);
        this.out.raw(name);
        this.out.ascii(`":${data.length}:{`);
        this.out.raw(data);
        return this.out.ascii('}');
      }
      this.out.ascii(`O:${name.length}:"`);
      this.out.raw(name);
      this.out.ascii(`":${entries.length}:{`);
      for (const [k, v] of entries) {
        this.out.phpString(k);
        this.value(v, depth + 1);
      }
      return this.out.ascii('}');
    }
    this.out.ascii(`a:${entries.length}:{`);
    for (const [k, v] of entries) {
      this.key(k);
      this.value(v, depth + 1);
    }
    this.out.ascii('}');
  }
}

/**
 * `value` in PHP's serialize() format.
 * @throws InvalidValueError for what PHP data cannot hold (see the module comment).
 */
export function phpSerialize(value: unknown): Uint8Array {
  if (value === undefined) refuse('undefined cannot be stored');
  const serializer = new Serializer();
  serializer.value(value, 0);
  return serializer.out.result();
}

/** Reads PHP's serialize() format; every fault is a CodecError naming the byte offset. */
class Unserializer {
  private pos = 0;
  /** Every value read so far, in PHP's numbering (from 1), for `r:` and `R:`. */
  private readonly slots: unknown[] = [];

  constructor(private readonly bytes: Uint8Array) {}

  fail(what: string): never {
    throw new CodecError(`the item is not valid PHP serialize() data: ${what} at byte ${this.pos} of ${this.bytes.length}; it was probably not written by PHP or by a php codec`);
  }

  done(): void {
    if (this.pos !== this.bytes.length) this.fail('trailing bytes');
  }

  private expect(byte: number): void {
    if (this.bytes[this.pos] !== byte) this.fail(`expected '${String.fromCharCode(byte)}'`);
    this.pos++;
  }

  /** ASCII up to (not including) `end`, which is consumed. */
  private until(end: number): string {
    const stop = this.bytes.indexOf(end, this.pos);
    if (stop < 0) this.fail(`missing '${String.fromCharCode(end)}'`);
    const text = ascii(this.bytes.subarray(this.pos, stop));
    this.pos = stop + 1;
    return text;
  }

  /** Decimal digits up to `end` (consumed), read straight from the bytes. */
  private length(end: number): number {
    const { bytes } = this;
    let n = 0;
    let i = this.pos;
    for (; i < bytes.length && i - this.pos < 10; i++) {
      const c = bytes[i];
      if (c < C.zero || c > C.nine) break;
      n = n * 10 + (c - C.zero);
    }
    if (i === this.pos || bytes[i] !== end) this.fail(`bad length, or missing '${String.fromCharCode(end)}'`);
    this.pos = i + 1;
    return n;
  }

  /** `i:` digits: most PHP ints fit 15 digits and need no string at all. */
  private int(): number | bigint {
    const { bytes } = this;
    let i = this.pos;
    const negative = bytes[i] === C.minus;
    if (negative || bytes[i] === 0x2b) i++;
    let n = 0;
    const start = i;
    for (; i < bytes.length && i - start < 15; i++) {
      const c = bytes[i];
      if (c < C.zero || c > C.nine) break;
      n = n * 10 + (c - C.zero);
    }
    if (i > start && bytes[i] === C.semi) {
      this.pos = i + 1;
      return negative ? (n === 0 ? 0 : -n) : n;
    }
    return this.integer(this.until(C.semi));
  }

  private integer(text: string): number | bigint {
    return parsePhpInt(text) ?? this.fail(`bad integer "${text}"`);
  }

  private float(text: string): number {
    return parsePhpFloat(text) ?? this.fail(`bad float "${text}"`);
  }

  /** `len:"` … `"` (after the type letter and colon): where the bytes are. */
  private quoted(): [number, number] {
    const len = this.length(C.colon);
    this.expect(C.quote);
    const start = this.pos;
    if (start + len > this.bytes.length) this.fail(`string of ${len} bytes runs past the end`);
    this.pos += len;
    this.expect(C.quote);
    return [start, start + len];
  }

  /** `s:` data: a string when it is UTF-8, else its bytes. */
  private text(start: number, end: number): string | Uint8Array {
    const { bytes } = this;
    let high = 0;
    for (let i = start; i < end; i++) high |= bytes[i];
    if (high >= 0x80) return textOrBytes(bytes.subarray(start, end));
    return ascii(bytes.subarray(start, end));
  }

  private name([start, end]: [number, number]): string {
    const name = this.text(start, end);
    if (typeof name !== 'string') this.fail('class name is not UTF-8');
    return name;
  }

  /** An array key: `i:` or `s:` (PHP does not number keys). */
  private key(): number | bigint | string | Uint8Array {
    const type = this.bytes[this.pos];
    if (this.bytes[this.pos + 1] !== C.colon) this.fail('expected an array key');
    this.pos += 2;
    if (type === T.int) return this.int();
    if (type !== T.string) this.fail('an array key must be an int or a string');
    const [start, end] = this.quoted();
    this.expect(C.semi);
    return this.text(start, end);
  }

  /** One value (PHP numbers every value but `R:` for references). */
  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const type = this.bytes[this.pos++];
    if (type === T.null) {
      this.expect(C.semi);
      return this.slot(null);
    }
    if (type === undefined) this.fail('unexpected end');
    this.expect(C.colon);
    switch (type) {
      case T.bool: {
        const b = this.bytes[this.pos];
        if ((b !== C.zero && b !== C.zero + 1) || this.bytes[this.pos + 1] !== C.semi) this.fail('bad boolean');
        this.pos += 2;
        return this.slot(b === C.zero + 1);
      }
      case T.int:
        return this.slot(this.int());
      case T.float:
        return this.slot(this.float(this.until(C.semi)));
      case T.string: {
        const [start, end] = this.quoted();
        this.expect(C.semi);
        return this.slot(this.text(start, end));
      }
      case T.array:
        return this.array(depth);
      case T.object:
        return this.phpObject(depth);
      case T.custom: {
        const className = this.name(this.quoted());
        this.expect(C.colon);
        const len = this.length(C.colon);
        this.expect(C.open);
        if (this.pos + len > this.bytes.length) this.fail(`custom data of ${len} bytes runs past the end`);
        const data = this.text(this.pos, this.pos + len);
        this.pos += len;
        this.expect(C.close);
        if (typeof data !== 'string') this.fail('custom-serialized data is not UTF-8');
        return this.slot({ [PHP_CLASS]: className, __serialized: data });
      }
      case T.enum: {
        const text = this.name(this.quoted());
        this.expect(C.semi);
        const colon = text.indexOf(':');
        if (colon <= 0) this.fail(`bad enum "${text}"`);
        return this.slot({ [PHP_CLASS]: text.slice(0, colon), __case: text.slice(colon + 1) });
      }
      case T.ref:
      case T.Ref: {
        const id = this.length(C.semi);
        if (id < 1 || id > this.slots.length) this.fail(`reference to unknown value ${id}`);
        const target = this.slots[id - 1];
        return type === T.ref ? this.slot(target) : target;
      }
      default:
        this.pos -= 2;
        return this.fail(`unknown type '${String.fromCharCode(type)}'`);
    }
  }

  private slot<T>(value: T): T {
    this.slots.push(value);
    return value;
  }

  /** A member's key as a property name (`unmangle`: without PHP's visibility prefix). */
  private property(k: number | bigint | string | Uint8Array, unmangle: boolean): string {
    if (typeof k === 'string') return unmangle ? unmangled(k) : k;
    if (k instanceof Uint8Array) this.fail('an array key is not UTF-8');
    return String(k);
  }

  /** `n:{key value …}` into `target`. */
  private members(target: Record<string, unknown>, depth: number, unmangle: boolean): void {
    const count = this.length(C.colon);
    this.expect(C.open);
    for (let i = 0; i < count; i++) {
      const k = this.property(this.key(), unmangle);
      assign(target, k, this.value(depth + 1));
    }
    this.expect(C.close);
  }

  /** A list while the keys run 0, 1, 2…; an object from the first key that does not. */
  private array(depth: number): unknown {
    const count = this.length(C.colon);
    this.expect(C.open);
    // The array takes its slot before its members, as in PHP (a member referring back to its
    // own array sees the list it was while it was read).
    const index = this.slots.length;
    let list: unknown[] | undefined = [];
    let record: Record<string, unknown> = {};
    this.slots.push(list);
    for (let i = 0; i < count; i++) {
      const k = this.key();
      const v = this.value(depth + 1);
      if (list !== undefined) {
        if (k === i) {
          list.push(v);
          continue;
        }
        list.forEach((item, at) => (record[at] = item));
        list = undefined;
        this.slots[index] = record;
      }
      assign(record, this.property(k, false), v);
    }
    this.expect(C.close);
    return list ?? record;
  }

  private phpObject(depth: number): unknown {
    const className = this.name(this.quoted());
    this.expect(C.colon);
    const value: Record<string, unknown> = { [PHP_CLASS]: className };
    this.slots.push(value);
    this.members(value, depth, true);
    return value;
  }
}

/** Sets a property; `__proto__` as an own property, never the prototype. */
function assign(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

/** A property name without PHP's visibility prefix ("\0*\0name" protected, "\0Class\0name" private). */
function unmangled(name: string): string {
  if (name.charCodeAt(0) !== 0) return name;
  const end = name.indexOf('\0', 1);
  return end < 0 ? name : name.slice(end + 1);
}

/**
 * Reads PHP serialize() data as plain JS data (see the module comment for the mapping).
 * @throws CodecError for anything that is not well-formed serialize() data.
 */
export function phpUnserialize(bytes: Uint8Array): unknown {
  const reader = new Unserializer(bytes);
  const value = reader.value(0);
  reader.done();
  return value;
}
