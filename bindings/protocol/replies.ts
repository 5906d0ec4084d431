/**
 * What memcached answers, as the parser hands it out. The spec's own nouns are kept (`STORED`,
 * `NOT_FOUND`…): a miss or `NOT_STORED` is a result, not an error. `ERROR`, `CLIENT_ERROR` and
 * `SERVER_ERROR` become `UnknownCommandError`, `ClientError` and `ServerError` (bindings/errors.ts).
 */

/**
 * A key as the caller passes it: a string (sent as UTF-8), or, over the meta protocol only, a
 * binary key (sent base64-encoded with the `b` flag).
 */
export type Key = string | Uint8Array;

/**
 * One `VALUE` (text) or `VA` (meta) of a retrieval reply (`get`, `gets`, `gat`, `gats`). `K` is
 * the type of the key the caller passed: `string` unless a meta retrieval was given binary keys.
 */
export interface Item<K extends Key = string> {
  /** The key, exactly as the caller passed it (the parser matched the server's answer against it). */
  readonly key: K;
  /** The 32-bit client flags stored with the value. */
  readonly flags: number;
  /**
   * The value's bytes. When the value arrived within one network chunk this is a view into that
   * chunk (no copy); the parser never writes to it afterwards, so it is safe to keep.
   */
  readonly value: Uint8Array;
  /** The CAS unique (64-bit) from `gets`/`gats`; `undefined` for `get`/`gat`. */
  readonly cas: bigint | undefined;
}

/** Answer to `set`, `add`, `replace`, `append`, `prepend` and `cas`. */
export type StoreStatus = 'STORED' | 'NOT_STORED' | 'EXISTS' | 'NOT_FOUND';

/** Answer to `delete`. */
export type DeleteStatus = 'DELETED' | 'NOT_FOUND';

/** Answer to `touch`. */
export type TouchStatus = 'TOUCHED' | 'NOT_FOUND';

/** Answer to `flush_all`. */
export type OkStatus = 'OK';

/**
 * Answer to `incr`/`decr`: the new value, or `null` for `NOT_FOUND`.
 *
 * memcached counters are unsigned 64-bit. The value is a `number` whenever it is a safe integer
 * (at most 2^53 − 1, i.e. practically always) and a `bigint` above that, so no digit is ever lost;
 * callers that expect huge counters check `typeof`.
 */
export type CounterValue = number | bigint | null;

/** Answer to `stats [group]`: each `STAT <name> <value>` line, in the server's order, as text. */
export type Stats = Map<string, string>;
