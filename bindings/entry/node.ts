/** Entry for Node, Bun and Deno: the WASM core is read from the package's `build/core.wasm`. */
import { readFile } from 'node:fs/promises';
import { useNodeZlib } from '../codec/node-zlib.js';
import { provideWasm } from '../routing/wasm-core.js';
import { provideConnector } from '../transport/default.js';
import { connectNode } from '../transport/node.js';

provideWasm(() => readFile(new URL('../../build/core.wasm', import.meta.url)));
provideConnector(connectNode);
useNodeZlib();

export * from '../index.js';
