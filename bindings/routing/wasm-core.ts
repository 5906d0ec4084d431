import { WasmUnavailableError } from '../errors.js';
import type { Core } from './core.js';

/** What a runtime entry hands over: a compiled module (workerd), or the bytes of `core.wasm`. */
export type WasmSource = WebAssembly.Module | BufferSource;

let provider: (() => Promise<WasmSource>) | undefined;
let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * Registers where the WASM core comes from. Each runtime entry (`bindings/entry/*`) calls this
 * once; the module is compiled on first use and shared by every router.
 */
export function provideWasm(source: () => Promise<WasmSource>): void {
  provider = source;
  compiled = undefined;
}

async function compile(): Promise<WebAssembly.Module> {
  if (!provider) throw new WasmUnavailableError('no WASM source was registered: import failback through its package entry');
  const source = await provider();
  return source instanceof WebAssembly.Module ? source : WebAssembly.compile(source);
}

/** A fresh core instance (own memory) of the shared compiled module. */
export async function instantiateWasmCore(): Promise<Core> {
  compiled ??= compile();
  let module: WebAssembly.Module;
  try {
    module = await compiled;
  } catch (err) {
    compiled = undefined;
    throw err instanceof WasmUnavailableError ? err : new WasmUnavailableError(`the WASM core could not be compiled: ${String(err)}`, err);
  }
  // Zero imports by construction (runtime stub, abort elided): `{}` is the whole import object.
  try {
    const instance = await WebAssembly.instantiate(module, {});
    return instance.exports as unknown as Core;
  } catch (err) {
    throw new WasmUnavailableError(`the WASM core could not be instantiated: ${String(err)}`, err);
  }
}
