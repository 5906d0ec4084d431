/**
 * One pipelined connection to one memcached server: a {@link Transport}, a {@link ReplyParser} and a
 * FIFO of requests waiting for their answers (memcached answers in request order).
 *
 * - Lazy: the transport is opened by the first request, and again by the first request after a
 *   failure. A transport that failed is never reused: after a timeout, a late answer would be
 *   matched to the wrong request.
 * - Coalesced: the requests issued together (one synchronous run and the promise continuations
 *   already queued behind it) go out in a single transport write, and the one-key text `get`s
 *   among them in one `get k1 k2 …` line (protocol/joined-gets.ts says why).
 * - Bounded: at most `maxQueue` requests wait; beyond that `send` fails at once with `QueueFullError`.
 *   A value larger than `maxValueBytes` is refused from its header. `close()` waits at most
 *   `closeTimeout` for a transport it ended to close.
 * - Fair to the server: a request's clock starts when its bytes are written, and a request past
 *   its deadline is timed out only once the socket was read and brought nothing (a busy event
 *   loop is not a hung server).
 * - Optionally verified: a {@link Handshake} rides ahead of the first requests of every transport.
 * - Free of policy: no routing, retries, health or codecs. It reports transport failures through
 *   {@link ConnectionEvents} for the health layer and otherwise just sends bytes and returns replies.
 */
import {
  ClientError,
  CommandTimeoutError,
  ConnectError,
  ConnectionClosedError,
  CrossRequestError,
  MemcacheError,
  fromServer,
  ProtocolError,
  QueueFullError,
  TransportError,
} from '../errors.js';
import { allocWireBytes, CRLF } from '../protocol/bytes.js';
import { DEFAULT_MAX_VALUE_BYTES, MAX_VALUE_BYTES, QUIET_DONE, ReplyParser } from '../protocol/parser.js';
import { isJoinable, joinGets, MAX_JOINED_GETS, splitJoined } from '../protocol/joined-gets.js';
import type { Item } from '../protocol/replies.js';
import { ReplyShape, type Request } from '../protocol/request.js';
import type { Connector, Transport, TransportHandlers } from '../transport/transport.js';
import { clearArray, Fifo } from './fifo.js';

/** Hooks for the layer above (server health); each is called synchronously and must not throw. */
export interface ConnectionEvents {
  /** A transport was established (the first one, or a reconnect). */
  onConnect?(): void;
  /**
   * A failure that counts against the server: connect failed or timed out (`ConnectError`,
   * `ConnectTimeoutError`), a command timed out (`CommandTimeoutError`), the transport closed
   * without being asked to (`ConnectionClosedError`), or the handshake's `verify` refused the
   * server with a `TransportError`. Called once per failure, before the pending
   * requests are rejected. Protocol outcomes (`SERVER_ERROR`, a miss) and garbage bytes
   * (`ProtocolError`, reported by `onClose` only) are not transport failures.
   */
  onTransportError?(error: TransportError): void;
  /**
   * An established transport is gone, for whatever reason: `error` is the failure (a
   * `TransportError`, `ProtocolError`, or the `ClientError` that desynchronized the stream), or
   * `undefined` when it was closed on purpose by {@link Connection.close}.
   */
  onClose?(error: Error | undefined): void;
  /**
   * The server closed (or reset) the transport while no request was pending or unsent: not a
   * failure by itself (memcached's `idle_timeout` does it too). Called instead of
   * `onTransportError`, after `onClose`; the next request reconnects.
   */
  onIdleClose?(cause: Error): void;
}

/** Requests written first on every new transport, ahead of whatever waits, and a verdict on their answers. */
export interface Handshake {
  /** The requests, built anew for each transport (e.g. `stats` for the server's identity). */
  requests(): Request<unknown>[];
  /**
   * Called synchronously with the handshake's answers, in order (a `MemcacheError` value where the
   * server answered an error, e.g. a proxy's ERROR), before any later answer is delivered. Returns
   * an Error to refuse the server: the session is torn down at once and nothing pipelined behind
   * the handshake is delivered; a TransportError is reported through events.onTransportError.
   */
  verify(replies: unknown[]): Error | undefined;
}

