/**
 * Ambient declarations for the module imports only some runtimes understand. Not emitted: the
 * published `.d.ts` files never mention these specifiers.
 */

/** `import wasm from '…/core.wasm'`: a compiled module where the host compiles it (workerd, wrangler). */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

/** Cloudflare Workers' TCP sockets (imported lazily by bindings/transport/cloudflare.ts). */
declare module 'cloudflare:sockets' {
  export function connect(
    address: string | { hostname: string; port: number },
    options?: { secureTransport?: 'off' | 'on' | 'starttls'; allowHalfOpen?: boolean },
  ): unknown;
}
