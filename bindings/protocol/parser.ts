/**
 * Incremental parser of memcached's replies, text protocol and meta protocol alike. The connection
 * feeds it network chunks in order and asks for the reply of the oldest pending request; answers
 * come back in request order, so the expected shape is always known and nothing is guessed.
 *
 * Both protocols share the line, value and carry machinery below. Meta lines are interpreted by
 * meta-line.ts; here every meta answer's opaque token must be its request's (or, in a quiet
 * multi-key batch, one of the batch's, in order), else the stream is broken: a value can never be
 * handed to the request next to the one it answers.
 *
 * Speed rules: bytes are scanned, never decoded wholesale, and no regular expression runs. Keys
 * are matched as bytes against the ones the request sent (the caller's strings are returned, so
 * a value can never come back under a key nobody asked for); only `VERSION`, `STAT` and error
 * texts become strings. A value that lies inside one chunk is returned as a view of it; a value
 * split across chunks is copied once, when its last byte arrives. Only a line split across chunks
 * is copied aside, so the leftover state is at most one partial line.
 */
import { ClientError, ProtocolError, ServerError, UnknownCommandError, type MemcacheError } from '../errors.js';
import { isBase64Of } from './base64.js';
import { allocBytes, bytesEqual, CR, decodeText, describeBytes, EMPTY_BYTES, LF, SP } from './bytes.js';
import { Decimal } from './decimal.js';
import { MetaCode, MetaFlag, MetaLine } from './meta-line.js';
import type { InvalidateStatus, LeaseItem } from './meta-replies.js';
import type { Item, Key, Stats } from './replies.js';
import { ReplyShape, type Request } from './request.js';

/** Longest reply line accepted (memcached's are far shorter); past it the stream is garbage. */
export const MAX_LINE_BYTES = 8192;

/** Ceiling of any value limit (memcached's item size limit tops out at 1 GiB; typed arrays at 2^31 - 1 here). */
export const MAX_VALUE_BYTES = 0x7fff_ffff;

/**
 * Default largest value a `VALUE` header may announce: memcached's default item size limit
 * (`-I 1m`). A server may not make the client buffer more than this, unless it is raised.
 */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_U64 = (1n << 64n) - 1n;

/**
 * What {@link ReplyParser.next} returns once a quiet meta command (`ReplyShape.META_QUIET`, the
 * meta form of `noreply`) has been answered. Its result is `undefined`, which `next` already uses
 * for "more bytes needed", so it gets a token of its own; the connection resolves it as `undefined`.
 */
export const QUIET_DONE: unique symbol = Symbol('failback.quietDone');

// Byte values of the letters the dispatch looks at.
const A = 65, C = 67, D = 68, E = 69, K = 75, L = 76, N = 78, O = 79, R = 82, S = 83, T = 84, U = 85, V = 86;
const ZERO = 48, NINE = 57;

const STORED = 'STORED', NOT_STORED = 'NOT_STORED', EXISTS = 'EXISTS', NOT_FOUND = 'NOT_FOUND';
const DELETED = 'DELETED', TOUCHED = 'TOUCHED', OK = 'OK';
const INVALIDATED: InvalidateStatus = 'INVALIDATED';

/** What each meta status code means, for each shape whose answer is one status line. */
const META_STATUS: Readonly<Partial<Record<ReplyShape, Readonly<Record<number, string>>>>> = {
  [ReplyShape.META_STORE]: { [MetaCode.HD]: STORED, [MetaCode.NS]: NOT_STORED, [MetaCode.EX]: EXISTS, [MetaCode.NF]: NOT_FOUND },
  [ReplyShape.META_DELETE]: { [MetaCode.HD]: DELETED, [MetaCode.NF]: NOT_FOUND },
  [ReplyShape.META_TOUCH]: { [MetaCode.HD]: TOUCHED, [MetaCode.EN]: NOT_FOUND },
  [ReplyShape.META_INVALIDATE]: { [MetaCode.HD]: INVALIDATED, [MetaCode.NF]: NOT_FOUND },
};

/**
 * Parses the replies of one connection's byte stream. Create one per connection (per socket):
 * after a {@link ProtocolError} it stays failed, as the stream can no longer be trusted.
 */
export class ReplyParser {
  /**
   * Largest value (bytes) a `VALUE` header may announce: a larger one is a {@link ProtocolError}
   * as soon as its header is read, before any of its bytes are buffered. May be changed between
   * feeds (the connection raises it when the server's `item_size_max` is larger).
   */
  maxValueBytes: number;

  /** The chunk being parsed and the read position in it. */
  private buf: Uint8Array = EMPTY_BYTES;
  private pos = 0;

