// node:zlib's synchronous inflate for the PHP codecs, registered by the Node, Deno and Bun
// entries (all three implement node:zlib); kept out of the default entry, which browsers load.

import { inflateSync } from 'node:zlib';
import { provideInflate } from './inflate.js';

/** Registers node:zlib as the codecs' inflate. */
export function useNodeZlib(): void {
  provideInflate((bytes, maxBytes) => inflateSync(bytes, { maxOutputLength: Math.max(1, maxBytes) }));
}
