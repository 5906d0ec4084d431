import { CodecError, InvalidOptionError, InvalidValueError, MemcacheError } from '../errors.js';
import { utf8Bytes } from '../protocol/bytes.js';
import { phpMemcacheCodec } from './php-memcache.js';
import { phpMemcachedCodec } from './php-memcached.js';

/**
 * Turns values into bytes + memcached flags and back. `decode` may return a promise (the PHP
 * codecs do for zlib items where the runtime has only DecompressionStream).
 */
export interface Codec<T = unknown> {
  encode(value: T): { bytes: Uint8Array; flags: number };
  decode(bytes: Uint8Array, flags: number): T | Promise<T>;
}

const decoder = new TextDecoder();

/** Flags failback sets so that other readers can tell what a value is. */
export const FLAG_BYTES = 0;
/**
 * The json codec's flag: an application bit (bit 16) that PECL memcache, php-memcached,
 * pylibmc, pymemcache and Dalli all read as a plain string, so PHP sees the JSON text (flag 2,
 * used before, is "compressed" to PECL memcache and a float to php-memcached).
 */
export const FLAG_JSON = 0x10000;

/** memcached stores flags as a 32-bit unsigned integer. */
const MAX_FLAGS = 0xffffffff;

/** An {@link InvalidValueError} carrying what the codec threw (the class takes no cause of its own). */
function invalidValue(message: string, cause?: unknown): InvalidValueError {
  const error = new InvalidValueError(message);
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true });
  return error;
}

/** The first line of what a codec threw (V8 explains a cycle over several lines; the cause keeps them). */
function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n', 1)[0];
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeof value;
}

function toBytes(value: unknown): Uint8Array {
  if (typeof value === 'string') return utf8Bytes(value);
  if (value instanceof Uint8Array) return value;
  throw invalidValue(`a value must be a string or a Uint8Array, got ${describeValue(value)}; use codec: 'json' for objects`);
}

/** Node's Buffer decodes short UTF-8 about twice as fast as TextDecoder; values read on Node are Buffers. */
type NodeBufferView = Uint8Array & { utf8Slice?: (start: number, end: number) => string };
function decodeUtf8(bytes: Uint8Array): string {
  const view = bytes as NodeBufferView;
  return view.utf8Slice !== undefined ? view.utf8Slice(0, view.length) : decoder.decode(bytes);
}

/** Strings in, UTF-8 strings out (the default). Uint8Array values are stored as given. */
export const utf8Codec: Codec<string> = {
  encode: (value) => ({ bytes: toBytes(value), flags: FLAG_BYTES }),
  decode: decodeUtf8,
};

/** Raw bytes out (strings in are stored as UTF-8). */
export const bytesCodec: Codec<Uint8Array> = {
  encode: (value) => ({ bytes: toBytes(value), flags: FLAG_BYTES }),
  decode: (bytes) => bytes,
};

/** JSON values, marked with {@link FLAG_JSON}; any item whose bytes are JSON is read, whatever its flags. */
export const jsonCodec: Codec<unknown> = {
  encode(value) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (err) {
      // A BigInt, a cycle, or a toJSON that throws.
      throw invalidValue(`the value cannot be stored as JSON (${reason(err)}); store plain data (no BigInt, no cycles), or pass a codec of your own`, err);
    }
    if (text === undefined) throw invalidValue(`${typeof value} cannot be stored as JSON; store plain data, or pass a codec of your own`);
    return { bytes: utf8Bytes(text), flags: FLAG_JSON };
  },
  decode(bytes, flags) {
    try {
      return JSON.parse(decodeUtf8(bytes)) as unknown;
    } catch (err) {
      throw new CodecError(
        `the item (flags ${flags}, ${bytes.length} bytes) is not JSON (${reason(err)}); the json codec expects what it wrote (flags ${FLAG_JSON}): the item was probably written by another client or codec`,
        err,
      );
    }
  },
};

/**
 * Encodes `value` with `codec` and checks what it returned. Every failure is an
 * {@link InvalidValueError} (what a codec threw is its `cause`); a {@link MemcacheError} the
 * codec throws itself passes through.
 */
export function encodeWith(codec: Codec<unknown>, value: unknown): { bytes: Uint8Array; flags: number } {
  let encoded: { bytes: Uint8Array; flags: number };
  try {
    encoded = codec.encode(value);
  } catch (err) {
    if (err instanceof MemcacheError) throw err;
    throw invalidValue(`the codec could not encode the value (${reason(err)}); pass a value your codec accepts`, err);
  }
  if (encoded === null || typeof encoded !== 'object' || !(encoded.bytes instanceof Uint8Array) || encoded.flags >>> 0 !== encoded.flags) {
    throw invalidValue(`codec.encode must return { bytes: Uint8Array, flags: an integer from 0 to ${MAX_FLAGS} }, got ${describeEncoded(encoded)}`);
  }
  return encoded;
}

function describeEncoded(encoded: unknown): string {
  if (encoded === null || typeof encoded !== 'object') return describeValue(encoded);
  const { bytes, flags } = encoded as { bytes?: unknown; flags?: unknown };
  return `{ bytes: ${bytes instanceof Uint8Array ? 'Uint8Array' : describeValue(bytes)}, flags: ${typeof flags === 'number' ? flags : describeValue(flags)} }`;
}

/**
 * Decodes an item's bytes with `codec`. A failure is a {@link CodecError} naming the item's flags
 * (what the codec threw is its `cause`); a {@link MemcacheError} the codec throws itself passes through.
 */
export function decodeWith(codec: Codec<unknown>, bytes: Uint8Array, flags: number): unknown {
  try {
    const value = codec.decode(bytes, flags);
    return value instanceof Promise ? value.catch((err: unknown) => Promise.reject(decodeError(err, bytes, flags))) : value;
  } catch (err) {
    throw decodeError(err, bytes, flags);
  }
}

/** What a codec's decode threw, as the client reports it (built only on failure: decode is hot). */
function decodeError(err: unknown, bytes: Uint8Array, flags: number): MemcacheError {
  if (err instanceof MemcacheError) return err;
  return new CodecError(
    `the codec could not decode the item (flags ${flags}, ${bytes.length} bytes): ${reason(err)}; the item was probably written by another client or codec: check which flags your codec expects`,
    err,
  );
}

/** The codec option: a name or a user codec. */
export type CodecOption = 'utf8' | 'bytes' | 'json' | 'php-memcache' | 'php-memcached' | Codec<unknown>;

function missingMethods(codec: object): string {
  const missing = (['encode', 'decode'] as const).filter((name) => typeof (codec as Partial<Codec>)[name] !== 'function');
  return missing.length === 2 ? 'encode and decode are' : `${missing[0]} is`;
}

/** The codec an option names; @throws InvalidOptionError for anything else. */
export function resolveCodec(option: CodecOption | undefined): Codec<unknown> {
  if (option === undefined || option === 'utf8') return utf8Codec as Codec<unknown>;
  if (option === 'bytes') return bytesCodec as Codec<unknown>;
  if (option === 'json') return jsonCodec;
  if (option === 'php-memcache') return phpMemcacheCodec();
  if (option === 'php-memcached') return phpMemcachedCodec();
  if (option !== null && typeof option === 'object' && typeof option.encode === 'function' && typeof option.decode === 'function') return option;
  const got = option !== null && typeof option === 'object' ? `an object whose ${missingMethods(option)} not a function` : describeValue(option);
  throw new InvalidOptionError('codec', `must be 'utf8', 'bytes', 'json', 'php-memcache', 'php-memcached' or an object with encode(value) and decode(bytes, flags) functions, got ${got}`);
}
