/**
 * How a meta command is laid out on the wire, for the serializers in meta-commands.ts and
 * meta-leases.ts:
 *
 *     <verb> <key><args>[ b | k] O<opaque>[ q]\r\n[<data block>\r\n][mn\r\n]
 *
 * `args` is the command's own part (for `ms` its data length first, as memcached wants it right
 * after the key). A binary key is base64 with `b`. A retrieval asks for its string key back (`k`),
 * so its answer is checked against the key as well as the opaque token; not for a binary key,
 * because memcached 1.6.18 echoes the raw bytes of an item that `mg … N` created from a binary
 * key (it does not mark the item binary), and raw bytes may hold a space or `\r\n`.
 *
 * Quiet (the meta form of noreply) sends `q` and then `mn`: unlike the text protocol's noreply,
 * `q` still answers failures (`NS`, `EX`, `NF`) and errors, so the `MN` fence tells the parser
 * where the command's answer ends; nothing is left in the stream to be mistaken for the next reply.
 */
import { InvalidKeyError } from '../errors.js';
import { checkExptime, checkFlags, checkValue } from './arguments.js';
import { allocWireBytes, asciiBytes, CR, digitCount, LF, SP, utf8Bytes, writeAscii, writeDecimal } from './bytes.js';
import { metaKeyLength, writeMetaKey } from './meta-keys.js';
import { takeOpaques } from './opaque.js';
import type { Key, StoreStatus } from './replies.js';
import { EMBED_LIMIT, ReplyShape, Request } from './request.js';

/** The meta commands failback sends (`mn` only as a fence). */
export type MetaVerb = 'mg' | 'ms' | 'md' | 'ma';

const FENCE = asciiBytes('mn\r\n');
const BINARY = 0x62; // 'b'
const KEY = 0x6b; // 'k'
const OPAQUE = 0x4f; // 'O'
const QUIET = 0x71; // 'q'

/** What one meta command for one key is. */
export interface MetaCommand {
  /** memcached's text-protocol name of the operation (`get`, `add`, `delete`…), for messages and diagnostics. */
  readonly command: string;
  /** The meta command sent. */
  readonly verb: MetaVerb;
  /** A string key, or a binary one (sent base64 with `b`). */
  readonly key: Key;
  /** The command's flags as ASCII, each after a space (for `ms`, its data length first). */
  readonly args: string;
  /** The answer's shape (replaced by `META_QUIET` when `quiet`). */
  readonly shape: ReplyShape;
  /** A retrieval: its key is echoed back (string keys) and recorded in the request. */
  readonly retrieval: boolean;
  /** Send `q` and an `mn` fence; the request resolves with `undefined`. */
  readonly quiet: boolean;
  /** `ms`'s data block. */
  readonly value?: Uint8Array;
  /** True for commands that change the cache. */
  readonly mutates: boolean;
  /** The key's token length, when the caller has measured it already. */
  readonly keyLength?: number;
}

/** Builds the {@link Request} of one meta command. Throws `InvalidKeyError` for a key memcached would refuse. */
export function metaRequest<R>(spec: MetaCommand): Request<R> {
  const { key, value, quiet } = spec;
  const keyLength = spec.keyLength ?? metaKeyLength(key);
  const opaque = takeOpaques(1);
  const line = lineLength(keyLength, spec.args, key, spec.retrieval, opaque, quiet);
  // A quiet command's fence must follow the data block, so its value is always embedded.
  const embed = value === undefined || quiet || value.length <= EMBED_LIMIT;
  const size = line + (value !== undefined && embed ? value.length + 2 : 0) + (quiet ? FENCE.length : 0);
  const buf = allocWireBytes(size);
  const keyStart = spec.verb.length + 1;
  let pos = writeLine(buf, 0, spec.verb, key, keyLength, spec.args, spec.retrieval, opaque, quiet);
  if (value !== undefined && embed) {
    buf.set(value, pos);
    pos += value.length;
    buf[pos++] = CR;
    buf[pos++] = LF;
  }
  if (quiet) buf.set(FENCE, pos);
  const keys = spec.retrieval ? [keyText(buf, keyStart, keyStart + keyLength, key)] : undefined;
  return new Request<R>(
    spec.command, quiet ? ReplyShape.META_QUIET : spec.shape, buf, embed ? undefined : value,
    keys, keys === undefined ? undefined : [keyStart, keyStart + keyLength], spec.mutates, value !== undefined,
    opaque, keys !== undefined && typeof key !== 'string' ? [key] : undefined,
  );
}

