// The WASM core of the Node and Bun entries: the package's build/core.wasm, else the inlined copy
// (bundles: esbuild or Rollup move the code away from the package's files, and the inlined
// copy's dynamic import travels with the bundle).
import { readFile } from 'node:fs/promises';
import { inlinedCore } from './inlined-core.js';

/** build/core.wasm beside the package's code, else (bundled: not there) the inlined copy. */
export async function packagedCore(): Promise<Uint8Array> {
  try {
    return await readFile(new URL('../../build/core.wasm', import.meta.url));
  } catch {
    return inlinedCore();
  }
}
