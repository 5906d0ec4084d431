/**
 * The Cloudflare Workers (workerd) transport: `connect()` from `cloudflare:sockets`.
 *
 * `cloudflare:sockets` is imported lazily, on the first connect, so loading this module anywhere
 * else is harmless. TLS is `secureTransport: 'on'`: workerd verifies the server against the public
 * CAs by the host name; it takes no CA, certificate or key options.
 * Note that Cloudflare's network refuses connections to private addresses; workerd run locally
 * (wrangler dev, Miniflare) allows them.
 */
import { ConnectError, ConnectTimeoutError, InvalidOptionError } from '../errors.js';
import { ignore, StreamTransport } from './streams.js';
import type { Connector, Transport } from './transport.js';

/** The part of a `cloudflare:sockets` Socket that is used. */
interface CloudflareSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  close(): Promise<void>;
}

type CloudflareConnect = (
  address: { hostname: string; port: number },
  options?: { secureTransport?: 'off' | 'on' | 'starttls'; allowHalfOpen?: boolean },
) => CloudflareSocket;

let sockets: Promise<CloudflareConnect> | undefined;

function loadConnect(): Promise<CloudflareConnect> {
  sockets ??= import('cloudflare:sockets').then((m) => m.connect as CloudflareConnect);
  sockets.catch(() => {
    sockets = undefined;
  });
  return sockets;
}

/** Opens a TCP (or TLS) socket with `cloudflare:sockets`; resolves once it is open. */
export const connectCloudflare: Connector = async (options, handlers) => {
  const server = `${options.host}:${options.port}`;
  const secure = options.tls !== undefined && options.tls !== false;
  if (typeof options.tls === 'object' && options.tls !== null && Object.keys(options.tls).length > 0) {
    throw new InvalidOptionError(
      'tls',
      `Cloudflare Workers take no TLS options (got ${Object.keys(options.tls).join(', ')}): pass tls: true; the server is verified against public CAs`,
    );
  }
  let connect: CloudflareConnect;
  try {
    connect = await loadConnect();
  } catch (err) {
    throw new ConnectError(server, new Error(`cloudflare:sockets is only available in Cloudflare Workers (workerd): ${String(err)}`, { cause: err }));
  }
  let socket: CloudflareSocket;
  try {
    socket = connect({ hostname: options.host, port: options.port }, { secureTransport: secure ? 'on' : 'off', allowHalfOpen: false });
  } catch (err) {
    throw new ConnectError(server, err);
  }

  const ms = options.connectTimeout;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    if (Number.isFinite(ms) && ms > 0) timer = setTimeout(() => reject(new ConnectTimeoutError(server, ms)), ms);
  });
  try {
    await Promise.race([socket.opened, timeout]);
  } catch (err) {
    socket.close().catch(ignore);
    throw err instanceof ConnectTimeoutError ? err : new ConnectError(server, err);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const transport: Transport = new StreamTransport(
    socket,
    {
      // Closing the writable is workerd's half-close: the readable stays open until the server's EOF.
      closeWrite: (writer) => writer.close(),
      close: () => {
        socket.close().catch(ignore);
      },
    },
    handlers,
  );
  return transport;
};
