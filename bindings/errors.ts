/**
 * Every error failback throws is a {@link MemcacheError} with a stable `code`.
 * Match on `code`, not on the class name or the message: messages may improve.
 */
export type ErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_KEY'
  | 'ERR_INVALID_VALUE'
  | 'ERR_WASM_UNAVAILABLE'
  | 'ERR_PROTOCOL'
  | 'ERR_SERVER'
  | 'ERR_CLIENT'
  | 'ERR_UNKNOWN_COMMAND'
  | 'ERR_CONNECT_FAILED'
  | 'ERR_CONNECT_TIMEOUT'
  | 'ERR_COMMAND_TIMEOUT'
  | 'ERR_CONNECTION_CLOSED'
  | 'ERR_SERVER_RESTARTED'
  | 'ERR_CODEC'
  | 'ERR_CROSS_REQUEST'
  | 'ERR_QUEUE_FULL'
  | 'ERR_CLIENT_CLOSED'
  | 'ERR_CALLBACK'
  | 'ERR_ABORTED'
  | 'ERR_OFFLINE'
  | 'ERR_FAILBACK';

/** Base class of every error failback throws. */
export class MemcacheError extends Error {
  /** Stable machine-readable code; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** `host:port` of the server the error concerns, when one does (transport errors, and memcached's own answers). */
  declare readonly server?: string;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option passed to `createRouter` or `new Client` is missing or out of range. */
export class InvalidOptionError extends MemcacheError {
  /** The option's name as the user wrote it (e.g. `servers[2].weight`). */
  readonly option: string;
  constructor(option: string, message: string) {
    super('ERR_INVALID_OPTION', `${option}: ${message}`);
    this.option = option;
  }
}

/** A key memcached would reject (or could misparse); raised before any I/O. */
export class InvalidKeyError extends MemcacheError {
  constructor(message: string) {
    super('ERR_INVALID_KEY', message);
  }
}

/** A value failback cannot send (wrong type, or rejected by the codec). */
export class InvalidValueError extends MemcacheError {
  constructor(message: string) {
    super('ERR_INVALID_VALUE', message);
  }
}

/** The WASM core could not be instantiated and the JS engine was not allowed. */
export class WasmUnavailableError extends MemcacheError {
  constructor(message: string, cause?: unknown) {
    super('ERR_WASM_UNAVAILABLE', message, { cause });
  }
}

/** The server sent bytes that are not memcached's text protocol; the connection is destroyed. */
export class ProtocolError extends MemcacheError {
  constructor(message: string) {
    super('ERR_PROTOCOL', message);
  }
}

/** `SERVER_ERROR <text>`: the server could not carry out the command (e.g. the value is too large). */
export class ServerError extends MemcacheError {
  /** The server's own text after `SERVER_ERROR `. */
  readonly serverMessage: string;
  constructor(serverMessage: string) {
    super('ERR_SERVER', `memcached answered SERVER_ERROR ${serverMessage}`);
    this.serverMessage = serverMessage;
  }
}

/** `CLIENT_ERROR <text>`: the server rejected the request as malformed. */
export class ClientError extends MemcacheError {
  /** The server's own text after `CLIENT_ERROR `. */
  readonly serverMessage: string;
  constructor(serverMessage: string) {
    super('ERR_CLIENT', `memcached answered CLIENT_ERROR ${serverMessage}`);
    this.serverMessage = serverMessage;
  }
}

/** `ERROR`: the server does not know the command (an old memcached, or a proxy). */
export class UnknownCommandError extends MemcacheError {
  constructor(command: string) {
    super('ERR_UNKNOWN_COMMAND', `memcached answered ERROR to "${command}": the server does not support this command`);
  }
}

/**
 * Names the server an answer came from on an error the parser made (it knows no servers):
 * `SERVER_ERROR`, `CLIENT_ERROR`, `ERROR` and garbage are reported with their server.
 */
export function fromServer<E extends MemcacheError>(error: E, server: string): E {
  if (error.server !== undefined) return error;
  Object.defineProperty(error, 'server', { value: server, enumerable: true, configurable: true });
  error.message = `${error.message} (memcached at ${server})`;
  return error;
}

/** Base of the failures that come from the network rather than from memcached. */
export class TransportError extends MemcacheError {
  /** `host:port` of the server concerned. */
  override readonly server: string;
  /**
   * True when a write may or may not have been applied: it was sent, but no answer came.
   * Retry only idempotent commands.
   */
  readonly outcomeUnknown: boolean;
  constructor(code: ErrorCode, server: string, message: string, outcomeUnknown = false, cause?: unknown) {
    super(code, outcomeUnknown ? `${message} (the command was sent; whether it was applied is unknown)` : message, { cause });
    this.server = server;
    this.outcomeUnknown = outcomeUnknown;
  }
}

/** TCP/TLS connect failed (refused, unreachable, TLS handshake). */
export class ConnectError extends TransportError {
  /** The connection was refused (nothing listening on the port): not unreachable, not a TLS failure. */
  readonly refused: boolean;
  constructor(server: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('ERR_CONNECT_FAILED', server, `could not connect to memcached at ${server}${why}`, false, cause);
    this.refused = isRefusal(cause);
  }
}

/**
 * ECONNREFUSED as Node and Bun report it, Deno's ConnectionRefused, and workerd's "cannot connect
 * to the specified address" (workerd says no more than that, for a refusal or an unreachable host).
 */
function isRefusal(cause: unknown): boolean {
  if (!(cause instanceof Error)) return false;
  const { code } = cause as { code?: unknown };
  return code === 'ECONNREFUSED' || cause.name === 'ConnectionRefused' || /connection refused|ECONNREFUSED|cannot connect to the specified address/i.test(cause.message);
}

/** The connection was not established within `connectTimeout`. */
export class ConnectTimeoutError extends TransportError {
  constructor(server: string, ms: number) {
    super('ERR_CONNECT_TIMEOUT', server, `connecting to memcached at ${server} took longer than connectTimeout (${ms} ms)`);
  }
}

/** No answer within `timeout`; the connection was destroyed (late answers would belong to nobody). */
export class CommandTimeoutError extends TransportError {
  constructor(server: string, ms: number, outcomeUnknown: boolean) {
    super('ERR_COMMAND_TIMEOUT', server, `memcached at ${server} did not answer within timeout (${ms} ms); the connection was closed`, outcomeUnknown);
  }
}

/** The connection closed (or was destroyed) with this request still pending. */
export class ConnectionClosedError extends TransportError {
  constructor(server: string, outcomeUnknown: boolean, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('ERR_CONNECTION_CLOSED', server, `the connection to memcached at ${server} closed before the answer arrived${why}`, outcomeUnknown, cause);
  }
}

/** The per-server queue is full (`maxQueue`); back off or raise the limit. */
export class QueueFullError extends MemcacheError {
  constructor(server: string, limit: number) {
    super('ERR_QUEUE_FULL', `more than maxQueue (${limit}) requests are waiting for ${server}; slow down or raise maxQueue`);
  }
}

/**
 * The server restarted (its `stats` pid or boot time changed, or it is younger than this client
 * and was reached for the first time): it may hold copies written while this frontend treated it
 * as down, so it is failed back before any request of this client uses it. A hard failure.
 */
export class ServerRestartedError extends TransportError {
  constructor(server: string, detail: string) {
    super('ERR_SERVER_RESTARTED', server, `memcached at ${server} restarted (${detail}); it is failed back (lock, flush per failback.flush) before it is used again`);
  }
}

/** A codec could not encode a value, or decode what the server holds (the item's flags say which codec wrote it). */
export class CodecError extends MemcacheError {
  constructor(message: string, cause?: unknown) {
    super('ERR_CODEC', message, { cause });
  }
}

/**
 * The runtime refused I/O because the connection belongs to another request (Cloudflare Workers:
 * a socket belongs to the request that opened it). Not a server failure: nothing was sent, and
 * no health state changes.
 */
export class CrossRequestError extends MemcacheError {
  override readonly server: string;
  constructor(server: string, cause?: unknown) {
    super(
      'ERR_CROSS_REQUEST',
      `the connection to ${server} belongs to another request, and this runtime (Cloudflare Workers) refuses I/O on it: ` +
        'bind the client to each request with mc.forRequest(ctx) (or export default mc.wrap({ fetch }))',
      { cause },
    );
    this.server = server;
  }
}

/**
 * Your code threw: an event listener, a failure or reconnect callback. Delivered as an `error`
 * event (never thrown into failback's own work); `cause` is what was thrown.
 */
export class CallbackError extends MemcacheError {
  /** What threw: `"down" listener`, `reconnect callback`, … */
  readonly source: string;
  constructor(source: string, message: string, cause: unknown) {
    super('ERR_CALLBACK', message, { cause });
    this.source = source;
  }
}

/** The command's `signal` aborted it; `cause` is the signal's reason. */
export class AbortedError extends MemcacheError {
  constructor(cause: unknown) {
    super('ERR_ABORTED', `the command was aborted (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

/**
 * A command that cannot fail quietly met a down server whose keys are offline (failover
 * `'offline'`, or no live server left to fail over to): nothing was sent. Commands whose result
 * can say so (a miss, `false`) do that instead of throwing.
 */
export class OfflineError extends MemcacheError {
  /** `host:port` of the down server. */
  override readonly server: string;
  constructor(server: string, what: string) {
    super('ERR_OFFLINE', `${what}, and memcached at ${server} is down with its keys offline: try again once it is back (the client's 'up' event)`);
    this.server = server;
  }
}

/** The client was closed; create a new one. */
export class ClientClosedError extends MemcacheError {
  constructor() {
    super('ERR_CLIENT_CLOSED', 'the client is closed; create a new Client');
  }
}
