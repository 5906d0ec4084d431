/** Default entry (browsers, bundlers, anything without a filesystem): the WASM bytes are inlined. */
import { CORE_WASM_BASE64 } from '../routing/core-inline.generated.js';
import { provideWasm } from '../routing/wasm-core.js';

provideWasm(async () => Uint8Array.from(atob(CORE_WASM_BASE64), (c) => c.charCodeAt(0)));

export * from '../index.js';
