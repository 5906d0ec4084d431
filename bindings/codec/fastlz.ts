// FastLZ decompression for the php-memcached codec, run by the routing core (WASM where it
// loads, else its TS twin): php-memcached compresses values above 2000 bytes with FastLZ by default.

import { CodecError } from '../errors.js';
import type { Core } from '../routing/core.js';
import { createJsCore } from '../routing/js/core.js';
import { instantiateWasmCore } from '../routing/wasm-core.js';

let core: Core | undefined;
let loading: Promise<Core> | undefined;

/** The core the codecs share: WASM when it instantiates, else the TS twin. */
function codecCore(): Core | Promise<Core> {
  if (core) return core;
  loading ??= instantiateWasmCore().catch(() => createJsCore()).then((c) => (core = c));
  return loading;
}

function run(engine: Core, input: Uint8Array, length: number, flags: number): Uint8Array {
  const src = engine.reserveScratch(input.length + length + 8);
  const dst = src + ((input.length + 7) & ~7);
  new Uint8Array(engine.memory.buffer, src, input.length).set(input);
  const written = engine.fastlz(src, input.length, dst, length);
  if (written !== length) {
    throw new CodecError(
      `the item (flags ${flags}) is marked FastLZ-compressed to ${length} bytes but ${written < 0 ? 'is not valid FastLZ data' : `decompresses to ${written}`}: it is corrupt, or was written by a client whose flags mean something else`,
    );
  }
  return new Uint8Array(engine.memory.buffer, dst, length).slice();
}

/**
 * FastLZ-decompresses `input` into exactly `length` bytes (the length php-memcached stored).
 * @throws CodecError when the data does not decompress to that length.
 */
export function decompressFastlz(input: Uint8Array, length: number, flags: number): Uint8Array | Promise<Uint8Array> {
  const engine = codecCore();
  return engine instanceof Promise ? engine.then((e) => run(e, input, length, flags)) : run(engine, input, length, flags);
}

/** The same decompression on a given engine (tests and benchmarks compare the two). */
export function decompressFastlzWith(engine: Core, input: Uint8Array, length: number): Uint8Array {
  return run(engine, input, length, 0);
}
