/**
 * Property tests of the reply parser: any valid pipelined stream parses identically however it
 * is split, and arbitrary bytes never crash or hang it: they end in a ProtocolError, a need for
 * more bytes, or replies that are exactly what the bytes say (the same for every split).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as cmd from '../bindings/protocol/commands.js';
import { ReplyShape, type Request } from '../bindings/protocol/request.js';
import { bytes, parseStream, splitAt } from './support/reply-fixtures.js';

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

interface Reply {
  request: Request<unknown>;
  reply: string;
  expected: unknown;
}

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

describe('valid streams', () => {
  it('parse to the expected replies however they are split', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat({ max: 4000 }), { maxLength: 30 }), (replies, cuts) => {
        const requests = replies.map((r) => r.request);
        const data = bytes(replies.map((r) => r.reply).join(''));
        const expected = replies.map((r) => r.expected);
        expect(parseStream(requests, [data])).toEqual({ results: expected, waiting: 0 });
        expect(parseStream(requests, splitAt(data, cuts.map((c) => c % (data.length + 1))))).toEqual({ results: expected, waiting: 0 });
      }),
      { numRuns: 500 },
    );
  });

  it('parse byte by byte', () => {
    fc.assert(
      fc.property(streamArb, (replies) => {
        const data = bytes(replies.map((r) => r.reply).join(''));
        const outcome = parseStream(replies.map((r) => r.request), Array.from(data, (b) => Uint8Array.of(b)));
        expect(outcome).toEqual({ results: replies.map((r) => r.expected), waiting: 0 });
      }),
      { numRuns: 100 },
    );
  });
});

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

/** True when `result` is a possible answer to `request` (right type, only requested keys). */
function plausible(request: Request<unknown>, result: unknown): boolean {
  if (result !== null && typeof result === 'object' && 'error' in result) {
    return ['ServerError', 'ClientError', 'UnknownCommandError'].includes((result as { error: string }).error);
  }
  const isItem = (v: unknown): boolean => {
    const item = v as { key: string; flags: number; value: string; cas: unknown };
    return (
      typeof item === 'object' && request.keys!.includes(item.key) && Number.isInteger(item.flags) && item.flags >= 0 &&
      item.flags <= 0xffff_ffff && typeof item.value === 'string' && (item.cas === undefined || typeof item.cas === 'bigint')
    );
  };
  switch (request.shape) {
    case ReplyShape.ITEM:
      return result === null || isItem(result);
    case ReplyShape.ITEMS:
      return Array.isArray(result) && result.every(isItem);
    case ReplyShape.STORE:
      return ['STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND'].includes(result as string);
    case ReplyShape.DELETE:
      return result === 'DELETED' || result === 'NOT_FOUND';
    case ReplyShape.TOUCH:
      return result === 'TOUCHED' || result === 'NOT_FOUND';
    case ReplyShape.OK:
      return result === 'OK';
    case ReplyShape.COUNTER:
      return result === null || Number.isSafeInteger(result) || (typeof result === 'bigint' && result > BigInt(Number.MAX_SAFE_INTEGER));
    case ReplyShape.VERSION:
      return typeof result === 'string';
    case ReplyShape.STATS:
      return typeof result === 'object' && result !== null;
    default:
      return false;
  }
}

/** Parses `data` whole and split; both must agree, and every reply must be plausible. */
function checkArbitrary(data: Uint8Array, cuts: number[]): ReturnType<typeof parseStream> {
  const whole = parseStream(PIPELINE, [data]);
  const split = parseStream(PIPELINE, splitAt(data, cuts.map((c) => c % (data.length + 1))));
  expect(split.results).toEqual(whole.results);
  expect(split.error?.message).toEqual(whole.error?.message);
  whole.results.forEach((result, i) => expect(plausible(PIPELINE[i], result), `reply ${i}: ${String(result)}`).toBe(true));
  return whole;
}

// Pieces of the protocol, so random streams often get far into the parser's states.
const TOKENS = [
  'VALUE ', 'VALUE k ', 'VALUE key2 ', 'VALUE x 0 ', 'END', 'END\r\n', '\r\n', '\r', '\n', ' ', '0', '1', '2', '3', '18446744073709551616',
  '4294967296', 'k', 'key2', 'STORED', 'NOT_FOUND', 'DELETED', 'TOUCHED', 'OK', 'VERSION ', 'STAT ', 'ERROR', 'CLIENT_ERROR ',
  'SERVER_ERROR ', 'RESET', '\x00', '\xff', '-',
  // Whole replies, so soups often get several requests deep.
  'STORED\r\n', 'DELETED\r\n', 'TOUCHED\r\n', 'OK\r\n', '42\r\n', 'VERSION 1.6\r\n', 'STAT a b\r\n', 'VALUE k 0 1\r\nx\r\n',
  'VALUE key2 0 1 5\r\nx\r\n', 'VALUE x 0 0\r\n\r\n',
];
const protocolishArb = fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.uint8Array({ maxLength: 4 }).map(latin1)), { maxLength: 60 }).map((parts) => bytes(parts.join('')));

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

