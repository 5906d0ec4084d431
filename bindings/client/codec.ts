import { InvalidValueError } from '../errors.js';

/** Turns values into bytes + memcached flags and back. */
export interface Codec<T = unknown> {
  encode(value: T): { bytes: Uint8Array; flags: number };
  decode(bytes: Uint8Array, flags: number): T;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Flags failback sets so that other readers can tell what a value is. */
export const FLAG_BYTES = 0;
export const FLAG_JSON = 2;

function toBytes(value: unknown): Uint8Array {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  throw new InvalidValueError(`a value must be a string or a Uint8Array, got ${value === null ? 'null' : typeof value}; use codec: 'json' for objects`);
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

/** JSON values; flag 2 marks them. */
export const jsonCodec: Codec<unknown> = {
  encode(value) {
    const text = JSON.stringify(value);
    if (text === undefined) throw new InvalidValueError(`${typeof value} cannot be stored as JSON`);
    return { bytes: encoder.encode(text), flags: FLAG_JSON };
  },
  decode: (bytes) => JSON.parse(decodeUtf8(bytes)) as unknown,
};

/** The codec option: a name or a user codec. */
export type CodecOption = 'utf8' | 'bytes' | 'json' | Codec<unknown>;

export function resolveCodec(option: CodecOption | undefined): Codec<unknown> {
  if (option === undefined || option === 'utf8') return utf8Codec as Codec<unknown>;
  if (option === 'bytes') return bytesCodec as Codec<unknown>;
  if (option === 'json') return jsonCodec;
  return option;
}
