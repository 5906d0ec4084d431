/**
 * A byte pipe to one server. Transports know nothing of memcached: the connection layer
 * (`bindings/connection/`) speaks the protocol over whichever transport the runtime provides
 * (Node net/tls here; Workers, Deno and Bun adapters implement the same interface).
 */
export interface Transport {
  /** Queues bytes for sending. Returns false when the runtime's buffer is full (wait for `onDrain`). */
  write(data: Uint8Array): boolean;
  /** Closes after pending writes are flushed. */
  end(): void;
  /** Tears the connection down at once; `onClose` follows. */
  destroy(): void;
  /**
   * Whether this connection keeps the process alive (Node, Deno, Bun: ref / unref). The
   * connection holds it while requests wait for answers and lets go when idle, so an idle client
   * never keeps a process running. Optional: runtimes without the notion leave it out.
   */
  hold?(keep: boolean): void;
}

/** Callbacks a transport calls; `onClose` exactly once, after which nothing else is called. */
export interface TransportHandlers {
  onData(chunk: Uint8Array): void;
  /** `error` is set when the connection failed rather than closed cleanly. */
  onClose(error?: Error): void;
  onDrain(): void;
}

/** Where and how to connect. */
export interface ConnectOptions {
  host: string;
  port: number;
  /** Milliseconds to establish the connection (TCP and TLS handshake) before giving up. */
  connectTimeout: number;
  /** `true` or runtime-specific TLS options (node:tls `ConnectionOptions` on Node). */
  tls?: boolean | Record<string, unknown>;
}

/**
 * Opens a transport. Resolves once the connection is usable; rejects with `ConnectError`
 * or `ConnectTimeoutError` (from `bindings/errors.ts`), never leaving a socket behind.
 */
export type Connector = (options: ConnectOptions, handlers: TransportHandlers) => Promise<Transport>;
