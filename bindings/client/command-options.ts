/**
 * What every command takes as its last argument: an `AbortSignal`, a `timeout` of its own, and for
 * writes `noreply`. Checked before anything is sent; an abort rejects at once, before or while
 * the command is in flight (its answer, when it comes, is read and dropped: the connection stays
 * in step).
 */
import { AbortedError, InvalidOptionError } from '../errors.js';

/** Options every command accepts. */
export interface CommandOptions {
  /** Rejects the command with `AbortedError` (`ERR_ABORTED`) when it aborts. An aborted write may still have been applied. */
  signal?: AbortSignal;
  /** Milliseconds to wait for this command's answer, from when its bytes reach the socket (instead of the client's `timeout`). */
  timeout?: number;
}

/** Options of the write commands. */
export interface StoreOptions extends CommandOptions {
  /** Seconds until the item expires (0 = never; above 30 days a Unix time). @default 0 */
  ttl?: number;
  /** Client flags stored with the item; the codec's flags when omitted. */
  flags?: number;
  /**
   * Send without asking memcached to answer: the promise resolves once the bytes are written
   * (`true` for writes, `undefined` for incr/decr), and a failure of the write is not reported.
   */
  noreply?: boolean;
}

/** Checks what a command was given; @throws InvalidOptionError naming the bad field. */
export function checkCommandOptions(options: StoreOptions | undefined): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', `must be an object, got ${options === null ? 'null' : typeof options}`);
  const { signal, timeout, noreply } = options;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
    throw new InvalidOptionError('signal', 'must be an AbortSignal');
  }
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
    throw new InvalidOptionError('timeout', `must be a positive number of milliseconds, got ${String(timeout)}`);
  }
  if (noreply !== undefined && typeof noreply !== 'boolean') throw new InvalidOptionError('noreply', `must be a boolean, got ${typeof noreply}`);
  if (signal?.aborted) throw new AbortedError(signal.reason);
}

/** `promise`, rejected with AbortedError as soon as `signal` aborts. */
export function abortable<R>(promise: Promise<R>, signal: AbortSignal | undefined): Promise<R> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new AbortedError(signal.reason));
  return new Promise<R>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