  /** The start of a line that was split across chunks (line bytes only, never value bytes). */
  private carry = new Uint8Array(128);
  private carryLength = 0;
  /** True when `carry` holds a whole line, `\n` included, not yet parsed. */
  private carryComplete = false;

  /** The line just read: bytes `[lineStart, lineEnd)` of `line`, `lineEnd` at its `\r`. */
  private line: Uint8Array = EMPTY_BYTES;
  private lineStart = 0;
  private lineEnd = 0;

  /** Retrieval in progress: the hit of a one-key retrieval, or the hits of a multi-key one. */
  private found: Item<Key> | null = null;
  private items: Item<Key>[] | null = null;
  /** Index of the requested key the next `VALUE` most likely names (memcached keeps order). */
  private keyCursor = 0;
  /** True while parsing a multi-key retrieval (set with each `VALUE` header). */
  private multi = false;

  /** The value being read: its header's fields, bytes still missing (`\r\n` included), parts so far. */
  private bodyKey: Key = '';
  private bodyFlags = 0;
  private bodyCas: bigint | undefined = undefined;
  /** For a lease read (`META_LEASE`), the line's TTL and `W`/`X`/`Z` bits; `lease` false otherwise. */
  private bodyLease = false;
  private bodyTtl = 0;
  private bodyLeaseFlags = 0;
  private bodyLength = 0;
  private bodyNeed = 0;
  private bodyParts: Uint8Array[] = [];

  /** `stats` reply in progress. */
  private stats: Stats | null = null;

  /** Last number read by `readNumber`, and a `bigint` when it did not fit a safe integer. */
  private number = 0;
  private bigNumber: bigint | undefined = undefined;
  private readonly decimal = new Decimal();

  /** The meta line just read. */
  private readonly meta = new MetaLine();
  /**
   * A meta reply that ends with `MN` (quiet batch, quiet command): the lowest key index the next
   * answer may belong to (each key answers at most once, in order), and the first error line seen,
   * returned once `MN` arrives so that the stream stays in step.
   */
  private cursor = 0;
  private pendingError: MemcacheError | null = null;
  /** A meta counter's `VA` line was read: the length of the number line that follows; else -1. */
  private counterSize = -1;

  private failure: ProtocolError | undefined;

  /** @param maxValueBytes - see {@link ReplyParser.maxValueBytes}; at most {@link MAX_VALUE_BYTES}. */
  constructor(maxValueBytes: number = DEFAULT_MAX_VALUE_BYTES) {
    this.maxValueBytes = Math.min(maxValueBytes, MAX_VALUE_BYTES);
  }

  /**
   * Adds the next chunk of the stream. The parser keeps a reference to it (values may be views
   * of it), so the caller must not reuse the chunk's memory; Node's socket chunks are fresh.
   * Throws {@link ProtocolError} when a reply line grows past {@link MAX_LINE_BYTES}.
   */
  feed(chunk: Uint8Array): void {
    if (this.failure !== undefined || chunk.length === 0) return;
    try {
      this.append(chunk);
    } catch (err) {
      if (err instanceof ProtocolError) this.fail(err);
      throw err;
    }
  }

  private append(chunk: Uint8Array): void {
    if (this.pos < this.buf.length) {
      // Nobody asked for a reply since the last chunk: keep the unread bytes ahead of the new ones.
      const rest = this.buf.length - this.pos;
      const joined = allocBytes(rest + chunk.length);
      joined.set(this.buf.subarray(this.pos), 0);
      joined.set(chunk, rest);
      this.buf = joined;
      this.pos = 0;
      return;
    }
    if (this.carryLength > 0 && !this.carryComplete) {
      // Finish the split line from the head of the new chunk; the rest is parsed in place.
      const lf = chunk.indexOf(LF);
      if (lf < 0) {
        this.stash(chunk, 0, chunk.length);
        this.buf = EMPTY_BYTES;
        this.pos = 0;
        return;
      }
      this.stash(chunk, 0, lf + 1);
      this.carryComplete = true;
      this.buf = chunk;
      this.pos = lf + 1;
      return;
    }
    this.buf = chunk;
    this.pos = 0;
  }

  /**
   * Parses the reply to `request` (the oldest request still waiting) as far as the bytes allow.
   *
   * Returns the result (`R`), a per-request error the server sent (`UnknownCommandError` for
   * `ERROR`, `ClientError`, `ServerError`: the stream is still in sync), or `undefined` when more
   * bytes are needed; call again with the same request after the next {@link feed}.
   * Throws {@link ProtocolError} when the bytes are not a valid reply of that shape; the parser
   * then stays failed.
   */
  next<R>(request: Request<R>): R | MemcacheError | typeof QUIET_DONE | undefined {
    if (this.failure !== undefined) throw this.failure;
    try {
      return this.answer(request) as R | MemcacheError | typeof QUIET_DONE | undefined;
    } catch (err) {
      if (err instanceof ProtocolError) this.fail(err);
      throw err;
    }
  }