interface Edit {
  at: number;
  remove: number;
  insert: string;
}
const editsArb = fc.array(
  fc.record({ at: fc.nat(), remove: fc.nat({ max: 3 }), insert: fc.oneof(fc.constantFrom(...TOKENS), fc.uint8Array({ maxLength: 2 }).map(latin1)) }),
  { minLength: 1, maxLength: 3 },
);
function applyEdits(text: string, edits: Edit[]): Uint8Array {
  let out = text;
  for (const { at, remove, insert } of edits) {
    const i = at % (out.length + 1);
    out = out.slice(0, i) + insert + out.slice(i + remove);
  }
  return bytes(out);
}

describe('arbitrary bytes', () => {
  it('the unedited pipeline reply is valid (so edits start from a real stream)', () => {
    const outcome = parseStream(PIPELINE, [bytes(VALID_PIPELINE_REPLY)]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.waiting).toBe(0);
    expect(outcome.results[3]).toBe(18446744073709551615n);
  });

  it('uniform random bytes never crash or hang the parser, and splitting never changes the outcome', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 10 }), (data, cuts) => {
        checkArbitrary(data, cuts);
      }),
      { numRuns: 2000 },
    );
  });

  it('protocol-like token soup never crashes or hangs the parser, and splitting never changes the outcome', () => {
    const seen = { protocolErrors: 0, waits: 0 };
    fc.assert(
      fc.property(protocolishArb, fc.array(fc.nat(), { maxLength: 10 }), (data, cuts) => {
        if (checkArbitrary(data, cuts).error) seen.protocolErrors++;
        else seen.waits++;
      }),
      { numRuns: 3000 },
    );
    expect(seen.protocolErrors).toBeGreaterThan(500);
    expect(seen.waits).toBeGreaterThan(500);
  });

  it('valid streams with a few random edits never crash or hang the parser, and splitting never changes the outcome', () => {
    const seen = { replies: 0, protocolErrors: 0, waits: 0 };
    fc.assert(
      fc.property(editsArb, fc.array(fc.nat(), { maxLength: 10 }), (edits, cuts) => {
        const outcome = checkArbitrary(applyEdits(VALID_PIPELINE_REPLY, edits), cuts);
        seen.replies += outcome.results.length;
        if (outcome.error) seen.protocolErrors++;
        else seen.waits++;
      }),
      { numRuns: 3000 },
    );
    // The edits must reach every ending, deep into the pipeline, or the property proves little.
    expect(seen.replies).toBeGreaterThan(5000);
    expect(seen.protocolErrors).toBeGreaterThan(1500);
    expect(seen.waits).toBeGreaterThan(50);
  });

  it('a line that cannot start any reply is a ProtocolError, never a reply', () => {
    const notAReplyStart = fc.integer({ min: 0, max: 255 }).filter((b) => !'VESNDTOCR0123456789'.includes(String.fromCharCode(b)));
    fc.assert(
      fc.property(notAReplyStart, fc.uint8Array({ maxLength: 100 }), (first, rest) => {
        const data = Uint8Array.from([first, ...rest, 13, 10]);
        for (const request of PIPELINE) {
          const outcome = parseStream([request], [data]);
          expect(outcome.results).toEqual([]);
          expect(outcome.error?.code).toBe('ERR_PROTOCOL');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a valid stream followed by garbage yields its replies, then a ProtocolError or a wait', () => {
    fc.assert(
      fc.property(streamArb, fc.uint8Array({ minLength: 1, maxLength: 50 }), (replies, garbage) => {
        const valid = bytes(replies.map((r) => r.reply).join(''));
        const data = new Uint8Array(valid.length + garbage.length);
        data.set(valid);
        data.set(garbage, valid.length);
        const requests = [...replies.map((r) => r.request), ...PIPELINE];
        const outcome = parseStream(requests, [data]);
        expect(outcome.results.slice(0, replies.length)).toEqual(replies.map((r) => r.expected));
        outcome.results.slice(replies.length).forEach((result, i) => expect(plausible(PIPELINE[i], result)).toBe(true));
      }),
      { numRuns: 500 },
    );
  });
});
