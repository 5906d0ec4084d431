/**
 * A {@link Transport} over a WHATWG `{ readable, writable }` byte-stream pair: the shape of
 * `cloudflare:sockets` sockets and of `Deno.Conn`. No `node:` imports, no memcached knowledge.
 */
import type { Transport, TransportHandlers } from './transport.js';

/** Bytes queued in the writable (not yet taken by the runtime) above which `write()` returns false. */
export const WRITE_HIGH_WATER_MARK = 64 * 1024;

/** A connected socket as two web streams. */
export interface StreamPair {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** How to shut the underlying socket: both idempotent, neither may throw. */
export interface StreamSocketControl {
  /** Sends FIN; called once every queued write has completed. */
  closeWrite(writer: WritableStreamDefaultWriter<Uint8Array>): Promise<void>;
  /** Closes both directions now. */
  close(): void;
}

type State = 'open' | 'ending' | 'destroyed' | 'closed';

export class StreamTransport implements Transport {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly control: StreamSocketControl;
  private readonly handlers: TransportHandlers;
  private state: State = 'open';
  /** First error seen; `onClose` reports it. */
  private failure: Error | undefined;
  /** Bytes handed to the writer whose write has not completed. */
  private inFlight = 0;
  private needDrain = false;
  /** Settles when the last queued write has (writes complete in order). */
  private lastWrite: Promise<unknown> = Promise.resolve();

  constructor(streams: StreamPair, control: StreamSocketControl, handlers: TransportHandlers) {
    this.reader = streams.readable.getReader();
    this.writer = streams.writable.getWriter();
    this.control = control;
    this.handlers = handlers;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) break;
        if (this.state === 'destroyed' || this.state === 'closed') return;
        if (value.byteLength > 0) this.handlers.onData(value);
      }
      // EOF: expected after end(); the server hanging up on its own is not a clean close.
      if (this.state === 'open') this.failure ??= new Error('the server closed the connection');
    } catch (err) {
      if (this.state !== 'destroyed') this.failure ??= toError(err);
    }
    this.finish();
  }

  write(data: Uint8Array): boolean {
    if (this.state !== 'open') return false;
    const n = data.byteLength;
    this.inFlight += n;
    const written = this.writer.write(data);
    this.lastWrite = written;
    written.then(
      () => {
        this.inFlight -= n;
        if (this.needDrain && this.inFlight === 0 && this.state === 'open') {
          this.needDrain = false;
          this.handlers.onDrain();
        }
      },
      (err: unknown) => this.fail(err),
    );
    if (this.inFlight < WRITE_HIGH_WATER_MARK) return true;
    this.needDrain = true;
    return false;
  }

  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ending';
    // FIN once every queued write is done; the read loop then runs until the server's EOF.
    this.lastWrite.then(() => (this.state === 'ending' ? this.control.closeWrite(this.writer) : undefined)).catch((err: unknown) => this.fail(err));
  }

  destroy(): void {
    if (this.state === 'destroyed' || this.state === 'closed') return;
    this.state = 'destroyed';
    this.control.close();
    this.reader.cancel().catch(ignore);
    this.writer.abort().catch(ignore);
    // onClose follows (never re-entrantly): the read loop may take a while to notice the close.
    queueMicrotask(() => this.finish());
  }

  private fail(err: unknown): void {
    if (this.state === 'destroyed' || this.state === 'closed') return;
    this.failure ??= toError(err);
    this.destroy();
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.control.close();
    this.handlers.onClose(this.failure);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function ignore(): void {}