/** Settings of one connection, already validated and defaulted by the client's options. */
export interface ConnectionOptions {
  host: string;
  port: number;
  /** Opens transports (e.g. `connectNode` from bindings/transport/node.ts). */
  connector: Connector;
  /** Milliseconds allowed to establish a transport. */
  connectTimeout: number;
  /**
   * Default command timeout in milliseconds, counted from when the request is handed to an open
   * transport (waiting for the connection, or for the transport to drain, is bounded elsewhere).
   * A request past it times out once a turn of the event loop brought no byte from the server.
   * `0` or `Infinity`: none.
   */
  timeout: number;
  /** Most requests allowed to wait (sent or not) at once; `Infinity` for no bound. */
  maxQueue: number;
  /** TLS settings passed to the connector. */
  tls?: boolean | Record<string, unknown>;
  /** Hooks for the health layer. */
  events?: ConnectionEvents;
  /**
   * Written ahead of the first requests of every transport, in the same write; its requests have
   * the connection's `timeout`, do not count against `maxQueue`, and their answers reach no caller.
   */
  handshake?: Handshake;
  /**
   * Largest value, in bytes, a `VALUE` header may announce; a larger one is a `ProtocolError`
   * before its bytes arrive (the session is destroyed), so a server cannot make the client buffer
   * gigabytes. Raise it with {@link Connection.raiseValueLimit}.
   * @default {@link DEFAULT_MAX_VALUE_BYTES} (1 MiB, memcached's default item size limit)
   */
  maxValueBytes?: number;
  /**
   * Milliseconds {@link Connection.close} waits for the transport to close once it has ended it
   * (a hung server or a black hole never confirms); then the transport is destroyed.
   * @default `timeout`, or 1000 when there is none
   */
  closeTimeout?: number;
}

/** A request waiting for its answer (or, for `noreply`, for its write). */
interface Pending {
  readonly request: Request<unknown>;
  /** For one-key gets joined into one line (`request`), the callers' own requests, in order. */
  readonly members?: readonly Pending[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  /** Command timeout in ms (`Infinity` for none). */
  readonly timeout: number;
  /** Part of a session's handshake: not counted against `maxQueue`, its answer goes to `verify`. */
  readonly handshake: boolean;
  /** `performance.now()` after which the request has timed out; `Infinity` until it is written. */
  deadline: number;
  /** Handed to an open transport: a lost answer now leaves a write's outcome unknown. */
  sent: boolean;
}

/** The lifetime of one transport. A new session (and parser) replaces a failed one; never reused. */
class Session {
  transport: Transport | undefined = undefined;
  readonly parser: ReplyParser;
  /** Set when the transport closed before the connector's promise settled. */
  earlyClose: Error | undefined = undefined;
  /** `transport.end()` was called by a graceful close. */
  ending = false;
  /** Destroys the transport when a graceful close is not confirmed within `closeTimeout`. */
  closeTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Bytes received so far: progress that tells a busy event loop from a silent server. */
  received = 0;
  /** The handshake of this transport, its answers so far (in order) and how many are awaited. */
  readonly handshake: Handshake | undefined;
  readonly handshakeReplies: unknown[] = [];
  handshakeLeft = 0;
  /** Whether the transport keeps the process alive (a fresh socket does). */
  held = true;

  constructor(maxValueBytes: number, handshake: Handshake | undefined) {
    this.parser = new ReplyParser(maxValueBytes);
    this.handshake = handshake;
  }
}

// When nothing is in flight, flush in a microtask: it runs after the code that issued the requests
// and the promise continuations already queued (a burst issued through several `await`s still
// shares one write), yet before any I/O, so a lone request pays no extra event-loop turn.
// When answers are still pending, wait for the end of the turn (setImmediate): a socket read
// resumes many callers, and their next requests, to every server, then leave in one write per
// connection instead of one each (measured: 4.5 → 7-8 requests per write, +20-30% throughput with
// 4 servers and 64 in flight).
// A reaction on a settled promise rather than queueMicrotask, which Node wraps in an async
// resource and a bound function per call (~250 B and a turn of JS; measured with the sampling heap profiler).
const settled = Promise.resolve();
const soon = (fn: () => void): void => void settled.then(fn);
const endOfTurn: (fn: () => void) => void = typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : soon;
// A whole turn of the event loop, socket reads included: never a microtask, which runs before any I/O.
const nextTurn: (fn: () => void) => void = typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

const now: () => number = () => performance.now();

/** Longest delay setTimeout honours. */
const MAX_TIMER_MS = 0x7fff_ffff;

/** `closeTimeout` when the connection has no command timeout either. */
const DEFAULT_CLOSE_TIMEOUT_MS = 1000;

/** Whether `pending` is a caller's one-key get that others may join on one line. */
const joinable = (pending: Pending): boolean => !pending.handshake && isJoinable(pending.request);

/** Whether `next` may join the one-key get `first` on its line. */
const joins = (next: Pending, first: Pending): boolean =>
  joinable(next) && next.request.command === first.request.command && next.timeout === first.timeout;

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** One pipelined connection to one server; see the module comment. */
export class Connection {
  /** `host:port`, as error messages and the health layer name the server. */
  readonly server: string;
  private readonly options: ConnectionOptions;
  private readonly events: ConnectionEvents;
  /** Milliseconds a graceful close waits for the transport to close. */
  private readonly closeTimeout: number;
  /** Largest value a server may announce (only ever raised). */
  private valueLimit: number;

