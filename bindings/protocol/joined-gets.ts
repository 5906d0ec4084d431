/**
 * Joining one-key text `get`s into one multi-key line. memcached (1.6) sends the answer to every
 * text `get` in a write of its own, so gets pipelined on one connection come back one syscall,
 * and often one network read, each; `get k1 k2 … kn` comes back in one. A connection joins the
 * unsent one-key gets it holds (spymemcached does the same) and hands each its own answer.
 *
 * Pure byte work: the key bytes are copied from the requests as they were encoded, never again.
 */
import { allocWireBytes, CR, LF, SP, writeAscii } from './bytes.js';
import type { Item } from './replies.js';
import { ReplyShape, Request } from './request.js';

/** Most one-key gets one line carries: a miss-heavy line still answers quickly, a reply stays bounded. */
export const MAX_JOINED_GETS = 100;

/**
 * True when `request` is a one-key text `get` or `gets`, which another of the same verb may join.
 * (`gat`/`gats` are left alone: memcached refuses their command lines over 2 KiB.)
 */
export function isJoinable(request: Request<unknown>): boolean {
  return request.shape === ReplyShape.ITEM && request.opaque === -1 && (request.command === 'get' || request.command === 'gets');
}

/**
 * One `<verb> k1 k2 … kn` line for `requests` (at least two, all joinable, of one verb), with
 * each key's bytes copied from its request. Its answer is the hits in order (`ReplyShape.ITEMS`).
 */
export function joinGets(requests: readonly Request<unknown>[]): Request<Item[]> {
  const verb = requests[0].command;
  const count = requests.length;
  let size = verb.length + 2;
  for (let i = 0; i < count; i++) {
    const spans = requests[i].keySpans!;
    size += spans[1] - spans[0] + 1;
  }
  const buf = allocWireBytes(size);
  const keys = new Array<string>(count);
  const spans = new Array<number>(count * 2);
  let pos = writeAscii(buf, 0, verb);
  for (let i = 0; i < count; i++) {
    const request = requests[i];
    const [start, end] = request.keySpans!;
    buf[pos++] = SP;
    spans[2 * i] = pos;
    buf.set(request.bytes.subarray(start, end), pos);
    pos += end - start;
    spans[2 * i + 1] = pos;
    keys[i] = request.keys![0];
  }
  buf[pos++] = CR;
  buf[pos] = LF;
  return new Request(verb, ReplyShape.ITEMS, buf, undefined, keys, spans, false, false);
}

/**
 * Each joined request's own answer from the joined line's hits: its item, or `null` for a miss.
 * memcached answers in request order, so a hit belongs to the first request still unanswered
 * whose key it is (a key asked twice gets one hit each); nobody gets another key's item.
 */
export function splitJoined(keys: readonly string[], items: readonly Item[]): (Item | null)[] {
  const answers = new Array<Item | null>(keys.length).fill(null);
  let next = 0;
  for (const item of items) {
    while (next < keys.length && keys[next] !== item.key) next++;
    if (next === keys.length) break; // the parser only returns requested keys: not reached
    answers[next++] = item;
  }
  return answers;
}
