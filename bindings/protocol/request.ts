/**
 * An encoded command plus what its answer looks like: the unit the connection queues, writes and
 * matches against the next reply. Built by the serializers in `commands.ts` (text protocol) and
 * `meta-commands.ts` / `meta-leases.ts` (meta protocol), read by the parser.
 */

/**
 * Values up to this size are copied into the command buffer; larger ones are sent by reference
 * (`Request.body`) and copied once, into the connection's coalesced write.
 */
export const EMBED_LIMIT = 16 * 1024;

/**
 * The shape of the reply a request waits for. Numbers, so the parser's switch stays cheap; the
 * meta protocol's are numbered from `META_ITEM` up, which is how the parser tells the two apart.
 */
export const ReplyShape = {
  /** `noreply`: nothing comes back; the request is done once written. */
  NONE: 0,
  /** One-key retrieval: zero or one `VALUE` for exactly that key, then `END` → `Item | null`. */
  ITEM: 1,
  /** Multi-key retrieval: `VALUE`s for requested keys only, then `END` → `Item[]`. */
  ITEMS: 2,
  /** `STORED` / `NOT_STORED` / `EXISTS` / `NOT_FOUND`. */
  STORE: 3,
  /** `DELETED` / `NOT_FOUND`. */
  DELETE: 4,
  /** `TOUCHED` / `NOT_FOUND`. */
  TOUCH: 5,
  /** `OK`. */
  OK: 6,
  /** A decimal number or `NOT_FOUND`. */
  COUNTER: 7,
  /** `VERSION <text>`. */
  VERSION: 8,
  /** `STAT <name> <value>` lines, then `END`. */
  STATS: 9,
  /** Meta `mg … v`: `VA` with the value, or `EN` → `Item | null`. */
  META_ITEM: 10,
  /** Quiet meta `mg … q` per key and a final `mn`: the hits' `VA`s, then `MN` → `Item[]`. */
  META_ITEMS: 11,
  /** Meta `ms`: `HD` / `NS` / `EX` / `NF` → a `StoreStatus`. */
  META_STORE: 12,
  /** Meta `md`: `HD` / `NF` → a `DeleteStatus`. */
  META_DELETE: 13,
  /** Meta `mg … T` without a value: `HD` / `EN` → a `TouchStatus`. */
  META_TOUCH: 14,
  /** Meta `ma … v`: `VA` with the number, or `NF` → a `CounterValue`. */
  META_COUNTER: 15,
  /** Meta `mg` with lease flags: `VA` with `t` and the `W`/`X`/`Z` flags, or `EN` → `LeaseItem | null`. */
  META_LEASE: 16,
  /** Meta `md … I`: `HD` / `NF` → an `InvalidateStatus`. */
  META_INVALIDATE: 17,
  /** A quiet meta command and a final `mn`: at most one failure line, then `MN` → `undefined`. */
  META_QUIET: 18,
} as const;

/** One of the {@link ReplyShape} values. */
export type ReplyShape = (typeof ReplyShape)[keyof typeof ReplyShape];

/**
 * One command ready to send. `R` is what the connection resolves with once the reply is parsed.
 * Immutable after construction; never build one by hand, use the serializers in `commands.ts`.
 */
export class Request<R> {
  /** Type-only marker tying the request to its result type; never set at run time. */
  declare readonly reply: R;

  constructor(
    /** memcached's command name (`get`, `set`…), used in error messages. */
    readonly command: string,
    /** What the answer looks like. */
    readonly shape: ReplyShape,
    /** The command line, and the data block too unless it is passed by reference in `body`. */
    readonly bytes: Uint8Array,
    /**
     * A large value sent by reference right after `bytes` and followed by `\r\n`, so it is
     * copied once, into the connection's write; `undefined` when the data block is inside `bytes`.
     * The caller must not modify it until the request settles.
     */
    readonly body: Uint8Array | undefined,
    /** The requested keys of a retrieval, in command order, as sent; `undefined` otherwise. */
    readonly keys: readonly string[] | undefined,
    /** For each of `keys`, where its UTF-8 bytes lie in `bytes`: `[start0, end0, start1, end1, …]`. */
    readonly keySpans: readonly number[] | undefined,
    /** True for commands that change the cache: losing their answer leaves the outcome unknown. */
    readonly mutates: boolean,
    /**
     * True when a data block follows the command line. A `CLIENT_ERROR` to such a command means
     * the server may have read the data block as commands, so the byte stream is out of sync.
     */
    readonly hasData: boolean,
    /**
     * The opaque token (`O<n>`) of a meta command, which every answer must carry back; in a
     * multi-key request key `i` carries `opaque + i`. `-1` for the text protocol.
     */
    readonly opaque: number = -1,
    /**
     * Where a meta retrieval's key `i` is binary, the caller's `Uint8Array` (then `keys[i]` is its
     * base64 form, as sent); `undefined` when every key is a string.
     */
    readonly binaryKeys: readonly (Uint8Array | undefined)[] | undefined = undefined,
  ) {}

  /** Bytes this request puts on the wire. */
  get size(): number {
    return this.body === undefined ? this.bytes.length : this.bytes.length + this.body.length + 2;
  }
}
