/**
 * The Deno transport: `Deno.connect`, or `Deno.connectTls` when `tls` is set. Needs
 * `--allow-net` for the servers (e.g. `--allow-net=10.0.0.5:11211`).
 *
 * `tls` may be `true` or `Deno.connectTls` options (`caCerts`, `cert`, `key`, `alpnProtocols`);
 * node:tls-style `ca` (PEM string or array) is accepted as `caCerts`. The server is verified by
 * `host` (SNI and certificate name).
 */
import { ConnectError, ConnectTimeoutError } from '../errors.js';
import { ignore, StreamTransport } from './streams.js';
import type { ConnectOptions, Connector } from './transport.js';

/** The part of a `Deno.Conn` / `Deno.TlsConn` that is used. */
interface DenoConn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  close(): void;
  closeWrite(): Promise<void>;
  handshake?(): Promise<unknown>;
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(keepAlive?: boolean): void;
  ref?(): void;
  unref?(): void;
}

interface DenoNamespace {
  connect(options: { hostname: string; port: number; transport?: 'tcp' }): Promise<DenoConn>;
  connectTls(options: { hostname: string; port: number } & Record<string, unknown>): Promise<DenoConn>;
}

function deno(): DenoNamespace | undefined {
  return (globalThis as { Deno?: DenoNamespace }).Deno;
}

function closeQuietly(conn: DenoConn): void {
  try {
    conn.close();
  } catch {
    // Already closed (Deno closes the resource itself at EOF).
  }
}

function tlsOptions(options: ConnectOptions): { hostname: string; port: number } & Record<string, unknown> {
  const extra: Record<string, unknown> = typeof options.tls === 'object' && options.tls !== null ? { ...options.tls } : {};
  if (extra.ca !== undefined && extra.caCerts === undefined) {
    extra.caCerts = Array.isArray(extra.ca) ? extra.ca : [extra.ca];
    delete extra.ca;
  }
  return { ...extra, hostname: options.host, port: options.port };
}

/** Opens a TCP or TLS connection with Deno's own API; resolves once it is usable (TLS handshake done). */
export const connectDeno: Connector = async (options, handlers) => {
  const server = `${options.host}:${options.port}`;
  const api = deno();
  if (!api) throw new ConnectError(server, new Error('the Deno transport needs the Deno runtime (globalThis.Deno is missing)'));
  const secure = options.tls !== undefined && options.tls !== false;

  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ms = options.connectTimeout;
  const timeout = new Promise<never>((_, reject) => {
    if (Number.isFinite(ms) && ms > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new ConnectTimeoutError(server, ms));
      }, ms);
    }
  });

  let conn: DenoConn | undefined;
  const opening = (async () => {
    const c = secure ? await api.connectTls(tlsOptions(options)) : await api.connect({ hostname: options.host, port: options.port, transport: 'tcp' });
    // A connect that completes after the timeout must not leave a socket behind.
    if (timedOut) {
      closeQuietly(c);
      return c;
    }
    conn = c;
    if (secure) await c.handshake?.();
    return c;
  })();
  opening.catch(ignore);

  try {
    await Promise.race([opening, timeout]);
  } catch (err) {
    if (conn) closeQuietly(conn);
    throw err instanceof ConnectTimeoutError ? err : new ConnectError(server, err);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const c = conn as unknown as DenoConn;
  try {
    c.setNoDelay?.(true);
    c.setKeepAlive?.(true);
  } catch {
    // Not available on this connection type.
  }
  return new StreamTransport(
    c,
    {
      closeWrite: () => c.closeWrite().catch(ignore),
      close: () => closeQuietly(c),
      hold: (keep) => (keep ? c.ref?.() : c.unref?.()),
    },
    handlers,
  );
};
