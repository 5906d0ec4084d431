/**
 * Entry for Bun (the `bun` export condition). The WASM core is read from the package's
 * `build/core.wasm`; sockets are Bun's native `Bun.connect`.
 */
import { useNodeBuiltins } from './node-builtins.js';
import { packagedCore } from './wasm-sources.js';
import { provideWasm } from '../routing/wasm-core.js';
import { connectBun } from '../transport/bun.js';
import { provideConnector } from '../transport/default.js';

provideWasm(packagedCore);
provideConnector(connectBun);
useNodeBuiltins();

export * from '../index.js';
