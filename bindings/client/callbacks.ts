/**
 * The application's failure and reconnect callbacks: PECL's one of each (`setFailureCallback`,
 * `setReconnectedCallback`) and any number added with `onFailure` / `onReconnect`. A callback that
 * throws is reported (a CallbackError) and never stops the others or the failback.
 */
import { CallbackError, InvalidOptionError } from '../errors.js';
import type { Client } from './client.js';

// A callback serves clients of any value type.
/** `(client, host, port)`: a failed server is back, flushed per policy, about to be used again. */
export type ReconnectCallback = (client: Client<any>, host: string, port: number) => void | Promise<void>;
/** `(client, host, port, error)`: a server went down. */
export type FailureCallback = (client: Client<any>, host: string, port: number, error: Error) => void;

/** The first line of what user code threw. */
export function describeThrown(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n', 1)[0];
}

/**
 * Refuses a callback that is not a function (or null, where null removes it) when it is
 * registered: called, it would only throw later, on the failure path, as an 'error' event.
 */
function checkCallback(method: string, callback: unknown, nullable: boolean): void {
  if (typeof callback === 'function' || (nullable && (callback === null || callback === undefined))) return;
  throw new InvalidOptionError(method, `takes a function${nullable ? ' (or null to remove it)' : ''}, got ${callback === null ? 'null' : typeof callback}`);
}

interface Address {
  name: string;
  host: string;
  port: number;
}

/** One client's callbacks; `report` receives what a callback threw. */
export class ServerCallbacks {
  private readonly reconnect = new Set<ReconnectCallback>();
  private readonly failure = new Set<FailureCallback>();
  private peclReconnect: ReconnectCallback | undefined;
  private peclFailure: FailureCallback | undefined;

  constructor(private readonly report: (error: CallbackError) => void) {}

  setReconnected(callback: ReconnectCallback | null): void {
    checkCallback('setReconnectedCallback', callback, true);
    this.peclReconnect = callback ?? undefined;
  }

  setFailure(callback: FailureCallback | null): void {
    checkCallback('setFailureCallback', callback, true);
    this.peclFailure = callback ?? undefined;
  }

  addReconnect(callback: ReconnectCallback): () => void {
    checkCallback('onReconnect', callback, false);
    this.reconnect.add(callback);
    return () => this.reconnect.delete(callback);
  }

  addFailure(callback: FailureCallback): () => void {
    checkCallback('onFailure', callback, false);
    this.failure.add(callback);
    return () => this.failure.delete(callback);
  }

  /** Calls every failure callback for `server`. */
  failed(client: Client<any>, server: Address, error: Error): void {
    for (const callback of [this.peclFailure, ...this.failure]) {
      if (!callback) continue;
      try {
        callback(client, server.host, server.port, error);
      } catch (err) {
        this.report(new CallbackError('failure callback', `a failure callback threw for ${server.name}: ${describeThrown(err)}`, err));
      }
    }
  }

  /** Runs every reconnect callback for `server`, one after another (an async one is awaited). */
  async reconnected(client: Client<any>, server: Address): Promise<void> {
    for (const callback of [this.peclReconnect, ...this.reconnect]) {
      if (!callback) continue;
      try {
        await callback(client, server.host, server.port);
      } catch (err) {
        this.report(new CallbackError('reconnect callback', `a reconnect callback threw for ${server.name}: ${describeThrown(err)}`, err));
      }
    }
  }
}
