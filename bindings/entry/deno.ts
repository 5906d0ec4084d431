/**
 * Entry for Deno (the `deno` export condition). The WASM core is read from the package's
 * `build/core.wasm` when read access to it is granted (`--allow-read`); otherwise the inlined
 * copy is used, so no permission prompt appears. Sockets: `Deno.connect` / `Deno.connectTls`.
 */
import { useNodeBuiltins } from './node-builtins.js';
import { provideWasm } from '../routing/wasm-core.js';
import { inlinedCore } from './inlined-core.js';
import { provideConnector } from '../transport/default.js';
import { connectDeno } from '../transport/deno.js';

interface DenoFs {
  readFile(path: URL): Promise<Uint8Array>;
  permissions: { querySync?(descriptor: { name: 'read'; path: URL }): { state: 'granted' | 'denied' | 'prompt' } };
}

provideWasm(async () => {
  const deno = (globalThis as { Deno?: DenoFs }).Deno;
  const file = new URL('../../build/core.wasm', import.meta.url);
  try {
    // Ask first: a plain readFile without permission would make Deno prompt on a terminal.
    if (deno?.permissions.querySync?.({ name: 'read', path: file }).state === 'granted') return await deno.readFile(file);
  } catch {
    // The file is missing or unreadable: fall back to the inlined bytes.
  }
  return inlinedCore();
});
provideConnector(connectDeno);
useNodeBuiltins();

export * from '../index.js';