  private session: Session | undefined = undefined;
  /** Requests waiting for an answer, in the order they were (or will be) written. */
  private readonly queue = new Fifo<Pending>();
  /** Bytes not yet written, and the requests they belong to (noreply ones included). */
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;
  private outboxRequests: Pending[] = [];
  /** The other array `outboxRequests` alternates with, so that a write allocates none. */
  private spareRequests: Pending[] = [];
  /** How many of `outboxRequests` are one-key gets another may join. */
  private outboxJoinable = 0;
  private flushScheduled = false;
  /** The transport asked us to wait for `onDrain`. */
  private blocked = false;
  /** Requests not settled yet (queued, unsent noreply included), against `maxQueue`. */
  private count = 0;

  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** When the armed timer fires (`performance.now()` scale); `Infinity` when none. */
  private timerAt = Infinity;
  /** The delay the armed timer was set with. */
  private timerDelay = -1;
  /** Set while an expired request waits a turn for the socket to be read (see `checkDeadlines`). */
  private stallCheck: object | undefined = undefined;

  /** Terminal: set by close() or destroy(). */
  private closed = false;
  private closeWaiters: (() => void)[] = [];

  constructor(options: ConnectionOptions) {
    this.options = options;
    this.events = options.events ?? {};
    this.server = `${options.host}:${options.port}`;
    const timeout = options.timeout > 0 && options.timeout !== Infinity ? options.timeout : DEFAULT_CLOSE_TIMEOUT_MS;
    this.closeTimeout = options.closeTimeout ?? timeout;
    this.valueLimit = Math.min(options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES, MAX_VALUE_BYTES);
  }

  /** Requests sent or queued and not settled yet. */
  get pending(): number {
    return this.count;
  }

  /** True once `close()` or `destroy()` was called: a new request needs a new connection. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True while a transport is open. */
  get connected(): boolean {
    return this.session?.transport !== undefined;
  }

