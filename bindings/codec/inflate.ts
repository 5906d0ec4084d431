// zlib-format inflate for the PHP codecs (both PHP extensions compress with zlib's compress()).
// Node, Deno and Bun entries register node:zlib's synchronous inflate; elsewhere (Workers,
// browsers) the standard DecompressionStream does it, asynchronously.

import { CodecError } from '../errors.js';

/** Inflates zlib-format `bytes` into at most `maxBytes`; a failure throws (any error). */
export type Inflate = (bytes: Uint8Array, maxBytes: number) => Uint8Array | Promise<Uint8Array>;

let provided: Inflate | undefined;

/** Registers the runtime's synchronous inflate (called by the Node, Deno and Bun entries). */
export function provideInflate(inflate: Inflate): void {
  provided = inflate;
}

async function inflateWithStreams(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') throw new Error('this runtime has neither node:zlib nor DecompressionStream');
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate'));
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > maxBytes) throw new Error(`more than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function failed(flags: number, err: unknown): CodecError {
  return new CodecError(
    `the item (flags ${flags}) is marked zlib-compressed but does not inflate (${err instanceof Error ? err.message : String(err)}): it is corrupt, or was written by a client whose flags mean something else`,
    err,
  );
}

/**
 * Inflates an item's zlib bytes (synchronously where the runtime allows).
 * @throws CodecError when the bytes do not inflate or inflate beyond `maxBytes`.
 */
export function inflateItem(bytes: Uint8Array, flags: number, maxBytes: number): Uint8Array | Promise<Uint8Array> {
  if (provided === undefined) return inflateWithStreams(bytes, maxBytes).catch((err: unknown) => Promise.reject(failed(flags, err)));
  try {
    const out = provided(bytes, maxBytes);
    return out instanceof Uint8Array ? out : out.catch((err: unknown) => Promise.reject(failed(flags, err)));
  } catch (err) {
    throw failed(flags, err);
  }
}
