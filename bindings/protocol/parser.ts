/**
 * Incremental parser of memcached's text-protocol replies. The connection feeds it network chunks
 * in order and asks for the reply of the oldest pending request; answers come back in request
 * order, so the expected shape is always known and nothing is guessed.
 *
 * Speed rules: bytes are scanned, never decoded wholesale, and no regular expression runs. Keys
 * are matched as bytes against the ones the request sent (the caller's strings are returned, so
 * a value can never come back under a key nobody asked for); only `VERSION`, `STAT` and error
 * texts become strings. A value that lies inside one chunk is returned as a view of it; a value
 * split across chunks is copied once, when its last byte arrives. Only a line split across chunks
 * is copied aside, so the leftover state is at most one partial line.
 */
import { ClientError, ProtocolError, ServerError, UnknownCommandError, type MemcacheError } from '../errors.js';
import { allocBytes, CR, decodeText, describeBytes, EMPTY_BYTES, LF, SP } from './bytes.js';
import type { Item, Stats } from './replies.js';
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

// Byte values of the letters the dispatch looks at.
const A = 65, C = 67, D = 68, E = 69, K = 75, L = 76, N = 78, O = 79, R = 82, S = 83, T = 84, U = 85, V = 86;
const ZERO = 48, NINE = 57;

const STORED = 'STORED', NOT_STORED = 'NOT_STORED', EXISTS = 'EXISTS', NOT_FOUND = 'NOT_FOUND';
const DELETED = 'DELETED', TOUCHED = 'TOUCHED', OK = 'OK';

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
  private found: Item | null = null;
  private items: Item[] | null = null;
  /** Index of the requested key the next `VALUE` most likely names (memcached keeps order). */
  private keyCursor = 0;
  /** True while parsing a multi-key retrieval (set with each `VALUE` header). */
  private multi = false;

  /** A value whose bytes are still arriving: header fields, bytes still missing (`\r\n` included), parts so far. */
  private bodyKey = '';
  private bodyFlags = 0;
  private bodyCas: bigint | undefined = undefined;
  private bodyLength = 0;
  private bodyNeed = 0;
  private bodyParts: Uint8Array[] = [];

  /** `stats` reply in progress. */
  private stats: Stats | null = null;

  /** Last number read by `readNumber`, and a `bigint` when it did not fit a safe integer. */
  private number = 0;
  private bigNumber: bigint | undefined = undefined;

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
  next<R>(request: Request<R>): R | MemcacheError | undefined {
    if (this.failure !== undefined) throw this.failure;
    try {
      switch (request.shape) {
        case ReplyShape.ITEM:
        case ReplyShape.ITEMS:
          return this.retrieval(request) as R | MemcacheError | undefined;
        case ReplyShape.STATS:
          return this.statsReply(request) as R | MemcacheError | undefined;
        case ReplyShape.NONE:
          throw new ProtocolError(`${request.command} was sent with noreply: no reply to parse`);
        default:
          return this.lineReply(request) as R | MemcacheError | undefined;
      }
    } catch (err) {
      if (err instanceof ProtocolError) this.fail(err);
      throw err;
    }
  }

  /** True when received bytes or a partly parsed reply are waiting (bytes nobody asked for, if no request is pending). */
  get buffered(): boolean {
    return this.pos < this.buf.length || this.carryLength > 0 || this.bodyNeed > 0 || this.found !== null || this.items !== null || this.stats !== null;
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

  /** `incr`/`decr` answer: digits (memcached may pad with spaces) → number, or bigint past 2^53 − 1. */
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

  private retrieval(request: Request<unknown>): Item | Item[] | null | MemcacheError | undefined {
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
    let k = p;
    while (k < e && b[k] !== SP) k++;
    if (k === p || k === e) throw this.badLine(request, 'a VALUE header');
    const key = this.matchKey(request, b, p, k);
    p = this.readNumber(b, k + 1, e, 10);
    if (p === e || b[p] !== SP || this.number > 0xffff_ffff) throw this.badLine(request, 'a VALUE header (flags)');
    const flags = this.number;
    p = this.readNumber(b, p + 1, e, 10);
    const length = this.number;
    if (length > this.maxValueBytes) {
      throw new ProtocolError(
        `memcached announced a value of ${length} bytes for key ${JSON.stringify(key)}, more than the limit of ${this.maxValueBytes} (maxValueBytes; raise it for a server with a larger item_size_max)`,
      );
    }
    let cas: bigint | undefined;
    if (p !== e) {
      if (b[p] !== SP || this.readNumber(b, p + 1, e, 20) !== e) throw this.badLine(request, 'a VALUE header');
      cas = this.bigNumber ?? BigInt(this.number);
      if (cas > MAX_U64) throw this.badLine(request, 'a VALUE header (CAS unique)');
    }
    if (request.shape === ReplyShape.ITEM && this.found !== null) {
      throw new ProtocolError(`memcached answered ${request.command} for one key with more than one VALUE`);
    }

    const buf = this.buf;
    const at = this.pos;
    if (buf.length - at >= length + 2) {
      // The whole value is in this chunk: hand out a view, no copy.
      if (buf[at + length] !== CR || buf[at + length + 1] !== LF) throw this.badValueEnd(key);
      this.pos = at + length + 2;
      this.addItem({ key, flags, value: buf.subarray(at, at + length), cas });
      return;
    }
    this.bodyKey = key;
    this.bodyFlags = flags;
    this.bodyCas = cas;
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
    this.addItem({ key: this.bodyKey, flags: this.bodyFlags, value, cas: this.bodyCas });
    return true;
  }

  private addItem(item: Item): void {
    if (this.multi) (this.items ??= []).push(item);
    else this.found = item;
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
    this.multi = request.shape === ReplyShape.ITEMS;
    // Most likely the key after the previous hit; otherwise look at every other key, wrapping around.
    for (let tried = 0, i = this.keyCursor; tried < count; tried++, i = i + 1 === count ? 0 : i + 1) {
      const ks = spans[2 * i];
      if (spans[2 * i + 1] - ks !== length) continue;
      let same = true;
      for (let j = 0; j < length; j++) {
        if (sent[ks + j] !== b[start + j]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.keyCursor = i + 1 === count ? 0 : i + 1;
        return keys[i];
      }
    }
    throw new ProtocolError(
      `memcached answered ${request.command} with a VALUE for key ${describeBytes(b, start, end)}, which was not requested`,
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
    if (c0 === E && this.lineStarts('ERROR') && (e - s === 5 || b[s + 5] === SP)) return new UnknownCommandError(request.command);
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

  private badValueEnd(key: string): ProtocolError {
    return new ProtocolError(`the value of key ${JSON.stringify(key)} is not followed by \\r\\n (its byte count is wrong)`);
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
    const start = p;
    let n = 0;
    while (p < end) {
      const c = b[p];
      if (c < ZERO || c > NINE) break;
      n = n * 10 + (c - ZERO);
      p++;
    }
    const digits = p - start;
    if (digits === 0 || digits > maxDigits) {
      throw new ProtocolError(`expected a number of 1 to ${maxDigits} digits in reply line ${describeBytes(this.line, this.lineStart, this.lineEnd + 2)}`);
    }
    if (digits > 15) {
      let text = '';
      for (let i = start; i < p; i++) text += String.fromCharCode(b[i]);
      const big = BigInt(text);
      this.bigNumber = big <= BigInt(MAX_SAFE) ? undefined : big;
      this.number = big <= BigInt(MAX_SAFE) ? Number(big) : Infinity;
    } else {
      this.bigNumber = undefined;
      this.number = n;
    }
    return p;
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
