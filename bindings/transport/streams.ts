/**
 * A {@link Transport} over a WHATWG `{ readable, writable }` byte-stream pair: the shape of
 * `cloudflare:sockets` sockets and of `Deno.Conn`. No `node:` imports, no memcached knowledge.
 *
 * Optionally (workerd) the transport carries on over a fresh pair when a write is refused because
 * the pair may not be used from the caller's context (see {@link Reopen}): one transport, one byte
 * stream, over a succession of sockets ("legs").
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
  /** Whether the socket keeps the process alive (Deno's ref / unref); absent where there is no such notion. */
  hold?(keep: boolean): void;
}

/** One socket: its streams and how to shut it. */
export interface StreamLeg {
  streams: StreamPair;
  control: StreamSocketControl;
}

/**
 * Decides what a failed write means. Returns `undefined` for an ordinary failure (the transport
 * fails), or a function opening a fresh pair from the current context when `error` says that the
 * pair refused the write without sending any of it because it belongs to another context
 * (workerd: a socket belongs to the request that opened it).
 *
 * The transport replays the refused bytes on the fresh pair only when that keeps the byte stream
 * intact: no write went through on the old pair after a refused one, and the old pair has
 * delivered data since its last successful write (nothing it was asked is obviously unanswered).
 * Otherwise it fails with `error`, as without a `Reopen`.
 */
export type Reopen = (error: unknown) => (() => Promise<StreamLeg>) | undefined;

type State = 'open' | 'ending' | 'destroyed' | 'closed';

/** One socket's reader and writer, and what the transport saw on it. */
class Leg {
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly control: StreamSocketControl;
  /** Settles (never rejects) once the last queued write has settled and its outcome was handled. */
  lastWrite: Promise<void> = Promise.resolve();
  /** Writes handed to the writer that have not settled. */
  unsettled = 0;
  /** Event numbers (per transport): the last successful write (when issued) and the last chunk read. */
  lastOk = 0;
  lastData = 0;
  /** Chunks the pair refused (nothing of them was sent), in order, and the first refusal. */
  readonly refused: Uint8Array[] = [];
  refusal: unknown = undefined;
  /** A write went through after a refused one: the pair is used from two contexts at once. */
  mixed = false;
  /** Opened to replace another leg: refused before any write went through, it is not replaced again. */
  readonly replacement: boolean;
  /** Some data was delivered from this leg. */
  delivered = false;
  /** It refused us: it belongs to another context, which closes it (touching it from here cannot). */
  foreign = false;

  constructor(leg: StreamLeg, replacement: boolean) {
    this.reader = leg.streams.readable.getReader();
    this.writer = leg.streams.writable.getWriter();
    this.control = leg.control;
    this.replacement = replacement;
  }
}

export class StreamTransport implements Transport {
  private readonly handlers: TransportHandlers;
  private readonly reopen: Reopen | undefined;
  private leg: Leg;
  /** The leg the current one replaced (answers it still owed may arrive; see `deliver`). */
  private previous: Leg | undefined;
  private state: State = 'open';
  /** First error seen; `onClose` reports it. */
  private failure: Error | undefined;
  /** Bytes handed to `write()` whose write has not completed (held ones included). */
  private inFlight = 0;
  private needDrain = false;
  /** Event counter for the legs' `lastOk` / `lastData`. */
  private events = 0;
  /** Set while the leg is being replaced: the writes waiting for the new leg, in order. */
  private held: Uint8Array[] | undefined;
  private opener: (() => Promise<StreamLeg>) | undefined;
  private switching = false;
  /** Resolves when the current replacement is over (done or failed). */
  private switched: Promise<void> = Promise.resolve();
  private switchOver: () => void = ignore;

  constructor(streams: StreamPair, control: StreamSocketControl, handlers: TransportHandlers, reopen?: Reopen) {
    this.handlers = handlers;
    this.reopen = reopen;
    this.leg = new Leg({ streams, control }, false);
    void this.readLoop(this.leg);
  }

