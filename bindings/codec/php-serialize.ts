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
  try {
    return strictUtf8.decode(raw);
  } catch {
    // A copy, and a plain Uint8Array (item values can be Buffer views of a socket chunk).
    return new Uint8Array(raw);
  }
}

/** ASCII bytes as a string (numbers and names in PHP's formats). */
export function ascii(raw: Uint8Array): string {
  let text = '';
  for (let i = 0; i < raw.length; i++) text += String.fromCharCode(raw[i]);
  return text;
}

/** A decimal string PHP turns into an integer array key ("5", "-3", not "05" or "1.0"). */
function integerKey(key: string): boolean {
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
        return this.string(encoder.encode(value));
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
      this.string(encoder.encode(key));
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
        this.string(encoder.encode(k));
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
    let text = '';
    for (let i = this.pos; i < stop; i++) text += String.fromCharCode(this.bytes[i]);
    this.pos = stop + 1;
    return text;
  }

  private length(end: number): number {
    const text = this.until(end);
    if (!/^[0-9]{1,10}$/.test(text)) this.fail(`bad length "${text}"`);
    return Number(text);
  }

  private integer(text: string): number | bigint {
    return parsePhpInt(text) ?? this.fail(`bad integer "${text}"`);
  }

  private float(text: string): number {
    return parsePhpFloat(text) ?? this.fail(`bad float "${text}"`);
  }

  /** `len:"bytes"` (after the type letter and colon): the raw bytes. */
  private quoted(): Uint8Array {
    const len = this.length(C.colon);
    this.expect(C.quote);
    if (this.pos + len > this.bytes.length) this.fail(`string of ${len} bytes runs past the end`);
    const raw = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    this.expect(C.quote);
    return raw;
  }

  private text(raw: Uint8Array): string | Uint8Array {
    return textOrBytes(raw);
  }

  private name(raw: Uint8Array): string {
    const name = this.text(raw);
    if (typeof name !== 'string') this.fail('class name is not UTF-8');
    return name;
  }

  /** One value; `key` for array keys, which PHP does not number (nor `R:`). */
  value(depth: number, key = false): unknown {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const type = this.bytes[this.pos++];
    if (type === 0x4e /* N */) {
      this.expect(C.semi);
      return this.slot(key, null);
    }
    if (type === undefined) this.fail('unexpected end');
    this.expect(C.colon);
    switch (String.fromCharCode(type)) {
      case 'b': {
        const text = this.until(C.semi);
        if (text !== '0' && text !== '1') this.fail(`bad boolean "${text}"`);
        return this.slot(key, text === '1');
      }
      case 'i':
        return this.slot(key, this.integer(this.until(C.semi)));
      case 'd':
        return this.slot(key, this.float(this.until(C.semi)));
      case 's': {
        const raw = this.quoted();
        this.expect(C.semi);
        return this.slot(key, this.text(raw));
      }
      case 'a':
        if (key) this.fail('an array cannot be a key');
        return this.array(depth);
      case 'O':
        if (key) this.fail('an object cannot be a key');
        return this.phpObject(depth);
      case 'C': {
        if (key) this.fail('an object cannot be a key');
        const className = this.name(this.quoted());
        this.expect(C.colon);
        const len = this.length(C.colon);
        this.expect(C.open);
        if (this.pos + len > this.bytes.length) this.fail(`custom data of ${len} bytes runs past the end`);
        const data = this.text(this.bytes.subarray(this.pos, this.pos + len));
        this.pos += len;
        this.expect(C.close);
        if (typeof data !== 'string') this.fail('custom-serialized data is not UTF-8');
        return this.slot(false, { [PHP_CLASS]: className, __serialized: data });
      }
      case 'E': {
        if (key) this.fail('an enum cannot be a key');
        const text = this.name(this.quoted());
        this.expect(C.semi);
        const colon = text.indexOf(':');
        if (colon <= 0) this.fail(`bad enum "${text}"`);
        return this.slot(false, { [PHP_CLASS]: text.slice(0, colon), __case: text.slice(colon + 1) });
      }
      case 'r':
      case 'R': {
        if (key) this.fail('a reference cannot be a key');
        const id = this.length(C.semi);
        if (id < 1 || id > this.slots.length) this.fail(`reference to unknown value ${id}`);
        const target = this.slots[id - 1];
        return type === 0x72 /* r */ ? this.slot(false, target) : target;
      }
      default:
        this.pos--;
        return this.fail(`unknown type '${String.fromCharCode(type)}'`);
    }
  }

  private slot<T>(key: boolean, value: T): T {
    if (!key) this.slots.push(value);
    return value;
  }

  /** `n:{key value …}` into `target`; true when the keys were exactly 0..n-1 in order. */
  private members(target: Record<string, unknown>, depth: number, unmangle: boolean): boolean {
    const count = this.length(C.colon);
    this.expect(C.open);
    let list = true;
    for (let i = 0; i < count; i++) {
      const k = this.value(depth + 1, true);
      if (typeof k !== 'number' && typeof k !== 'string') this.fail('an array key must be an int or a string');
      if (k !== i) list = false;
      const v = this.value(depth + 1);
      const name = unmangle && typeof k === 'string' ? unmangled(k) : String(k);
      if (name === '__proto__') Object.defineProperty(target, name, { value: v, enumerable: true, writable: true, configurable: true });
      else target[name] = v;
    }
    this.expect(C.close);
    return list;
  }

  private array(depth: number): unknown {
    // The array takes its slot before its members, as in PHP (a member referring back to its
    // own array sees the object form).
    const index = this.slots.length;
    const record: Record<string, unknown> = {};
    this.slots.push(record);
    const list = this.members(record, depth, false);
    const value = list ? Object.values(record) : record;
    this.slots[index] = value;
    return value;
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
