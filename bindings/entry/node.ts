/** Entry for Node: the WASM core is read from the package's `build/core.wasm` (the inlined copy when bundled). */
import { useNodeBuiltins } from './node-builtins.js';
import { packagedCore } from './wasm-sources.js';
import { provideWasm } from '../routing/wasm-core.js';
import { provideConnector } from '../transport/default.js';
import { connectNode } from '../transport/node.js';

provideWasm(packagedCore);
provideConnector(connectNode);
useNodeBuiltins();

export * from '../index.js';
