/**
 * Serializers for memcached's meta protocol (memcached 1.6+; protocol.txt, "Meta Commands"), with
 * the names, arguments and results of the text protocol's in commands.ts: a client swaps one
 * module for the other and gets the same answers (`HD` of `ms` is `'STORED'`, `NS` `'NOT_STORED'`,
 * `EN` of `mg` is `null`…). Beyond the text protocol:
 *
 * - every command carries an opaque token that its answer must carry back (the parser checks it),
 *   so an answer can never be handed to the wrong request;
 * - keys may be binary (`Uint8Array`, sent base64 with `b`); a retrieval then returns items whose
 *   `key` is that same `Uint8Array`;
 * - a multi-key retrieval is one quiet `mg` per key and an `mn`, so a miss costs no reply line.
 *
 * `flush_all`, `version` and `stats` have no meta form: they are the text ones, re-exported.
 * Validation is the text serializers' (arguments.ts, keys.ts), so both refuse the same input.
 */
import { InvalidValueError } from '../errors.js';
import { checkExptime, checkU64 } from './arguments.js';
import type { StoreVerb } from './commands.js';
import { metaBatch, metaKeyCommand, metaRequest, metaStorage } from './meta-encode.js';
import type { CounterValue, DeleteStatus, Item, Key, StoreStatus, TouchStatus } from './replies.js';
import { ReplyShape, type Request } from './request.js';

export { flushAll, stats, version, type StoreVerb } from './commands.js';

/** `ms`'s mode token for each storage command (`set` is the default, sent as no token). */
const MODES: Readonly<Record<StoreVerb, string>> = { set: '', add: ' ME', replace: ' MR', append: ' MA', prepend: ' MP' };

// Retrieval flags: the value and the client flags; `c` adds the CAS unique (gets, gats).
const VALUE = ' v f';
const VALUE_CAS = ' v f c';

// ───────────────────────────── retrieval ─────────────────────────────

/** `mg <key> v f` → the item, or `null` on a miss (the text protocol's `get`). */
export function get(key: string): Request<Item | null>;
/** `mg <base64 key> b v f`: a binary key; the item's `key` is the same `Uint8Array`. */
export function get(key: Uint8Array): Request<Item<Uint8Array> | null>;
export function get(key: Key): Request<Item<Key> | null>;
export function get(key: Key): Request<Item<Key> | null> {
  return retrieveOne('get', key, VALUE);
}

/** `mg <key> v f c` → the item with its CAS unique, or `null` (the text protocol's `gets`). */
export function gets(key: string): Request<Item | null>;
/** `gets` of a binary key. */
export function gets(key: Uint8Array): Request<Item<Uint8Array> | null>;
export function gets(key: Key): Request<Item<Key> | null>;
export function gets(key: Key): Request<Item<Key> | null> {
  return retrieveOne('gets', key, VALUE_CAS);
}

/** `mg <key> v f T<exptime>`: fetch and set a new expiration time → the item, or `null` (`gat`). */
export function gat(exptime: number, key: string): Request<Item | null>;
/** `gat` of a binary key. */
export function gat(exptime: number, key: Uint8Array): Request<Item<Uint8Array> | null>;
export function gat(exptime: number, key: Key): Request<Item<Key> | null>;
export function gat(exptime: number, key: Key): Request<Item<Key> | null> {
  return retrieveOne('gat', key, `${VALUE} T${checkExptime(exptime)}`);
}

/** `mg <key> v f c T<exptime>`: like {@link gat}, with the CAS unique (`gats`). */
export function gats(exptime: number, key: string): Request<Item | null>;
/** `gats` of a binary key. */
export function gats(exptime: number, key: Uint8Array): Request<Item<Uint8Array> | null>;
export function gats(exptime: number, key: Key): Request<Item<Key> | null>;
export function gats(exptime: number, key: Key): Request<Item<Key> | null> {
  return retrieveOne('gats', key, `${VALUE_CAS} T${checkExptime(exptime)}`);
}

/**
 * `mg <key> v f k O<n> q` per key, then `mn` → the hits, in request order (misses are absent; a
 * key requested twice comes back twice). Needs at least one key. Unlike a text `gat`, the meta
 * form has no 2 KiB line limit: each key is a line of its own.
 */
export function getMulti(keys: readonly string[]): Request<Item[]>;
/** Multi-get with binary keys (or a mix): each item's `key` is the caller's own. */
export function getMulti(keys: readonly Key[]): Request<Item<Key>[]>;
export function getMulti(keys: readonly Key[]): Request<Item<Key>[]> {
  return metaBatch('get', keys, VALUE);
}

/** {@link getMulti} with CAS uniques (`gets`). */
export function getsMulti(keys: readonly string[]): Request<Item[]>;
export function getsMulti(keys: readonly Key[]): Request<Item<Key>[]>;
export function getsMulti(keys: readonly Key[]): Request<Item<Key>[]> {
  return metaBatch('gets', keys, VALUE_CAS);
}

/** {@link getMulti} setting a new expiration time on each hit (`gat`). */
export function gatMulti(exptime: number, keys: readonly string[]): Request<Item[]>;
export function gatMulti(exptime: number, keys: readonly Key[]): Request<Item<Key>[]>;
export function gatMulti(exptime: number, keys: readonly Key[]): Request<Item<Key>[]> {
  return metaBatch('gat', keys, `${VALUE} T${checkExptime(exptime)}`);
}

