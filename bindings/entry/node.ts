/** Entry for Node, Bun and Deno: the WASM core is read from the package's `build/core.wasm`. */
import { readFile } from 'node:fs/promises';
import { provideWasm } from '../routing/wasm-core.js';

provideWasm(() => readFile(new URL('../../build/core.wasm', import.meta.url)));

export * from '../index.js';