  /**
   * Sends a request (from `bindings/protocol/commands.ts`) and resolves with its parsed answer.
   *
   * Rejects with the server's per-request errors (`UnknownCommandError`, `ClientError`,
   * `ServerError`: the connection stays usable, except a `ClientError` to a command with a data
   * block, after which it reconnects), `ProtocolError` (garbage answer; connection destroyed),
   * `CommandTimeoutError`, `ConnectionClosedError`, `ConnectError`, `ConnectTimeoutError` and,
   * at once, `QueueFullError`. A `noreply` request resolves with `undefined` once written.
   *
   * @param timeout - command timeout in ms for this request; defaults to the connection's `timeout`.
   */
  send<R>(request: Request<R>, timeout: number = this.options.timeout): Promise<R> {
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.server, false, new Error('the connection was closed by its owner')));
    if (this.count >= this.options.maxQueue) return Promise.reject(new QueueFullError(this.server, this.options.maxQueue));
    return new Promise<R>((resolve, reject) => {
      // A new session queues its handshake first, ahead of this request.
      const session = this.session ?? this.connect();
      const pending: Pending = {
        request,
        resolve: resolve as (value: unknown) => void,
        reject,
        timeout: timeout > 0 ? timeout : Infinity,
        handshake: false,
        deadline: Infinity,
        sent: false,
      };
      this.count++;
      this.enqueue(pending);
      if (session.transport !== undefined) this.scheduleFlush();
    });
  }

  /**
   * Raises the largest value a server may announce (see `ConnectionOptions.maxValueBytes`), for
   * the current transport and every later one; a smaller `bytes` changes nothing.
   */
  raiseValueLimit(bytes: number): void {
    if (!(bytes > this.valueLimit)) return;
    this.valueLimit = Math.min(bytes, MAX_VALUE_BYTES);
    if (this.session !== undefined) this.session.parser.maxValueBytes = this.valueLimit;
  }

  /**
   * Closes gracefully: new requests are refused, the ones already sent get their answers (or
   * time out), then the transport is ended, and destroyed if it has not closed `closeTimeout`
   * later. Resolves once it is closed. Terminal.
   */
  close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    if (session === undefined) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    this.endIfIdle(session);
    return done;
  }

  /**
   * Tears the connection down at once: every pending request rejects with `ConnectionClosedError`
   * (`cause`: `reason`). Terminal.
   */
  destroy(reason?: Error): void {
    this.closed = true;
    const session = this.session;
    if (session !== undefined) this.teardown(session, reason, undefined, undefined);
    this.releaseCloseWaiters();
  }

  // ───────────────────────────── connecting ─────────────────────────────

  /** Starts a session: its handshake (if any) goes first in the outbox. The queue is empty here. */
  private connect(): Session {
    const handshake = this.options.handshake;
    const requests = handshake?.requests() ?? [];
    const session = new Session(this.valueLimit, handshake);
    this.session = session;
    const timeout = this.options.timeout > 0 ? this.options.timeout : Infinity;
    for (const [index, request] of requests.entries()) {
      // Answers and error replies alike are kept for `verify`; a noreply one's stays undefined.
      const keep = (reply: unknown): void => {
        session.handshakeReplies[index] = reply;
      };
      session.handshakeReplies.push(undefined);
      this.enqueue({ request, resolve: keep, reject: keep, timeout, handshake: true, deadline: Infinity, sent: false });
      if (request.shape !== ReplyShape.NONE) session.handshakeLeft++;
    }
    const handlers: TransportHandlers = {
      onData: (chunk) => this.onData(session, chunk),
      onClose: (error) => this.onTransportClose(session, error),
      onDrain: () => this.onDrain(session),
    };
    const { host, port, connectTimeout, tls } = this.options;
    let opening: Promise<Transport>;
    try {
      opening = this.options.connector({ host, port, connectTimeout, ...(tls === undefined ? {} : { tls }) }, handlers);
    } catch (err) {
      opening = Promise.reject(err);
    }
    opening.then(
      (transport) => this.onConnected(session, transport),
      (err: unknown) => this.onConnectFailed(session, err),
    );
    return session;
  }

  private onConnected(session: Session, transport: Transport): void {
    if (session !== this.session) {
      // Destroyed while connecting: nobody wants this transport.
      transport.destroy();
      return;
    }
    session.transport = transport;
    if (session.earlyClose !== undefined) {
      this.onTransportClose(session, session.earlyClose);
      return;
    }
    this.events.onConnect?.();
    if (this.session !== session) return;
    // A handshake that awaits no answer is judged before anything is written.
    if (session.handshake !== undefined && session.handshakeLeft === 0 && !this.verdict(session)) return;
    this.flush();
    if (this.session === session && session.held && this.queue.length === 0 && this.outbox.length === 0) this.hold(session, false);
    if (this.closed && this.session === session) this.endIfIdle(session);
  }

  private onConnectFailed(session: Session, err: unknown): void {
    if (session !== this.session) return;
    const error = err instanceof TransportError ? err : new ConnectError(this.server, err);
    this.session = undefined;
    const waiting = this.takeAll(session);
    this.events.onTransportError?.(error);
    for (const pending of waiting) this.settleError(pending, error);
    this.releaseCloseWaiters();
  }

  // ───────────────────────────── writing ─────────────────────────────

  private enqueue(pending: Pending): void {
    const request = pending.request;
    // A noreply command gets no answer (memcached stays silent for every well-formed command,
    // errors included), so it never enters the queue of requests waiting for one.
    if (request.shape !== ReplyShape.NONE) this.queue.push(pending);
    this.outbox.push(request.bytes);
    this.outboxBytes += request.bytes.length;
    if (request.body !== undefined) {
      this.outbox.push(request.body, CRLF);
      this.outboxBytes += request.body.length + 2;
    }
    this.outboxRequests.push(pending);
    if (joinable(pending)) this.outboxJoinable++;
  }

  /**
   * Joins each run of unsent one-key gets (same verb, same timeout) into one request whose
   * answer is split among them, in the outbox and in the queue's unsent tail alike.
   */
  private joinOutbox(): void {
    const requests = this.outboxRequests;
    let unsentQueued = 0;
    for (const pending of requests) if (pending.request.shape !== ReplyShape.NONE) unsentQueued++;
    this.queue.takeLast(unsentQueued);
    clearArray(this.outbox);
    this.outboxBytes = 0;
    this.outboxRequests = this.spareRequests;
    for (let i = 0; i < requests.length; ) {
      const first = requests[i];
      let end = i + 1;
      if (joinable(first)) while (end < requests.length && end - i < MAX_JOINED_GETS && joins(requests[end], first)) end++;
      this.enqueue(end - i > 1 ? this.joinedPending(requests.slice(i, end)) : first);
      i = end;
    }
    clearArray(requests);
    this.spareRequests = requests;
    this.outboxJoinable = 0;
  }

  /** One pending request for `members`' keys on one line; settling it settles each of them. */
  private joinedPending(members: Pending[]): Pending {
    const request = joinGets(members.map((member) => member.request));
    return {
      request,
      members,
      resolve: (items) => {
        const answers = splitJoined(request.keys as readonly string[], items as Item[]);
        for (let i = 0; i < members.length; i++) this.settle(members[i], answers[i]);
      },
      reject: (error) => {
        for (const member of members) this.settleError(member, error);
      },
      timeout: members[0].timeout,
      handshake: false,
      deadline: Infinity,
      sent: false,
    };
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Requests queued but not in the outbox were written already: their answers are pending.
    if (this.queue.length > this.outboxRequests.length) endOfTurn(this.flushTask);
    else soon(this.flushTask);
  }

  private readonly flushTask = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /** Writes everything queued as one chunk (one copy, unless a single buffer is waiting). */
  private flush(): void {
    const session = this.session;
    const transport = session?.transport;
    if (session === undefined || transport === undefined || this.blocked || this.outbox.length === 0) return;
    if (this.outboxJoinable > 1) this.joinOutbox();
    const chunks = this.outbox;
    let data: Uint8Array;
    if (chunks.length === 1) {
      data = chunks[0];
    } else {
      data = allocWireBytes(this.outboxBytes);
      let offset = 0;
      for (const chunk of chunks) {
        data.set(chunk, offset);
        offset += chunk.length;
      }
    }
    const requests = this.outboxRequests;
    for (const pending of requests) pending.sent = true;
    if (!session.held) this.hold(session, true);
    let accepted: boolean;
    try {
      accepted = transport.write(data);
    } catch (err) {
      // Refused: nothing was taken. Still in the outbox, the requests are rejected as unsent.
      for (const pending of requests) pending.sent = false;
      this.failTransport(session, toError(err));
      return;
    }
    if (session !== this.session) return; // closed from inside write(): everything was rejected
    // Emptied, keeping their storage: new arrays per write were garbage on every sequential request.
    clearArray(this.outbox);
    this.outboxBytes = 0;
    this.outboxRequests = this.spareRequests;
    this.outboxJoinable = 0;
    if (!accepted) this.blocked = true;
    // The clocks start now that the bytes are the transport's: time spent unsent (connecting,
    // waiting for a drain, or behind the caller's own synchronous code) is not the server's.
    const start = now();
    let earliest = Infinity;
    let awaiting = 0;
    for (const pending of requests) {
      if (pending.request.shape === ReplyShape.NONE) {
        this.settle(pending, undefined);
        continue;
      }
      awaiting++;
      pending.deadline = start + pending.timeout;
      if (pending.deadline < earliest) earliest = pending.deadline;
    }
    clearArray(requests);
    this.spareRequests = requests;
    // The first write after idle re-arms from scratch: a timer left from an earlier burst may
    // never fire (Workers drop a request's timers when it ends).
    if (earliest !== Infinity && (earliest < this.timerAt || this.queue.length === awaiting)) this.armTimer(earliest);
    // Only noreply writes: the runtime keeps the process alive until they are written.
    if (this.queue.length === 0) this.hold(session, false);
    if (this.closed) this.endIfIdle(session);
  }

  /**
   * An idle connection must not keep the process alive (a script that is done exits), a busy one
   * must (a request's answer is still coming). Runtimes without the notion ignore it.
   */
  private hold(session: Session, keep: boolean): void {
    session.held = keep;
    session.transport?.hold?.(keep);
  }

  private onDrain(session: Session): void {
    if (session !== this.session) return;
    this.blocked = false;
    this.flush();
  }

  // ───────────────────────────── reading ─────────────────────────────

  private onData(session: Session, chunk: Uint8Array): void {
    if (session !== this.session) return;
    session.received += chunk.length;
    const parser = session.parser;
    let head: Pending | undefined;
    try {
      parser.feed(chunk);
      while ((head = this.queue.peek()) !== undefined) {
        const reply = parser.next(head.request);
        if (reply === undefined) break;
        this.queue.shift();
        if (reply instanceof MemcacheError) {
          this.settleError(head, fromServer(reply, this.server));
          if (reply instanceof ClientError && head.request.hasData) {
            // The server may have read our data block as commands: later answers are not ours.
            this.teardown(session, reply, undefined, undefined);
            return;
          }
        } else {
          // A quiet meta command (the meta form of noreply) resolves as a text noreply one does.
          this.settle(head, reply === QUIET_DONE ? undefined : reply);
        }
        // The verdict comes before any answer pipelined behind the handshake is parsed.
        if (head.handshake && --session.handshakeLeft === 0 && !this.verdict(session)) return;
      }
      if (this.queue.length === 0 && parser.buffered) {
        throw new ProtocolError('memcached sent bytes while no request was waiting for an answer');
      }
      if (this.queue.length === 0 && this.outbox.length === 0 && session.held) this.hold(session, false);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      // The head's answer was garbage: it gets the ProtocolError, the others a closed connection.
      fromServer(err, this.server);
      this.teardown(session, err, this.queue.peek(), err);
      return;
    }
    if (this.closed) this.endIfIdle(session);
  }

  // ───────────────────────────── timeouts ─────────────────────────────

  private armTimer(at: number): void {
    // Timers past 2^31 - 1 ms would fire at once (Node clamps them to 1 ms); re-armed on firing.
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(at - now())));
    this.timerAt = at;
    const armed = this.timer as { refresh?: () => unknown } | undefined;
    // A write after idle re-arms for the same delay: where timers are objects (Node, Bun), the armed
    // one is moved rather than replaced (no allocation per sequential request).
    if (armed !== undefined && delay === this.timerDelay && typeof armed.refresh === 'function') {
      armed.refresh();
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerDelay = delay;
    this.timer = setTimeout(this.onTimer, delay);
    // A pending request keeps its socket, and so the process, alive; the timer need not.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** One timer for the whole queue, set for the earliest deadline; re-armed when it finds none expired. */
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const session = this.session;
    // A pending stall check re-arms the timer itself when it is over.
    if (session?.transport === undefined || this.stallCheck !== undefined) return;
    this.checkDeadlines(session, -1);
  };

  /**
   * Times out the oldest request past its deadline, but only once a whole turn of the event loop
   * (socket reads included) brought no byte: after the process was busy (a long synchronous task,
   * a GC pause), the answers may be waiting unread on the socket, and the server is not to blame.
   * Bytes that arrive while a request is still unanswered buy it another turn: the server is alive.
   * `receivedBefore` is `session.received` when the turn began (`-1`: no turn yet).
   */
  private checkDeadlines(session: Session, receivedBefore: number): void {
    const at = now();
    let expired: Pending | undefined;
    let next = Infinity;
    this.queue.forEach((pending) => {
      // The timeout goes to a caller's request rather than to the handshake riding ahead of it.
      if (pending.deadline <= at && (expired === undefined || (expired.handshake && !pending.handshake))) expired = pending;
      else if (pending.deadline > at && pending.deadline < next) next = pending.deadline;
    });
    if (expired === undefined) {
      if (next !== Infinity) this.armTimer(next);
    } else if (session.received === receivedBefore) {
      const error = new CommandTimeoutError(this.server, expired.timeout, expired.sent && expired.request.mutates);
      this.teardown(session, error, expired, error);
    } else {
      const check = {};
      const received = session.received;
      this.stallCheck = check;
      nextTurn(() => {
        if (this.stallCheck !== check) return; // the session ended meanwhile
        this.stallCheck = undefined;
        this.checkDeadlines(session, received);
      });
    }
  }

  // ───────────────────────────── closing ─────────────────────────────

  private onTransportClose(session: Session, error: Error | undefined): void {
    if (session !== this.session) return;
    if (session.transport === undefined) {
      // Closed before the connector resolved; handled once it does (or fails).
      session.earlyClose = error ?? new Error('the connection closed');
      return;
    }
    if (session.ending && this.queue.length === 0 && this.outbox.length === 0) {
      // The graceful close we asked for.
      this.session = undefined;
      this.clearTimers(session);
      this.events.onClose?.(undefined);
      this.releaseCloseWaiters();
      return;
    }
    this.failTransport(session, error ?? new Error('the server closed the connection'));
  }

  /** The transport failed under us: a transport failure for the health layer, unless it was idle. */
  private failTransport(session: Session, cause: Error): void {
    if (cause instanceof CrossRequestError) {
      // The runtime refused, not the server: every request gets the refusal, health hears nothing.
      this.teardown(session, cause, undefined, cause);
      return;
    }
    if (this.count === 0) {
      this.teardown(session, cause, undefined, undefined);
      this.events.onIdleClose?.(cause);
      return;
    }
    const error = new ConnectionClosedError(this.server, false, cause);
    this.teardown(session, cause, undefined, error);
  }

  /**
   * Ends a session for good: the transport is destroyed, the session forgotten (the next request
   * reconnects), `culprit` (if any) rejects with its own error and every other request with
   * `ConnectionClosedError` (`cause`). `ownError`, when a `TransportError`, is reported to the health layer.
   */
  private teardown(session: Session, cause: Error | undefined, culprit: Pending | undefined, ownError: Error | undefined): void {
    if (session !== this.session) return;
    this.session = undefined;
    session.transport?.destroy();
    const waiting = this.takeAll(session);
    const transportError = ownError instanceof TransportError ? ownError : undefined;
    if (transportError !== undefined) this.events.onTransportError?.(transportError);
    if (session.transport !== undefined) this.events.onClose?.(cause);
    for (const pending of waiting) {
      if ((pending === culprit || ownError instanceof CrossRequestError) && ownError !== undefined) this.settleError(pending, ownError);
      else this.settleError(pending, new ConnectionClosedError(this.server, pending.sent && pending.request.mutates, cause));
    }
    this.releaseCloseWaiters();
  }

  /** Empties the queue and the outbox (every unsettled request, oldest first) and resets write state. */
  private takeAll(session: Session): Pending[] {
    const waiting = this.queue.drain();
    for (const pending of this.outboxRequests) {
      if (pending.request.shape === ReplyShape.NONE) waiting.push(pending);
    }
    this.outbox = [];
    this.outboxBytes = 0;
    this.outboxRequests = [];
    this.outboxJoinable = 0;
    this.blocked = false;
    this.clearTimers(session);
    return waiting;
  }

  /**
   * Hands the handshake's answers to `verify`. A refusal (or a throw) tears the session down at
   * once. Returns whether the session goes on.
   */
  private verdict(session: Session): boolean {
    let refusal: Error | undefined;
    try {
      refusal = session.handshake?.verify(session.handshakeReplies);
    } catch (err) {
      refusal = toError(err);
    }
    if (refusal !== undefined) this.teardown(session, refusal, undefined, refusal);
    return this.session === session;
  }

  /** After close(): end the transport once nothing is waiting any more. */
  private endIfIdle(session: Session): void {
    if (session.ending || this.queue.length > 0 || this.outbox.length > 0) return;
    if (session.transport === undefined) return; // still connecting: flush, answers, then here again
    session.ending = true;
    // Someone awaits this close: the process stays until it completes (closeTimeout bounds it).
    if (!session.held) this.hold(session, true);
    session.transport.end();
    // A hung server or a black hole never confirms the close (no FIN): don't wait for it forever.
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, this.closeTimeout));
    session.closeTimer = setTimeout(() => this.teardown(session, undefined, undefined, undefined), ms);
    (session.closeTimer as { unref?: () => void }).unref?.();
  }

  private releaseCloseWaiters(): void {
    if (!this.closed || this.session !== undefined) return;
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Stops the command timer (and any stall check) and the session's close timer. */
  private clearTimers(session: Session): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.stallCheck = undefined;
    if (session.closeTimer !== undefined) clearTimeout(session.closeTimer);
    session.closeTimer = undefined;
  }

  /** A joined request is not counted itself: its members are, as they settle. */
  private settle(pending: Pending, value: unknown): void {
    if (!pending.handshake && pending.members === undefined) this.count--;
    pending.resolve(value);
  }

  private settleError(pending: Pending, error: Error): void {
    if (!pending.handshake && pending.members === undefined) this.count--;
    pending.reject(error);
  }
}