  private async readLoop(leg: Leg): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await leg.reader.read();
        if (done) break;
        if (this.state === 'destroyed' || this.state === 'closed') return;
        if (value.byteLength > 0) {
          leg.lastData = ++this.events;
          if (!this.deliver(leg)) return;
          this.handlers.onData(value);
        }
      }
      // A leg being replaced (or replaced) may end: the transport carries on without it.
      if (leg !== this.leg || this.held !== undefined) return;
      // EOF: expected after end(); the server hanging up on its own is not a clean close.
      if (this.state === 'open') this.failure ??= new Error('the server closed the connection');
    } catch (err) {
      if (leg !== this.leg || this.held !== undefined) return;
      if (this.state !== 'destroyed') this.failure ??= toError(err);
    }
    this.finish();
  }

  /**
   * Whether data from `leg` may be passed on: the current leg's always; a replaced leg's (answers
   * it still owed) only while nothing came from its replacement, whose answers follow them.
   */
  private deliver(leg: Leg): boolean {
    if (leg === this.leg) {
      leg.delivered = true;
      return true;
    }
    if (leg === this.previous && !this.leg.delivered) return true;
    this.fail(new Error('a replaced socket delivered data after its replacement did: the byte stream cannot be kept in order'));
    return false;
  }

  write(data: Uint8Array): boolean {
    if (this.state !== 'open') return false;
    this.inFlight += data.byteLength;
    if (this.held !== undefined) this.held.push(data);
    else this.send(this.leg, data);
    if (this.inFlight < WRITE_HIGH_WATER_MARK) return true;
    this.needDrain = true;
    return false;
  }

  private send(leg: Leg, data: Uint8Array): void {
    const issued = ++this.events;
    leg.unsettled++;
    leg.lastWrite = leg.writer.write(data).then(
      () => {
        leg.unsettled--;
        leg.lastOk = issued;
        if (leg.refused.length > 0) leg.mixed = true;
        this.inFlight -= data.byteLength;
        if (this.needDrain && this.inFlight === 0 && this.state === 'open') {
          this.needDrain = false;
          this.handlers.onDrain();
        }
        this.maybeSwitch(leg);
      },
      (err: unknown) => {
        leg.unsettled--;
        if (leg !== this.leg) return;
        const open = this.state === 'open' || this.state === 'ending' ? this.reopen?.(err) : undefined;
        if (open !== undefined) leg.foreign = true;
        // A replacement refused at once was opened in a context that cannot use it either: no loop.
        if (open === undefined || (leg.replacement && leg.lastOk === 0)) return this.fail(err);
        leg.refused.push(data);
        if (this.held === undefined) {
          leg.refusal = err;
          this.held = [];
          this.opener = open;
          this.switched = new Promise((resolve) => (this.switchOver = resolve));
        }
        this.maybeSwitch(leg);
      },
    );
  }

  /** Once every write handed to the refusing leg has settled: replaces it, or fails when unsafe. */
  private maybeSwitch(leg: Leg): void {
    if (leg !== this.leg || this.held === undefined || this.switching || leg.unsettled > 0) return;
    const opener = this.opener;
    if (leg.mixed || leg.lastOk > leg.lastData || opener === undefined) {
      // Used from two contexts at once, or answers may still be owed on it: replaying elsewhere
      // could hand one request's answer to another.
      this.fail(leg.refusal);
      return;
    }
    this.switching = true;
    opener().then(
      (fresh) => {
        this.switching = false;
        if (this.state === 'destroyed' || this.state === 'closed') {
          fresh.control.close();
          return;
        }
        // The old socket cannot be touched from here; its runtime closes it with its context.
        this.previous = leg;
        const next = new Leg(fresh, true);
        this.leg = next;
        const replay = [...leg.refused, ...(this.held ?? [])];
        this.held = undefined;
        this.opener = undefined;
        void this.readLoop(next);
        for (const chunk of replay) this.send(next, chunk);
        this.switchOver();
      },
      (err: unknown) => {
        this.switching = false;
        this.fail(err);
      },
    );
  }

  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ending';
    // FIN once every queued write is done (on the replacement leg, if one is being opened); the
    // read loop then runs until the server's EOF.
    void (async () => {
      for (;;) {
        await this.leg.lastWrite;
        if (this.held === undefined) break;
        await this.switched;
      }
      if (this.state !== 'ending') return;
      const leg = this.leg;
      try {
        await leg.control.closeWrite(leg.writer);
      } catch (err) {
        // A socket of another context cannot be shut from here (its runtime closes it with that
        // context): nothing is owed on it, so this is the clean close that was asked for.
        if (this.state === 'ending' && this.reopen?.(err) !== undefined) {
          leg.foreign = true;
          this.finish();
        } else {
          this.fail(err);
        }
      }
    })();
  }

  hold(keep: boolean): void {
    this.leg.control.hold?.(keep);
  }

  destroy(): void {
    if (this.state === 'destroyed' || this.state === 'closed') return;
    this.state = 'destroyed';
    const leg = this.leg;
    if (!leg.foreign) {
      leg.control.close();
      leg.reader.cancel().catch(ignore);
      leg.writer.abort().catch(ignore);
    }
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
    if (!this.leg.foreign) this.leg.control.close();
    this.held = undefined;
    this.switchOver();
    this.handlers.onClose(this.failure);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function ignore(): void {}