  /** Parses the reply of `request`'s shape (see {@link ReplyParser.next}). */
  private answer(request: Request<unknown>): unknown {
    switch (request.shape) {
      case ReplyShape.ITEM:
      case ReplyShape.ITEMS:
        return this.retrieval(request);
      case ReplyShape.STATS:
        return this.statsReply(request);
      case ReplyShape.NONE:
        throw new ProtocolError(`${request.command} was sent with noreply: no reply to parse`);
      case ReplyShape.META_ITEM:
      case ReplyShape.META_ITEMS:
      case ReplyShape.META_LEASE:
        return this.metaRetrieval(request);
      case ReplyShape.META_STORE:
      case ReplyShape.META_DELETE:
      case ReplyShape.META_TOUCH:
      case ReplyShape.META_INVALIDATE:
        return this.metaStatus(request);
      case ReplyShape.META_COUNTER:
        return this.metaCounter(request);
      case ReplyShape.META_QUIET:
        return this.metaQuiet(request);
      default:
        return this.lineReply(request);
    }
  }

  /** True when received bytes or a partly parsed reply are waiting (bytes nobody asked for, if no request is pending). */
  get buffered(): boolean {
    return (
      this.pos < this.buf.length || this.carryLength > 0 || this.bodyNeed > 0 || this.found !== null || this.items !== null || this.stats !== null ||
      this.cursor > 0 || this.pendingError !== null || this.counterSize >= 0
    );
  }

  /** The error that broke the stream, if any. */
  get failed(): ProtocolError | undefined {
    return this.failure;
  }

  // ───────────────────────────── one-line replies ─────────────────────────────

  private lineReply(request: Request<unknown>): unknown {
    if (!this.readLine()) return undefined;
    const b = this.line;
    const s = this.lineStart;
    const n = this.lineEnd - s;
    const c0 = b[s];
    switch (request.shape) {
      case ReplyShape.STORE:
        if (c0 === S && n === 6 && b[s + 1] === T && b[s + 2] === O && b[s + 3] === R && b[s + 4] === E && b[s + 5] === D) return STORED;
        if (c0 === N && n === 10 && this.lineIs('NOT_STORED')) return NOT_STORED;
        if (c0 === E && n === 6 && this.lineIs('EXISTS')) return EXISTS;
        if (c0 === N && n === 9 && this.lineIs('NOT_FOUND')) return NOT_FOUND;
        break;
      case ReplyShape.DELETE:
        if (c0 === D && n === 7 && this.lineIs('DELETED')) return DELETED;
        if (c0 === N && n === 9 && this.lineIs('NOT_FOUND')) return NOT_FOUND;
        break;
      case ReplyShape.TOUCH:
        if (c0 === T && n === 7 && this.lineIs('TOUCHED')) return TOUCHED;
        if (c0 === N && n === 9 && this.lineIs('NOT_FOUND')) return NOT_FOUND;
        break;
      case ReplyShape.OK:
        if (c0 === O && n === 2 && b[s + 1] === K) return OK;
        break;
      case ReplyShape.COUNTER:
        if (c0 >= ZERO && c0 <= NINE) return this.counter(request);
        if (c0 === N && n === 9 && this.lineIs('NOT_FOUND')) return null;
        break;
      case ReplyShape.VERSION:
        if (c0 === V && n > 8 && this.lineStarts('VERSION ')) return decodeText(b, s + 8, this.lineEnd);
        break;
    }
    return this.errorReply(request);
  }

  /** `incr`/`decr` answer (or meta `ma`'s number line): digits (memcached may pad with spaces) → number, or bigint past 2^53 − 1. */
  private counter(request: Request<unknown>): number | bigint {
    const b = this.line;
    let end = this.lineEnd;
    while (end > this.lineStart && b[end - 1] === SP) end--;
    if (this.readNumber(b, this.lineStart, end, 20) !== end) throw this.badLine(request, 'a counter value');
    const big = this.bigNumber;
    if (big === undefined) return this.number;
    if (big > MAX_U64) throw this.badLine(request, 'an unsigned 64-bit counter value');
    return big <= BigInt(MAX_SAFE) ? Number(big) : big;
  }

  // ───────────────────────────── retrieval ─────────────────────────────

