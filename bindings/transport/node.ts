/**
 * The Node transport: `node:net` for plain TCP, `node:tls` when `tls` is set. The only module
 * that imports `node:` builtins for I/O, so non-Node entries must never import it.
 *
 * It sits on the hot path: `write` hands the bytes straight to the socket, `onData` receives
 * node's own Buffer (a Uint8Array, no copy), and corking is left to the connection layer.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ConnectError, ConnectTimeoutError } from '../errors.js';
import type { ConnectOptions, Connector, Transport, TransportHandlers } from './transport.js';

/** Idle time before the first TCP keepalive probe; the OS default (2 h) is too slow to notice a dead peer. */
const KEEPALIVE_INITIAL_DELAY_MS = 30_000;

/** Opens a TCP or TLS socket; resolves once it is usable (after the TLS handshake, if any). */
export const connectNode: Connector = (options, handlers) =>
  new Promise<Transport>((resolve, reject) => {
    const server = `${options.host}:${options.port}`;
    const secure = options.tls !== undefined && options.tls !== false;
    let socket: Socket;
    try {
      socket = secure ? tlsConnect(tlsOptions(options)) : netConnect({ host: options.host, port: options.port });
    } catch (err) {
      // Bad TLS material (unparsable `ca`, `key`…) or an invalid port throws before any I/O.
      reject(new ConnectError(server, err));
      return;
    }
    // Set on TCP connect (before any TLS handshake byte): tls.connect ignores net's noDelay/keepAlive options.
    socket.once('connect', tuneSocket);
    const readyEvent = secure ? 'secureConnect' : 'connect';
    const ms = options.connectTimeout;
    // The timer covers DNS, TCP and the TLS handshake alike; a non-positive timeout means none.
    const timer = Number.isFinite(ms) && ms > 0 ? setTimeout(() => fail(new ConnectTimeoutError(server, ms)), ms) : undefined;

    const settle = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      socket.off('close', onEarlyClose);
    };
    const fail = (err: Error): void => {
      settle();
      socket.on('error', ignore); // a destroyed socket must never crash the process
      socket.destroy();
      reject(err);
    };
    const onReady = (): void => {
      settle();
      resolve(new NodeTransport(socket, handlers));
    };
    const onError = (err: Error): void => fail(new ConnectError(server, err));
    const onEarlyClose = (): void => fail(new ConnectError(server, new Error('the socket closed before the connection was established')));

    socket.once(readyEvent, onReady);
    socket.once('error', onError);
    socket.once('close', onEarlyClose);
  });

/** node:tls options: SNI from the host name (never from an IP), the caller's options merged over it. */
function tlsOptions(options: ConnectOptions): ConnectionOptions {
  const extra = typeof options.tls === 'object' ? (options.tls as ConnectionOptions) : undefined;
  return {
    ...(isIP(options.host) === 0 ? { servername: options.host } : {}),
    ...extra,
    host: options.host,
    port: options.port,
  };
}

/** No Nagle delay (requests are already coalesced per tick), keepalive on. */
function tuneSocket(this: Socket): void {
  this.setNoDelay(true);
  this.setKeepAlive(true, KEEPALIVE_INITIAL_DELAY_MS);
}

function ignore(): void {}

/** A connected socket behind the {@link Transport} interface. */
class NodeTransport implements Transport {
  private readonly socket: Socket;
  /** First error seen; reported by `onClose`. */
  private failure: Error | undefined;
  /** True once we asked to close (`end`/`destroy`), so the peer's EOF is expected. */
  private closing = false;

  constructor(socket: Socket, handlers: TransportHandlers) {
    this.socket = socket;
    // Reported at the first sign the socket can no longer carry our bytes, not at 'close': between
    // the peer's FIN (or an error) and 'close' node refuses writes ("ended by the other party"), and
    // bytes handed over in that window would count as sent, making a write's outcome look unknown.
    let reported = false;
    const report = (error: Error | undefined): void => {
      if (reported) return;
      reported = true;
      handlers.onClose(error);
    };
    socket.on('data', (chunk: Buffer) => handlers.onData(chunk));
    // After the report nothing else is called (a write queued before the FIN may still drain).
    socket.on('drain', () => reported || handlers.onDrain());
    socket.on('error', (err: Error) => {
      this.failure ??= err;
      report(this.failure);
    });
    socket.on('end', () => {
      // The server hung up on its own: not a clean close from the client's point of view. memcached
      // never half-closes, so the connection is over.
      if (this.closing) return;
      this.failure ??= new Error('the server closed the connection');
      report(this.failure);
    });
    socket.once('close', (hadError: boolean) => {
      report(this.failure ?? (hadError ? new Error('the connection failed') : undefined));
    });
  }

  write(data: Uint8Array): boolean {
    return this.socket.write(data);
  }

  end(): void {
    this.closing = true;
    this.socket.end();
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  hold(keep: boolean): void {
    if (keep) this.socket.ref();
    else this.socket.unref();
  }
}
