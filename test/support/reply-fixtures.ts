/**
 * Reply fixtures for the parser tests: each pairs a request with the exact bytes memcached sends
 * back and the result expected, plus helpers to drive a {@link ReplyParser} over any chunking.
 */
import * as cmd from '../../bindings/protocol/commands.js';
import { MemcacheError, ProtocolError } from '../../bindings/errors.js';
import { QUIET_DONE, ReplyParser } from '../../bindings/protocol/parser.js';
import type { Request } from '../../bindings/protocol/request.js';

/** Bytes of a latin1 string (each char one byte), so fixtures can hold any byte. */
export const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/**
 * A comparable rendering of any parse result (values as latin1 text, errors by class and text, a
 * lease read's facts too; a quiet meta command's completion as `undefined`, as the connection resolves it).
 */
export function normalize(result: unknown): unknown {
  if (result === QUIET_DONE) return undefined;
  if (result instanceof MemcacheError) {
    return { error: result.name, code: result.code, serverMessage: (result as { serverMessage?: string }).serverMessage };
  }
  if (result instanceof Map) return Object.fromEntries(result);
  if (Array.isArray(result)) return result.map(normalize);
  if (result !== null && typeof result === 'object' && 'value' in result) {
    const item = result as { key: string | Uint8Array; flags: number; value: Uint8Array; cas: bigint | undefined };
    const plain = { key: item.key, flags: item.flags, value: String.fromCharCode(...item.value), cas: item.cas };
    if (!('ttl' in item)) return plain;
    const { ttl, win, stale, alreadyWon } = item as unknown as { ttl: number; win: boolean; stale: boolean; alreadyWon: boolean };
    return { ...plain, ttl, win, stale, alreadyWon };
  }
  return result;
}

export interface Fixture {
  name: string;
  request: Request<unknown>;
  /** The reply bytes, as latin1 text. */
  reply: string;
  /** `normalize`d result. */
  expected: unknown;
}

const item = (key: string, flags: number, value: string, cas?: bigint) => ({ key, flags, value, cas });
const serverError = (text: string) => ({ error: 'ServerError', code: 'ERR_SERVER', serverMessage: text });
const clientError = (text: string) => ({ error: 'ClientError', code: 'ERR_CLIENT', serverMessage: text });
const unknownCommand = { error: 'UnknownCommandError', code: 'ERR_UNKNOWN_COMMAND', serverMessage: undefined };

/** A value that looks like protocol: CRLF, END, NUL, 0xff, a VALUE prefix. */
const TRICKY = '\r\nEND\r\n\x00\xff\r\nVALU\r\n';