/**
 * An `ms` of `value`, with `extra` flags after the client flags and TTL (a mode, `C<cas>`,
 * `I C<cas>`). Zero flags and TTL are memcached's defaults, so they are not sent. Checks run in
 * the text serializer's order (key, value, flags, exptime), so both refuse bad input alike.
 */
export function metaStorage(command: string, key: Key, value: Uint8Array | string, flags: number, exptime: number, extra: string, noreply: boolean): Request<StoreStatus | undefined> {
  const keyLength = metaKeyLength(key);
  // A string value is sent as its UTF-8 bytes, as the text serializers send it.
  if (typeof value === 'string') value = utf8Bytes(value);
  checkValue(command, value);
  checkFlags(flags);
  checkExptime(exptime);
  const args = ` ${value.length}${flags === 0 ? '' : ` F${flags}`}${exptime === 0 ? '' : ` T${exptime}`}${extra}`;
  return metaRequest({ command, verb: 'ms', key, keyLength, args, shape: ReplyShape.META_STORE, retrieval: false, quiet: noreply, value, mutates: true });
}

/** A command of one key and no value (`md`, `ma`, `mg` without `v`). */
export function metaKeyCommand<R>(command: string, verb: MetaVerb, key: Key, args: string, shape: ReplyShape, noreply: boolean): Request<R> {
  return metaRequest({ command, verb, key, args, shape, retrieval: false, quiet: noreply, mutates: true });
}

/**
 * Builds a quiet multi-key retrieval: `mg <key><args> … O<first + i> q` for each key, then `mn`.
 * memcached answers the hits only, in order, then `MN` (`ReplyShape.META_ITEMS`).
 */
export function metaBatch<R>(command: string, keys: readonly Key[], args: string): Request<R> {
  if (!Array.isArray(keys) || keys.length === 0) throw new InvalidKeyError(`${command} needs at least one key`);
  const count = keys.length;
  const lengths = new Array<number>(count);
  const opaque = takeOpaques(count);
  let size = FENCE.length;
  let binary = false;
  for (let i = 0; i < count; i++) {
    const key = keys[i];
    lengths[i] = metaKeyLength(key);
    size += lineLength(lengths[i], args, key, true, opaque + i, true);
    if (typeof key !== 'string') binary = true;
  }
  const buf = allocWireBytes(size);
  const spans = new Array<number>(count * 2);
  const texts = new Array<string>(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const start = pos + 3;
    spans[2 * i] = start;
    spans[2 * i + 1] = start + lengths[i];
    pos = writeLine(buf, pos, 'mg', keys[i], lengths[i], args, true, opaque + i, true);
    texts[i] = keyText(buf, start, start + lengths[i], keys[i]);
  }
  buf.set(FENCE, pos);
  const binaryKeys = binary ? keys.map((key) => (typeof key === 'string' ? undefined : key)) : undefined;
  return new Request<R>(command, ReplyShape.META_ITEMS, buf, undefined, texts, spans, false, false, opaque, binaryKeys);
}

function lineLength(keyLength: number, args: string, key: Key, retrieval: boolean, opaque: number, quiet: boolean): number {
  const echo = typeof key !== 'string' || retrieval ? 2 : 0;
  return 3 + keyLength + args.length + echo + 2 + digitCount(opaque) + (quiet ? 2 : 0) + 2;
}

function writeLine(buf: Uint8Array, pos: number, verb: MetaVerb, key: Key, keyLength: number, args: string, retrieval: boolean, opaque: number, quiet: boolean): number {
  pos = writeAscii(buf, pos, verb);
  buf[pos++] = SP;
  pos = writeMetaKey(buf, pos, key, keyLength);
  pos = writeAscii(buf, pos, args);
  if (typeof key !== 'string' || retrieval) {
    buf[pos++] = SP;
    buf[pos++] = typeof key === 'string' ? KEY : BINARY;
  }
  buf[pos++] = SP;
  buf[pos++] = OPAQUE;
  pos = writeDecimal(buf, pos, opaque);
  if (quiet) {
    buf[pos++] = SP;
    buf[pos++] = QUIET;
  }
  buf[pos++] = CR;
  buf[pos++] = LF;
  return pos;
}

/** A key as `Request.keys` records it: the caller's string, or a binary key's base64 as sent. */
function keyText(buf: Uint8Array, start: number, end: number, key: Key): string {
  return typeof key === 'string' ? key : String.fromCharCode(...buf.subarray(start, end));
}
