/**
 * Property tests of the reply parser: any valid pipelined stream parses identically however it
 * is split, and arbitrary bytes never crash or hang it: they end in a ProtocolError, a need for
 * more bytes, or replies that are exactly what the bytes say (the same for every split).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import * as cmd from '../bindings/protocol/commands.js';
import type { Request } from '../bindings/protocol/request.js';
import { arbitraryBytesProperties, latin1, validStreamProperties, type StreamReply as Reply } from './support/parser-properties.js';
import { bytes } from './support/reply-fixtures.js';

const keyArb = fc.stringMatching(/^[a-zA-Z0-9_:.-]{1,12}$/);
const valueArb = fc.uint8Array({ maxLength: 300 }).map(latin1);
const flagsArb = fc.nat({ max: 0xffff_ffff });
const casArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

const itemReply = (key: string, flags: number, value: string, cas?: bigint): string =>
  `VALUE ${key} ${flags} ${value.length}${cas === undefined ? '' : ` ${cas}`}\r\n${value}\r\n`;

const getArb: fc.Arbitrary<Reply> = fc.tuple(keyArb, flagsArb, valueArb, fc.option(casArb, { nil: undefined }), fc.boolean()).map(
  ([key, flags, value, cas, hit]) => ({
    request: cas === undefined ? cmd.get(key) : cmd.gets(key),
    reply: hit ? `${itemReply(key, flags, value, cas)}END\r\n` : 'END\r\n',
    expected: hit ? { key, flags, value, cas } : null,
  }),
);

const multiArb: fc.Arbitrary<Reply> = fc
  .uniqueArray(fc.tuple(keyArb, flagsArb, valueArb, fc.boolean()), { minLength: 1, maxLength: 6, selector: ([k]) => k })
  .map((entries) => {
    const hits = entries.filter(([, , , hit]) => hit);
    return {
      request: cmd.getMulti(entries.map(([k]) => k)),
      reply: `${hits.map(([k, f, v]) => itemReply(k, f, v)).join('')}END\r\n`,
      expected: hits.map(([key, flags, value]) => ({ key, flags, value, cas: undefined })),
    };
  });

const statusArb: fc.Arbitrary<Reply> = fc.oneof(
  fc.constantFrom('STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND').map((s) => ({ request: cmd.store('set', 'k', bytes('v'), 0, 0), reply: `${s}\r\n`, expected: s })),
  fc.constantFrom('DELETED', 'NOT_FOUND').map((s) => ({ request: cmd.del('k'), reply: `${s}\r\n`, expected: s })),
  fc.constantFrom('TOUCHED', 'NOT_FOUND').map((s) => ({ request: cmd.touch('k', 0), reply: `${s}\r\n`, expected: s })),
  fc.constant({ request: cmd.flushAll(), reply: 'OK\r\n', expected: 'OK' }),
);

const counterArb: fc.Arbitrary<Reply> = fc.oneof(
  casArb.map((n) => ({ request: cmd.incr('k', 1), reply: `${n}\r\n`, expected: n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n })),
  fc.constant({ request: cmd.decr('k', 1), reply: 'NOT_FOUND\r\n', expected: null }),
);

const textArb = fc.stringMatching(/^[ -~]{0,40}$/);
const otherArb: fc.Arbitrary<Reply> = fc.oneof(
  fc.stringMatching(/^[!-~][ -~]{0,20}$/).map((v) => ({ request: cmd.version(), reply: `VERSION ${v}\r\n`, expected: v })),
  fc.uniqueArray(fc.tuple(fc.stringMatching(/^[!-~]{1,12}$/), textArb), { maxLength: 5, selector: ([k]) => k }).map((entries) => ({
    request: cmd.stats(),
    reply: `${entries.map(([k, v]) => `STAT ${k} ${v}\r\n`).join('')}END\r\n`,
    expected: Object.fromEntries(entries),
  })),
  textArb.map((t) => ({ request: cmd.get('k'), reply: `SERVER_ERROR ${t}\r\n`, expected: { error: 'ServerError', code: 'ERR_SERVER', serverMessage: t } })),
  textArb.map((t) => ({ request: cmd.incr('k', 1), reply: `CLIENT_ERROR ${t}\r\n`, expected: { error: 'ClientError', code: 'ERR_CLIENT', serverMessage: t } })),
  fc.constant({ request: cmd.stats('x'), reply: 'ERROR\r\n', expected: { error: 'UnknownCommandError', code: 'ERR_UNKNOWN_COMMAND', serverMessage: undefined } }),
);

const streamArb = fc.array(fc.oneof(getArb, multiArb, statusArb, counterArb, otherArb), { minLength: 1, maxLength: 12 });

validStreamProperties(streamArb);

/** One request of each shape, in a fixed pipeline, to throw random bytes at. */
const PIPELINE: Request<unknown>[] = [
  cmd.get('k'),
  cmd.getMulti(['k', 'key2', 'x']),
  cmd.store('set', 'k', bytes('v'), 0, 0),
  cmd.incr('k', 1),
  cmd.del('k'),
  cmd.touch('k', 1),
  cmd.version(),
  cmd.stats(),
  cmd.flushAll(),
  cmd.gets('key2'),
];

// Pieces of the protocol, so random streams often get far into the parser's states.
const TOKENS = [
  'VALUE ', 'VALUE k ', 'VALUE key2 ', 'VALUE x 0 ', 'END', 'END\r\n', '\r\n', '\r', '\n', ' ', '0', '1', '2', '3', '18446744073709551616',
  '4294967296', 'k', 'key2', 'STORED', 'NOT_FOUND', 'DELETED', 'TOUCHED', 'OK', 'VERSION ', 'STAT ', 'ERROR', 'CLIENT_ERROR ',
  'SERVER_ERROR ', 'RESET', '\x00', '\xff', '-',
  // Whole replies, so soups often get several requests deep.
  'STORED\r\n', 'DELETED\r\n', 'TOUCHED\r\n', 'OK\r\n', '42\r\n', 'VERSION 1.6\r\n', 'STAT a b\r\n', 'VALUE k 0 1\r\nx\r\n',
  'VALUE key2 0 1 5\r\nx\r\n', 'VALUE x 0 0\r\n\r\n',
];

/** A valid answer to every request of PIPELINE, in order. */
const VALID_PIPELINE_REPLY = [
  'VALUE k 1 3\r\nabc\r\nEND\r\n',
  'VALUE key2 0 2 9\r\nhi\r\nVALUE x 5 0\r\n\r\nEND\r\n',
  'STORED\r\n',
  '18446744073709551615\r\n',
  'NOT_FOUND\r\n',
  'TOUCHED\r\n',
  'VERSION 1.6.18\r\n',
  'STAT pid 1\r\nEND\r\n',
  'OK\r\n',
  'VALUE key2 0 1 7\r\nx\r\nEND\r\n',
].join('');

arbitraryBytesProperties({
  pipeline: PIPELINE,
  validReply: VALID_PIPELINE_REPLY,
  checkValid: (results) => expect(results[3]).toBe(18446744073709551615n),
  tokens: TOKENS,
  replyStarts: 'VESNDTOCR0123456789',
  streamArb,
});
