// The WASM core inlined in the JS as base64: for browsers, bundles, and Deno without read access.

/** The inlined core's bytes. */
export async function inlinedCore(): Promise<Uint8Array> {
  const { CORE_WASM_BASE64 } = await import('../routing/core-inline.generated.js');
  return Uint8Array.from(atob(CORE_WASM_BASE64), (c) => c.charCodeAt(0));
}