  private retrieval(request: Request<unknown>): Item<Key> | Item<Key>[] | null | MemcacheError | undefined {
    for (;;) {
      if (this.bodyNeed > 0 && !this.readBody()) return undefined;
      if (!this.readLine()) return undefined;
      const b = this.line;
      const s = this.lineStart;
      const e = this.lineEnd;
      if (b[s] === V && e - s > 6 && b[s + 1] === A && b[s + 2] === L && b[s + 3] === U && b[s + 4] === E && b[s + 5] === SP) {
        this.valueHeader(request, b, s + 6, e);
        continue;
      }
      if (e - s === 3 && b[s] === E && b[s + 1] === N && b[s + 2] === D) {
        if (request.shape === ReplyShape.ITEM) {
          const found = this.found;
          this.found = null;
          return found;
        }
        const items = this.items ?? [];
        this.items = null;
        this.keyCursor = 0;
        return items;
      }
      // An error can end a retrieval even after some VALUEs; they are dropped with it.
      this.found = null;
      this.items = null;
      this.keyCursor = 0;
      return this.errorReply(request);
    }
  }

  /** `VALUE <key> <flags> <bytes> [<cas unique>]`, starting after `VALUE `; then the value itself. */
  private valueHeader(request: Request<unknown>, b: Uint8Array, p: number, e: number): void {
    let k = this.cursorKeyEnd(request, b, p, e);
    let key: string;
    if (k >= 0) {
      key = this.takeKey(request, this.keyCursor);
    } else {
      k = p;
      while (k < e && b[k] !== SP) k++;
      if (k === p || k === e) throw this.badLine(request, 'a VALUE header');
      key = this.matchKey(request, b, p, k);
    }
    p = this.readNumber(b, k + 1, e, 10);
    if (p === e || b[p] !== SP || this.number > 0xffff_ffff) throw this.badLine(request, 'a VALUE header (flags)');
    const flags = this.number;
    p = this.readNumber(b, p + 1, e, 10);
    const length = this.number;
    this.checkValueSize(length, key);
    let cas: bigint | undefined;
    if (p !== e) {
      if (b[p] !== SP || this.readNumber(b, p + 1, e, 20) !== e) throw this.badLine(request, 'a VALUE header');
      cas = this.bigNumber ?? BigInt(this.number);
      if (cas > MAX_U64) throw this.badLine(request, 'a VALUE header (CAS unique)');
    }
    if (request.shape === ReplyShape.ITEM && this.found !== null) {
      throw new ProtocolError(`memcached answered ${request.command} for one key with more than one VALUE`);
    }
    this.bodyKey = key;
    this.bodyFlags = flags;
    this.bodyCas = cas;
    this.bodyLease = false;
    this.startValue(length);
  }

  /** A value larger than `maxValueBytes` is refused from its header, before any of its bytes are buffered. */
  private checkValueSize(length: number, key: Key): void {
    if (length > this.maxValueBytes) {
      throw new ProtocolError(
        `memcached announced a value of ${length} bytes for key ${describeKey(key)}, more than the limit of ${this.maxValueBytes} (maxValueBytes; raise it for a server with a larger item_size_max)`,
      );
    }
  }

  /**
   * Takes the `length` value bytes (and `\r\n`) that follow the header just read, whose fields
   * are in `body*`: as a view when this chunk holds them all, else collected by `readBody`.
   */
  private startValue(length: number): void {
    const buf = this.buf;
    const at = this.pos;
    if (buf.length - at >= length + 2) {
      // The whole value is in this chunk: hand out a view, no copy.
      if (buf[at + length] !== CR || buf[at + length + 1] !== LF) throw this.badValueEnd(this.bodyKey);
      this.pos = at + length + 2;
      this.addItem(buf.subarray(at, at + length));
      return;
    }
    this.bodyLength = length;
    this.bodyNeed = length + 2;
    this.readBody();
  }

  /** Collects value bytes; once all have arrived, assembles them (the one copy) and adds the item. */
  private readBody(): boolean {
    const buf = this.buf;
    const at = this.pos;
    const available = buf.length - at;
    if (available === 0) return false;
    const take = available < this.bodyNeed ? available : this.bodyNeed;
    this.bodyParts.push(buf.subarray(at, at + take));
    this.pos = at + take;
    this.bodyNeed -= take;
    if (this.bodyNeed > 0) return false;

    const parts = this.bodyParts;
    this.bodyParts = [];
    const length = this.bodyLength;
    const value = allocBytes(length);
    let offset = 0;
    let cr = -1;
    let lf = -1;
    for (const part of parts) {
      const want = length - offset;
      if (want > 0) value.set(want >= part.length ? part : part.subarray(0, want), offset);
      // The trailing "\r\n" may itself be split between parts.
      for (let i = want > 0 ? want : 0; i < part.length; i++) {
        const index = offset + i;
        if (index === length) cr = part[i];
        else if (index === length + 1) lf = part[i];
      }
      offset += part.length;
    }
    if (cr !== CR || lf !== LF) throw this.badValueEnd(this.bodyKey);
    this.addItem(value);
    return true;
  }

