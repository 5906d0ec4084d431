/** Entry for Node, Bun and Deno: the WASM core is read from the package's `build/core.wasm`. */
import { readFile } from 'node:fs/promises';
import { useNodeBuiltins } from './node-builtins.js';
import { provideWasm } from '../routing/wasm-core.js';
import { provideConnector } from '../transport/default.js';
import { connectNode } from '../transport/node.js';

provideWasm(() => readFile(new URL('../../build/core.wasm', import.meta.url)));
provideConnector(connectNode);
useNodeBuiltins();

export * from '../index.js';
