/**
 * The Cloudflare Workers (workerd) transport: `connect()` from `cloudflare:sockets`.
 *
 * `cloudflare:sockets` is imported lazily, on the first connect, so loading this module anywhere
 * else is harmless. TLS is `secureTransport: 'on'`: workerd verifies the server against the public
 * CAs by the host name; it takes no CA, certificate or key options.
 * Note that Cloudflare's network refuses connections to private addresses; workerd run locally
 * (wrangler dev, Miniflare) allows them.
 */
import { ConnectError, ConnectTimeoutError, CrossRequestError, InvalidOptionError } from '../errors.js';
import { ignore, StreamTransport, type StreamLeg } from './streams.js';
import type { ConnectOptions, Connector, Transport } from './transport.js';

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

/**
 * workerd's refusal of I/O on an object another request created ("Cannot perform I/O on behalf of
 * a different request"): thrown before anything is sent.
 */
export function isCrossRequestError(error: unknown): boolean {
  return error instanceof Error && /Cannot perform I\/O on behalf of a different request/.test(error.message);
}

/** Opens one socket and waits until it is open (or `connectTimeout` passes). */
async function openSocket(connect: CloudflareConnect, options: ConnectOptions, secure: boolean): Promise<StreamLeg> {
  const server = `${options.host}:${options.port}`;
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
  return {
    streams: socket,
    control: {
      // Closing the writable is workerd's half-close: the readable stays open until the server's EOF.
      closeWrite: (writer) => writer.close(),
      close: () => {
        socket.close().catch(ignore);
      },
    },
  };
}

/** workerd verifies servers against the public CAs by host name and takes no TLS options. */
export function checkCloudflareTls(tls: boolean | Record<string, unknown> | undefined): void {
  if (typeof tls === 'object' && tls !== null && Object.keys(tls).length > 0) {
    throw new InvalidOptionError(
      'tls',
      `Cloudflare Workers take no TLS options (got ${Object.keys(tls).join(', ')}): pass tls: true; the server is verified against public CAs`,
    );
  }
}

/**
 * Opens a TCP (or TLS) socket with `cloudflare:sockets`; resolves once it is open.
 *
 * A Workers socket belongs to the request that opened it: a later request (of the same isolate)
 * writing to it is refused before anything is sent, and the runtime closes it when its request
 * ends. The transport then opens a fresh socket from the writing request and sends the refused
 * bytes there, so a client kept across requests (module scope) goes on working, and the refusal
 * never reaches the health layer as a server failure. It does so only while the old socket owes
 * nothing: a socket shared by requests in flight at the same time, with answers pending, still
 * fails (see StreamTransport's `Reopen`).
 */
export const connectCloudflare: Connector = async (options, handlers) => {
  const server = `${options.host}:${options.port}`;
  const secure = options.tls !== undefined && options.tls !== false;
  checkCloudflareTls(options.tls);
  let connect: CloudflareConnect;
  try {
    connect = await loadConnect();
  } catch (err) {
    throw new ConnectError(server, new Error(`cloudflare:sockets is only available in Cloudflare Workers (workerd): ${String(err)}`, { cause: err }));
  }
  const first = await openSocket(connect, options, secure);
  // A refusal that could not be replayed ends the transport as what it is: the runtime's, not the server's.
  const classified = { ...handlers, onClose: (error?: Error) => handlers.onClose(isCrossRequestError(error) ? new CrossRequestError(server, error) : error) };
  const transport: Transport = new StreamTransport(first.streams, first.control, classified, (error) =>
    isCrossRequestError(error) ? () => openSocket(connect, options, secure) : undefined,
  );
  return transport;
};