/** Valid replies covering every shape, binary values and the server's error lines. */
export const FIXTURES: Fixture[] = [
  { name: 'get hit', request: cmd.get('k'), reply: 'VALUE k 5 3\r\nabc\r\nEND\r\n', expected: item('k', 5, 'abc') },
  { name: 'get miss', request: cmd.get('k'), reply: 'END\r\n', expected: null },
  { name: 'get empty value', request: cmd.get('e'), reply: 'VALUE e 0 0\r\n\r\nEND\r\n', expected: item('e', 0, '') },
  {
    name: 'get binary value with CRLF, END and NUL inside',
    request: cmd.get('bin'),
    reply: `VALUE bin 4294967295 ${TRICKY.length}\r\n${TRICKY}\r\nEND\r\n`,
    expected: item('bin', 4294967295, TRICKY),
  },
  {
    name: 'gets with a CAS unique above 2^53',
    request: cmd.gets('c'),
    reply: 'VALUE c 1 2 18446744073709551615\r\nhi\r\nEND\r\n',
    expected: item('c', 1, 'hi', 18446744073709551615n),
  },
  { name: 'gat hit with small cas', request: cmd.gats(10, 'c'), reply: 'VALUE c 0 1 7\r\nx\r\nEND\r\n', expected: item('c', 0, 'x', 7n) },
  {
    name: 'multi-get in order, with misses',
    request: cmd.getMulti(['a', 'b', 'c']),
    reply: 'VALUE a 1 1\r\n1\r\nVALUE c 3 3\r\n333\r\nEND\r\n',
    expected: [item('a', 1, '1'), item('c', 3, '333')],
  },
  {
    name: 'multi-get out of order (a proxy)',
    request: cmd.getsMulti(['a', 'b', 'c']),
    reply: 'VALUE c 0 1 1\r\nC\r\nVALUE a 0 1 2\r\nA\r\nEND\r\n',
    expected: [item('c', 0, 'C', 1n), item('a', 0, 'A', 2n)],
  },
  { name: 'multi-get all miss', request: cmd.getMulti(['x', 'y']), reply: 'END\r\n', expected: [] },
  {
    name: 'multi-get with a non-ASCII key',
    request: cmd.getMulti(['é', 'ключ']),
    reply: 'VALUE \xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 0 2\r\nok\r\nEND\r\n',
    expected: [item('ключ', 0, 'ok')],
  },
  { name: 'set stored', request: cmd.store('set', 'k', bytes('v'), 0, 0), reply: 'STORED\r\n', expected: 'STORED' },
  { name: 'add not stored', request: cmd.store('add', 'k', bytes('v'), 0, 0), reply: 'NOT_STORED\r\n', expected: 'NOT_STORED' },
  { name: 'cas exists', request: cmd.cas('k', bytes('v'), 0, 0, 1n), reply: 'EXISTS\r\n', expected: 'EXISTS' },
  { name: 'cas not found', request: cmd.cas('k', bytes('v'), 0, 0, 1n), reply: 'NOT_FOUND\r\n', expected: 'NOT_FOUND' },
  { name: 'set too large', request: cmd.store('set', 'k', bytes('v'), 0, 0), reply: 'SERVER_ERROR object too large for cache\r\n', expected: serverError('object too large for cache') },
  { name: 'delete', request: cmd.del('k'), reply: 'DELETED\r\n', expected: 'DELETED' },
  { name: 'delete miss', request: cmd.del('k'), reply: 'NOT_FOUND\r\n', expected: 'NOT_FOUND' },
  { name: 'touch', request: cmd.touch('k', 1), reply: 'TOUCHED\r\n', expected: 'TOUCHED' },
  { name: 'incr', request: cmd.incr('k', 1), reply: '42\r\n', expected: 42 },
  { name: 'incr at 2^53 - 1', request: cmd.incr('k', 1), reply: '9007199254740991\r\n', expected: 9007199254740991 },
  { name: 'incr past 2^53', request: cmd.incr('k', 1), reply: '9007199254740992\r\n', expected: 9007199254740992n },
  { name: 'incr at 2^64 - 1', request: cmd.incr('k', 1), reply: '18446744073709551615\r\n', expected: 18446744073709551615n },
  { name: 'decr space-padded', request: cmd.decr('k', 1), reply: '9  \r\n', expected: 9 },
  { name: 'incr miss', request: cmd.incr('k', 1), reply: 'NOT_FOUND\r\n', expected: null },
  { name: 'incr non-numeric', request: cmd.incr('k', 1), reply: 'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n', expected: clientError('cannot increment or decrement non-numeric value') },
  { name: 'version', request: cmd.version(), reply: 'VERSION 1.6.18\r\n', expected: '1.6.18' },
  { name: 'flush_all', request: cmd.flushAll(), reply: 'OK\r\n', expected: 'OK' },
  {
    name: 'stats',
    request: cmd.stats(),
    reply: 'STAT pid 123\r\nSTAT version 1.6.18\r\nSTAT libevent 2.1.12-stable extra words\r\nEND\r\n',
    expected: { pid: '123', version: '1.6.18', libevent: '2.1.12-stable extra words' },
  },
  { name: 'stats reset', request: cmd.stats('reset'), reply: 'RESET\r\n', expected: {} },
  { name: 'stats unknown group', request: cmd.stats('bogus'), reply: 'ERROR\r\n', expected: unknownCommand },
  { name: 'ERROR with text', request: cmd.touch('k', 1), reply: 'ERROR unknown command\r\n', expected: unknownCommand },
  { name: 'bare CLIENT_ERROR', request: cmd.get('k'), reply: 'CLIENT_ERROR\r\n', expected: clientError('') },
  {
    name: 'SERVER_ERROR ending a multi-get after a VALUE',
    request: cmd.getMulti(['a', 'b']),
    reply: 'VALUE a 0 1\r\nx\r\nSERVER_ERROR out of memory writing get response\r\n',
    expected: serverError('out of memory writing get response'),
  },
];

/** Outcome of parsing a stream: the results in order, and the ProtocolError that stopped it, if any. */
export interface Outcome {
  results: unknown[];
  error?: ProtocolError;
  /** Requests still waiting for bytes when the input ran out. */
  waiting: number;
}

/**
 * Feeds `chunks` in order to a fresh parser, asking for each request's reply in turn (as the
 * connection does). Any exception other than a ProtocolError propagates (a test failure).
 */
export function parseStream(requests: readonly Request<unknown>[], chunks: Iterable<Uint8Array>): Outcome {
  const parser = new ReplyParser();
  const results: unknown[] = [];
  let index = 0;
  try {
    for (const chunk of chunks) {
      parser.feed(chunk);
      while (index < requests.length) {
        const result = parser.next(requests[index]);
        if (result === undefined) break;
        results.push(normalize(result));
        index++;
      }
    }
  } catch (err) {
    if (err instanceof ProtocolError) return { results, error: err, waiting: requests.length - index };
    throw err;
  }
  return { results, waiting: requests.length - index };
}

/** `data` cut at the given positions (sorted, deduplicated, within bounds). */
export function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < data.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(data.slice(start, point));
    start = point;
  }
  chunks.push(data.slice(start));
  return chunks;
}

/** Every fixture's reply, concatenated: one pipelined stream. */
export function allFixtures(): { requests: Request<unknown>[]; data: Uint8Array; expected: unknown[] } {
  return {
    requests: FIXTURES.map((f) => f.request),
    data: bytes(FIXTURES.map((f) => f.reply).join('')),
    expected: FIXTURES.map((f) => f.expected),
  };
}