  /** Makes the item of the value just read from the `body*` header fields. */
  private addItem(value: Uint8Array): void {
    const key = this.bodyKey;
    const flags = this.bodyFlags;
    const cas = this.bodyCas;
    let item: Item<Key>;
    if (this.bodyLease) {
      const bits = this.bodyLeaseFlags;
      const lease: LeaseItem<Key> = {
        key, flags, value, cas: cas ?? 0n, ttl: this.bodyTtl,
        win: (bits & MetaFlag.W) !== 0, stale: (bits & MetaFlag.X) !== 0, alreadyWon: (bits & MetaFlag.Z) !== 0,
      };
      item = lease;
    } else {
      item = { key, flags, value, cas };
    }
    if (this.multi) (this.items ??= []).push(item);
    else this.found = item;
  }

  /**
   * Where the header's key ends when it is the requested key at the cursor (memcached keeps
   * request order, so it nearly always is): compared in place, which spares the scan for the
   * space that ends the key. -1 otherwise.
   */
  private cursorKeyEnd(request: Request<unknown>, b: Uint8Array, start: number, end: number): number {
    const spans = request.keySpans;
    if (spans === undefined || 2 * this.keyCursor >= spans.length) return -1;
    const ks = spans[2 * this.keyCursor];
    const stop = start + spans[2 * this.keyCursor + 1] - ks;
    return stop < end && b[stop] === SP && bytesEqual(b, start, stop, request.bytes, ks) ? stop : -1;
  }

  /**
   * Finds which requested key the server's key bytes `b[start .. end)` are, and returns the
   * caller's string: no decoding, and a value can never be handed out under a key not asked for.
   */
  private matchKey(request: Request<unknown>, b: Uint8Array, start: number, end: number): string {
    const keys = request.keys;
    const spans = request.keySpans;
    if (keys === undefined || spans === undefined) throw new ProtocolError(`${request.command} is not a retrieval`);
    const sent = request.bytes;
    const length = end - start;
    const count = keys.length;
    // Most likely the key after the previous hit; otherwise look at every other key, wrapping around.
    for (let tried = 0, i = this.keyCursor; tried < count; tried++, i = i + 1 === count ? 0 : i + 1) {
      const ks = spans[2 * i];
      if (spans[2 * i + 1] - ks === length && bytesEqual(b, start, end, sent, ks)) return this.takeKey(request, i);
    }
    throw new ProtocolError(
      `memcached answered ${request.command} with a VALUE for key ${describeBytes(b, start, end)}, which was not requested`,
    );
  }

  /** The caller's key `i` of a text retrieval, matched; the next VALUE most likely names the one after it. */
  private takeKey(request: Request<unknown>, i: number): string {
    const keys = request.keys!;
    this.multi = request.shape === ReplyShape.ITEMS;
    this.keyCursor = i + 1 === keys.length ? 0 : i + 1;
    return keys[i];
  }

  // ───────────────────────────── meta protocol ─────────────────────────────

  /**
   * `mg … v`: `VA` and the value, or `EN`, for one key (`META_ITEM`, `META_LEASE`); or the hits of
   * a quiet batch, each `VA` for a key of the batch in order, up to `MN` (`META_ITEMS`).
   */
  private metaRetrieval(request: Request<unknown>): Item<Key> | Item<Key>[] | null | MemcacheError | undefined {
    const batch = request.shape === ReplyShape.META_ITEMS;
    const line = this.meta;
    for (;;) {
      if (this.bodyNeed > 0 && !this.readBody()) return undefined;
      if (!batch && this.found !== null) {
        const found = this.found;
        this.found = null;
        return found;
      }
      if (!this.readLine()) return undefined;
      if (!line.read(this.line, this.lineStart, this.lineEnd, request.command)) {
        const error = this.errorReply(request);
        if (!batch) return error;
        // An error line carries no opaque token: it stands for the next key that has not answered
        // and, once every key has, for `mn` itself (a server that knows no meta commands).
        if (this.cursor === keyCount(request)) return this.endFenced(error) ?? error;
        this.pendingError ??= error;
        this.cursor++;
        continue;
      }
      const code = line.code;
      if (batch && code === MetaCode.MN) {
        const items = this.items ?? [];
        return this.endFenced(null) ?? items;
      }
      if (code !== MetaCode.VA && code !== MetaCode.EN) throw this.badLine(request, batch ? 'VA, EN or MN' : 'VA or EN');
      const index = batch ? this.answerIndex(request, keyCount(request)) : this.checkOpaque(request);
      if ((line.flags & MetaFlag.k) !== 0) this.checkKey(request, index);
      if (code === MetaCode.VA) this.metaValueHeader(request, index, batch);
      else if (!batch) return null;
    }
  }

