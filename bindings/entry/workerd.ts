/**
 * Entry for Cloudflare Workers (the `workerd` export condition; wrangler and Miniflare pick it).
 * workerd refuses to compile WASM from bytes at run time, so `core.wasm` arrives as a module
 * import: wrangler's default rule (and Miniflare's `CompiledWasm`) hand over a `WebAssembly.Module`.
 * Sockets come from `cloudflare:sockets`.
 */
import wasm from '../../build/core.wasm';
import { provideWasm } from '../routing/wasm-core.js';
import { checkCloudflareTls, connectCloudflare } from '../transport/cloudflare.js';
import { provideConnector } from '../transport/default.js';

provideWasm(async () => wasm);
provideConnector(connectCloudflare, { perRequestSockets: true, checkTls: checkCloudflareTls });

export * from '../index.js';
