/**
 * The runtime's default {@link Connector}. Each package entry (`bindings/entry/*`) registers the
 * transport of its runtime once; a client built without a `connector` option uses it.
 */
import { InvalidOptionError } from '../errors.js';
import type { Connector } from './transport.js';

let registered: Connector | undefined;
let traits: RuntimeTraits = {};

/** What the client must know of the runtime that goes with its transport. */
export interface RuntimeTraits {
  /**
   * A socket belongs to the request that opened it (Cloudflare Workers): each request needs its
   * own connections (`client.forRequest(ctx)`), and timers die with their request.
   */
  perRequestSockets?: boolean;
  /** Throws InvalidOptionError for a `tls` option the transport cannot honour (checked at construction). */
  checkTls?(tls: boolean | Record<string, unknown>): void;
}

/** Registers the connector used when none is passed, and its runtime's traits (called by the runtime entries). */
export function provideConnector(connector: Connector, runtime: RuntimeTraits = {}): void {
  if (typeof connector !== 'function') throw new InvalidOptionError('connector', `must be a function (a Connector), got ${typeof connector}`);
  registered = connector;
  traits = runtime;
}

/** The traits registered with the default connector. */
export function runtimeTraits(): RuntimeTraits {
  return traits;
}

/**
 * The registered connector.
 *
 * @throws InvalidOptionError (`option === 'connector'`) when no entry registered one: the package was
 * loaded through its `default` (browser/bundler) entry, where there is no TCP, or a module below the
 * package entry was imported directly.
 */
export function defaultConnector(): Connector {
  if (registered) return registered;
  throw new InvalidOptionError(
    'connector',
    'no transport for this runtime: failback opens TCP sockets on Node, Bun, Deno and Cloudflare Workers (workerd) when imported as ' +
      "'failback'; elsewhere (browsers) pass a `connector` option, or use only createRouter",
  );
}