  /** A `VA` header of a retrieval: its fields into `body*`, then the value. */
  private metaValueHeader(request: Request<unknown>, index: number, batch: boolean): void {
    const line = this.meta;
    const lease = request.shape === ReplyShape.META_LEASE;
    const needed = lease ? MetaFlag.f | MetaFlag.c | MetaFlag.t : MetaFlag.f;
    if ((line.flags & needed) !== needed) throw this.badLine(request, lease ? 'a VA line with flags, CAS and TTL (f, c, t)' : 'a VA line with client flags (f)');
    const key = request.binaryKeys?.[index] ?? request.keys![index];
    this.checkValueSize(line.size, key);
    this.bodyKey = key;
    this.bodyFlags = line.clientFlags;
    this.bodyCas = line.cas;
    this.bodyLease = lease;
    this.bodyTtl = line.ttl;
    this.bodyLeaseFlags = line.flags;
    this.multi = batch;
    this.startValue(line.size);
  }

  /** `ms`, `md`, `mg … T`, `md … I`: one status line carrying the request's opaque token. */
  private metaStatus(request: Request<unknown>): string | MemcacheError | undefined {
    if (!this.readLine()) return undefined;
    const line = this.meta;
    if (!line.read(this.line, this.lineStart, this.lineEnd, request.command)) return this.errorReply(request);
    this.checkOpaque(request);
    const status = META_STATUS[request.shape]?.[line.code];
    if (status !== undefined) return status;
    throw this.badLine(request, `an answer to ${request.command}`);
  }

  /** `ma … v`: `VA <length>` and the new value on a line of its own, or `NF` → `null`. */
  private metaCounter(request: Request<unknown>): number | bigint | null | MemcacheError | undefined {
    if (this.counterSize < 0) {
      if (!this.readLine()) return undefined;
      const line = this.meta;
      if (!line.read(this.line, this.lineStart, this.lineEnd, request.command)) return this.errorReply(request);
      this.checkOpaque(request);
      if (line.code === MetaCode.NF) return null;
      if (line.code !== MetaCode.VA) throw this.badLine(request, 'VA or NF');
      this.counterSize = line.size;
    }
    if (!this.readLine()) return undefined;
    const size = this.counterSize;
    this.counterSize = -1;
    if (this.lineEnd - this.lineStart !== size) throw this.badLine(request, `a counter value of ${size} bytes`);
    return this.counter(request);
  }

  /**
   * A quiet command and its `mn`: the line of an outcome `q` does not hide (a failure, or `mg`'s
   * `HD`), which noreply does not report, then `MN`. A reported error line is returned once `MN` is in.
   */
  private metaQuiet(request: Request<unknown>): typeof QUIET_DONE | MemcacheError | undefined {
    const line = this.meta;
    for (;;) {
      if (!this.readLine()) return undefined;
      if (!line.read(this.line, this.lineStart, this.lineEnd, request.command)) {
        // SERVER_ERROR is an outcome ("could not"), which noreply does not report (memcached's
        // text noreply hides it too); CLIENT_ERROR and ERROR say the command was not understood.
        const error = this.errorReply(request);
        const reported = error instanceof ServerError ? null : error;
        if (this.cursor === 1) return this.endFenced(reported) ?? QUIET_DONE;
        this.pendingError = reported;
        this.cursor = 1;
        continue;
      }
      if (line.code === MetaCode.MN) return this.endFenced(null) ?? QUIET_DONE;
      // Its data block could not be told from commands: a quiet command never asks for a value.
      if (line.code === MetaCode.VA) throw this.badLine(request, 'an answer without a value');
      this.answerIndex(request, 1);
    }
  }

  /**
   * Ends a reply fenced by `mn`, forgetting its state: returns the first error line seen in it
   * (else `error`, the fence's own), or null when there was none.
   */
  private endFenced(error: MemcacheError | null): MemcacheError | null {
    const failure = this.pendingError ?? error;
    this.items = null;
    this.pendingError = null;
    this.cursor = 0;
    return failure;
  }

