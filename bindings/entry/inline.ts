/** Default entry (browsers, bundlers, anything without a filesystem): the WASM bytes are inlined. */
import { provideWasm } from '../routing/wasm-core.js';
import { inlinedCore } from './inlined-core.js';

provideWasm(inlinedCore);

export * from '../index.js';