/** {@link gatMulti} with CAS uniques (`gats`). */
export function gatsMulti(exptime: number, keys: readonly string[]): Request<Item[]>;
export function gatsMulti(exptime: number, keys: readonly Key[]): Request<Item<Key>[]>;
export function gatsMulti(exptime: number, keys: readonly Key[]): Request<Item<Key>[]> {
  return metaBatch('gats', keys, `${VALUE_CAS} T${checkExptime(exptime)}`);
}

function retrieveOne(command: string, key: Key, args: string): Request<Item<Key> | null> {
  return metaRequest({ command, verb: 'mg', key, args, shape: ReplyShape.META_ITEM, retrieval: true, quiet: false, mutates: false });
}

// ───────────────────────────── storage ─────────────────────────────

/** `ms <key> <bytes> F<flags> T<exptime> M<mode>` + data → `STORED` (HD), `NOT_STORED` (NS)… */
export function store(verb: StoreVerb, key: Key, value: Uint8Array | string, flags: number, exptime: number, noreply?: false): Request<StoreStatus>;
/** The same quiet (`q`, then `mn`): resolves with `undefined` once memcached has processed it. */
export function store(verb: StoreVerb, key: Key, value: Uint8Array | string, flags: number, exptime: number, noreply: true): Request<undefined>;
export function store(verb: StoreVerb, key: Key, value: Uint8Array | string, flags: number, exptime: number, noreply: boolean): Request<StoreStatus | undefined>;
export function store(verb: StoreVerb, key: Key, value: Uint8Array | string, flags: number, exptime: number, noreply = false): Request<StoreStatus | undefined> {
  if (!Object.hasOwn(MODES, verb)) throw new InvalidValueError(`unknown storage command ${JSON.stringify(verb)}`);
  return metaStorage(verb, key, value, flags, exptime, MODES[verb], noreply);
}

/** `ms <key> <bytes> F<flags> T<exptime> C<cas unique>` + data → `STORED`, `EXISTS` (EX) or `NOT_FOUND` (NF). */
export function cas(key: Key, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply?: false): Request<StoreStatus>;
/** `cas`, quiet. */
export function cas(key: Key, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply: true): Request<undefined>;
export function cas(key: Key, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply: boolean): Request<StoreStatus | undefined>;
export function cas(key: Key, value: Uint8Array | string, flags: number, exptime: number, unique: bigint | number, noreply = false): Request<StoreStatus | undefined> {
  return metaStorage('cas', key, value, flags, exptime, ` C${checkU64('cas unique', unique)}`, noreply);
}

// ───────────────────────────── other key commands ─────────────────────────────

/** `md <key>` → `DELETED` (HD) or `NOT_FOUND` (NF). */
export function del(key: Key, noreply?: false): Request<DeleteStatus>;
/** `md <key> q`, then `mn`. */
export function del(key: Key, noreply: true): Request<undefined>;
export function del(key: Key, noreply: boolean): Request<DeleteStatus | undefined>;
export function del(key: Key, noreply = false): Request<DeleteStatus | undefined> {
  return metaKeyCommand('delete', 'md', key, '', ReplyShape.META_DELETE, noreply);
}

/** `ma <key> D<delta> v` → the new value (wraps at 2^64), or `null` when the key is missing (NF). */
export function incr(key: Key, delta: bigint | number, noreply?: false): Request<CounterValue>;
/** `ma <key> D<delta> q`, then `mn`. */
export function incr(key: Key, delta: bigint | number, noreply: true): Request<undefined>;
export function incr(key: Key, delta: bigint | number, noreply: boolean): Request<CounterValue | undefined>;
export function incr(key: Key, delta: bigint | number, noreply = false): Request<CounterValue | undefined> {
  return counter('incr', key, ` D${checkU64('delta', delta)}`, noreply);
}

/** `ma <key> MD D<delta> v` → the new value (memcached stops at 0), or `null` when the key is missing. */
export function decr(key: Key, delta: bigint | number, noreply?: false): Request<CounterValue>;
/** `ma <key> MD D<delta> q`, then `mn`. */
export function decr(key: Key, delta: bigint | number, noreply: true): Request<undefined>;
export function decr(key: Key, delta: bigint | number, noreply: boolean): Request<CounterValue | undefined>;
export function decr(key: Key, delta: bigint | number, noreply = false): Request<CounterValue | undefined> {
  return counter('decr', key, ` MD D${checkU64('delta', delta)}`, noreply);
}

// A quiet `ma` asks for no value: `q` hides the whole success answer anyway.
function counter(command: string, key: Key, args: string, noreply: boolean): Request<CounterValue | undefined> {
  return metaKeyCommand(command, 'ma', key, noreply ? args : `${args} v`, ReplyShape.META_COUNTER, noreply);
}

/** `mg <key> T<exptime>` (no value asked for) → `TOUCHED` (HD) or `NOT_FOUND` (EN). */
export function touch(key: Key, exptime: number, noreply?: false): Request<TouchStatus>;
/** `mg <key> T<exptime> q`, then `mn`. */
export function touch(key: Key, exptime: number, noreply: true): Request<undefined>;
export function touch(key: Key, exptime: number, noreply: boolean): Request<TouchStatus | undefined>;
export function touch(key: Key, exptime: number, noreply = false): Request<TouchStatus | undefined> {
  return metaKeyCommand('touch', 'mg', key, ` T${checkExptime(exptime)}`, ReplyShape.META_TOUCH, noreply);
}