  /** A one-key meta answer must carry its request's opaque token; returns the key index (0). */
  private checkOpaque(request: Request<unknown>): number {
    if (this.meta.opaque !== request.opaque) throw this.opaqueMismatch(request, `O${request.opaque}`);
    return 0;
  }

  /**
   * An answer within a fenced reply of `count` commands must carry one of their opaque tokens, and
   * a later one than the previous answer's (memcached answers in order, each command at most once);
   * returns its index.
   */
  private answerIndex(request: Request<unknown>, count: number): number {
    const opaque = this.meta.opaque;
    const index = opaque - request.opaque;
    if (opaque < 0 || index < this.cursor || index >= count) {
      const first = request.opaque + this.cursor;
      throw this.opaqueMismatch(request, this.cursor + 1 >= count ? `O${first}` : `one of O${first} to O${request.opaque + count - 1}`);
    }
    this.cursor = index + 1;
    return index;
  }

  /**
   * A `k` token must be the key sent at `index`. It is compared as bytes, decoded from base64 when
   * the line has `b`, whichever form the key was sent in: memcached echoes an item's key in the
   * form it was stored with, so a key sent binary may come back raw and the other way round.
   */
  private checkKey(request: Request<unknown>, index: number): void {
    const line = this.meta;
    const b = this.line;
    const ks = line.keyStart;
    const ke = line.keyEnd;
    const base64 = (line.flags & MetaFlag.b) !== 0;
    const binary = request.binaryKeys?.[index];
    let same: boolean;
    if (binary !== undefined) {
      same = base64 ? isBase64Of(b, ks, ke, binary) : ke - ks === binary.length && bytesEqual(b, ks, ke, binary, 0);
    } else {
      const spans = request.keySpans!;
      const start = spans[2 * index];
      const end = spans[2 * index + 1];
      same = base64 ? isBase64Of(b, ks, ke, request.bytes.subarray(start, end)) : ke - ks === end - start && bytesEqual(b, ks, ke, request.bytes, start);
    }
    if (!same) {
      const key = binary ?? request.keys![index];
      throw new ProtocolError(`memcached answered ${request.command} (meta) for key ${describeKey(key)} with key ${describeBytes(b, ks, ke)}${base64 ? ' (base64)' : ''}`);
    }
  }

  private opaqueMismatch(request: Request<unknown>, expected: string): ProtocolError {
    return new ProtocolError(
      `memcached answered ${request.command} (meta) with a line whose opaque token is not ${expected}, so it belongs to another request: ${describeBytes(this.line, this.lineStart, this.lineEnd + 2)}`,
    );
  }

  // ───────────────────────────── stats ─────────────────────────────

  private statsReply(request: Request<unknown>): Stats | MemcacheError | undefined {
    for (;;) {
      if (!this.readLine()) return undefined;
      const b = this.line;
      const s = this.lineStart;
      const e = this.lineEnd;
      if (e - s > 5 && this.lineStarts('STAT ')) {
        let k = s + 5;
        while (k < e && b[k] !== SP) k++;
        if (k === s + 5 || k === e) throw this.badLine(request, 'a STAT line');
        (this.stats ??= new Map()).set(decodeText(b, s + 5, k), decodeText(b, k + 1, e));
        continue;
      }
      if (e - s === 3 && this.lineIs('END')) {
        const stats = this.stats ?? new Map<string, string>();
        this.stats = null;
        return stats;
      }
      if (this.stats === null && e - s === 5 && this.lineIs('RESET')) return new Map<string, string>();
      this.stats = null;
      return this.errorReply(request);
    }
  }

  // ───────────────────────────── errors ─────────────────────────────

  /** `ERROR`, `CLIENT_ERROR <text>`, `SERVER_ERROR <text>` as typed errors; anything else breaks the stream. */
  private errorReply(request: Request<unknown>): MemcacheError {
    const b = this.line;
    const s = this.lineStart;
    const e = this.lineEnd;
    const c0 = b[s];
    if (c0 === E && this.lineStarts('ERROR') && (e - s === 5 || b[s + 5] === SP)) {
      return new UnknownCommandError(request.shape >= ReplyShape.META_ITEM ? `${request.command} (meta protocol)` : request.command);
    }
    if (c0 === C && this.lineStarts('CLIENT_ERROR') && (e - s === 12 || b[s + 12] === SP)) {
      return new ClientError(decodeText(b, Math.min(s + 13, e), e));
    }
    if (c0 === S && this.lineStarts('SERVER_ERROR') && (e - s === 12 || b[s + 12] === SP)) {
      return new ServerError(decodeText(b, Math.min(s + 13, e), e));
    }
    throw new ProtocolError(`unexpected reply to ${request.command}: ${describeBytes(b, s, e + 2)}`);
  }

  private badLine(request: Request<unknown>, what: string): ProtocolError {
    return new ProtocolError(`memcached answered ${request.command} with a line that is not ${what}: ${describeBytes(this.line, this.lineStart, this.lineEnd + 2)}`);
  }

  private badValueEnd(key: Key): ProtocolError {
    return new ProtocolError(`the value of key ${describeKey(key)} is not followed by \\r\\n (its byte count is wrong)`);
  }

  private fail(err: ProtocolError): void {
    this.failure = err;
    // Drop everything: nothing after a broken stream is trusted, and memory is released.
    this.buf = EMPTY_BYTES;
    this.pos = 0;
    this.carryLength = 0;
    this.carryComplete = false;
    this.bodyParts = [];
    this.bodyNeed = 0;
    this.found = null;
    this.items = null;
    this.stats = null;
    this.cursor = 0;
    this.pendingError = null;
    this.counterSize = -1;
  }

  // ───────────────────────────── lines and numbers ─────────────────────────────

  /** Reads the next whole line into `line`/`lineStart`/`lineEnd`; false when it has not fully arrived. */
  private readLine(): boolean {
    let lf: number;
    if (this.carryComplete) {
      this.carryComplete = false;
      this.line = this.carry;
      this.lineStart = 0;
      lf = this.carryLength - 1;
      this.carryLength = 0;
    } else {
      const buf = this.buf;
      const at = this.pos;
      lf = buf.indexOf(LF, at);
      if (lf < 0) {
        this.stash(buf, at, buf.length);
        this.pos = buf.length;
        return false;
      }
      this.line = buf;
      this.lineStart = at;
      this.pos = lf + 1;
    }
    if (lf === this.lineStart || this.line[lf - 1] !== CR) {
      throw new ProtocolError(`a reply line does not end with \\r\\n: ${describeBytes(this.line, this.lineStart, lf + 1)}`);
    }
    this.lineEnd = lf - 1;
    return true;
  }

  /** Appends `src[from .. to)` to the split-line buffer. */
  private stash(src: Uint8Array, from: number, to: number): void {
    const length = to - from;
    if (length === 0) return;
    const needed = this.carryLength + length;
    if (needed > MAX_LINE_BYTES) {
      throw new ProtocolError(`a reply line is longer than ${MAX_LINE_BYTES} bytes: ${describeBytes(src, from, to)}`);
    }
    if (needed > this.carry.length) {
      const grown = new Uint8Array(Math.min(MAX_LINE_BYTES, Math.max(needed, this.carry.length * 2)));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(src.subarray(from, to), this.carryLength);
    this.carryLength = needed;
  }

  /**
   * Reads decimal digits from `b[p ..)` up to `end` or the first non-digit; at least one digit and
   * at most `maxDigits`. Sets `number` (and `bigNumber` when above 2^53 − 1); returns where it stopped.
   */
  private readNumber(b: Uint8Array, p: number, end: number, maxDigits: number): number {
    const decimal = this.decimal;
    const stop = decimal.read(b, p, end, maxDigits);
    if (stop < 0) {
      throw new ProtocolError(`expected a number of 1 to ${maxDigits} digits in reply line ${describeBytes(this.line, this.lineStart, this.lineEnd + 2)}`);
    }
    this.number = decimal.value;
    this.bigNumber = decimal.big;
    return stop;
  }

  /** True when the current line is exactly `text`. */
  private lineIs(text: string): boolean {
    return this.lineEnd - this.lineStart === text.length && this.lineStarts(text);
  }

  /** True when the current line starts with `text` (ASCII). */
  private lineStarts(text: string): boolean {
    const b = this.line;
    const s = this.lineStart;
    if (this.lineEnd - s < text.length) return false;
    for (let i = 0; i < text.length; i++) if (b[s + i] !== text.charCodeAt(i)) return false;
    return true;
  }
}

/** The number of keys a meta batch sent. */
function keyCount(request: Request<unknown>): number {
  const keys = request.keys;
  if (keys === undefined) throw new ProtocolError(`${request.command} is not a retrieval`);
  return keys.length;
}

/** A key for an error message: a string quoted, a binary key in hex (cut when long). */
function describeKey(key: Key): string {
  if (typeof key === 'string') return JSON.stringify(key);
  let hex = '';
  for (let i = 0; i < key.length && i < 32; i++) hex += key[i].toString(16).padStart(2, '0');
  return `0x${hex}${key.length > 32 ? '…' : ''} (binary)`;
}
