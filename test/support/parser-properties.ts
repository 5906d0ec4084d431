/**
 * The parser's property suites, shared by the text protocol's tests and the meta protocol's: a
 * protocol supplies its arbitrary streams, a fixed pipeline of requests, what a plausible answer
 * to each is, and pieces of its syntax; the properties are the same for both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplyShape, type Request } from '../../bindings/protocol/request.js';
import { bytes, parseStream, splitAt } from './reply-fixtures.js';

export const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

/** A request, the reply memcached would send, and the `normalize`d result expected. */
export interface StreamReply {
  request: Request<unknown>;
  reply: string;
  expected: unknown;
}

/** Any valid stream parses to its expected replies however it is split, and byte by byte. */
export function validStreamProperties(streamArb: fc.Arbitrary<StreamReply[]>): void {
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
}

const isCounter = (result: unknown): boolean =>
  result === null || Number.isSafeInteger(result) || (typeof result === 'bigint' && result > BigInt(Number.MAX_SAFE_INTEGER));

/** True when `result` (`normalize`d) is a possible answer to `request`, of either protocol: right type, only requested keys. */
export function plausible(request: Request<unknown>, result: unknown): boolean {
  if (result !== null && typeof result === 'object' && 'error' in result) {
    return ['ServerError', 'ClientError', 'UnknownCommandError'].includes((result as { error: string }).error);
  }
  const keys = request.keys?.map((k, i) => request.binaryKeys?.[i] ?? k) ?? [];
  const isItem = (value: unknown): boolean => {
    const item = value as { key: unknown; flags: number; value: string; cas: unknown };
    return (
      typeof item === 'object' && keys.includes(item.key as string) && Number.isInteger(item.flags) && item.flags >= 0 && item.flags <= 0xffff_ffff &&
      typeof item.value === 'string' && (item.cas === undefined || typeof item.cas === 'bigint')
    );
  };
  switch (request.shape) {
    case ReplyShape.ITEM:
    case ReplyShape.META_ITEM:
      return result === null || isItem(result);
    case ReplyShape.META_LEASE:
      return result === null || (isItem(result) && typeof (result as { ttl: unknown }).ttl === 'number' && typeof (result as { cas: unknown }).cas === 'bigint');
    case ReplyShape.ITEMS:
    case ReplyShape.META_ITEMS:
      return Array.isArray(result) && result.every(isItem);
    case ReplyShape.STORE:
    case ReplyShape.META_STORE:
      return ['STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND'].includes(result as string);
    case ReplyShape.DELETE:
    case ReplyShape.META_DELETE:
      return result === 'DELETED' || result === 'NOT_FOUND';
    case ReplyShape.TOUCH:
    case ReplyShape.META_TOUCH:
      return result === 'TOUCHED' || result === 'NOT_FOUND';
    case ReplyShape.META_INVALIDATE:
      return result === 'INVALIDATED' || result === 'NOT_FOUND';
    case ReplyShape.COUNTER:
    case ReplyShape.META_COUNTER:
      return isCounter(result);
    case ReplyShape.META_QUIET:
      return result === undefined;
    case ReplyShape.OK:
      return result === 'OK';
    case ReplyShape.VERSION:
      return typeof result === 'string';
    case ReplyShape.STATS:
      return typeof result === 'object' && result !== null;
    default:
      return false;
  }
}

/** What the arbitrary-bytes properties need of a protocol. */
export interface ArbitraryBytesSetup {
  /** One request of each shape, in a fixed pipeline, to throw random bytes at. */
  pipeline: Request<unknown>[];
  /** A valid answer to every request of `pipeline`, in order (edits start from it). */
  validReply: string;
  /** Checks the results of `validReply` beyond "no error, nothing waiting". */
  checkValid(results: unknown[]): void;
  /** Pieces of the protocol, so random streams often get far into the parser's states. */
  tokens: string[];
  /** Every first byte a reply line may start with. */
  replyStarts: string;
  /** Valid streams, to append garbage to. */
  streamArb: fc.Arbitrary<StreamReply[]>;
}

interface Edit {
  at: number;
  remove: number;
  insert: string;
}

function applyEdits(text: string, edits: Edit[]): Uint8Array {
  let out = text;
  for (const { at, remove, insert } of edits) {
    const i = at % (out.length + 1);
    out = out.slice(0, i) + insert + out.slice(i + remove);
  }
  return bytes(out);
}

/**
 * Arbitrary bytes never crash or hang the parser: they end in a ProtocolError, a need for more
 * bytes, or replies that are exactly what the bytes say (the same for every split).
 */
export function arbitraryBytesProperties(setup: ArbitraryBytesSetup): void {
  const { pipeline, validReply, tokens } = setup;

  /** Parses `data` whole and split; both must agree, and every reply must be plausible. */
  function checkArbitrary(data: Uint8Array, cuts: number[]): ReturnType<typeof parseStream> {
    const whole = parseStream(pipeline, [data]);
    const split = parseStream(pipeline, splitAt(data, cuts.map((c) => c % (data.length + 1))));
    expect(split.results).toEqual(whole.results);
    expect(split.error?.message).toEqual(whole.error?.message);
    whole.results.forEach((result, i) => expect(plausible(pipeline[i], result), `reply ${i}: ${String(result)}`).toBe(true));
    return whole;
  }

  const protocolishArb = fc.array(fc.oneof(fc.constantFrom(...tokens), fc.uint8Array({ maxLength: 4 }).map(latin1)), { maxLength: 60 }).map((parts) => bytes(parts.join('')));
  const editsArb = fc.array(
    fc.record({ at: fc.nat(), remove: fc.nat({ max: 3 }), insert: fc.oneof(fc.constantFrom(...tokens), fc.uint8Array({ maxLength: 2 }).map(latin1)) }),
    { minLength: 1, maxLength: 3 },
  );

  describe('arbitrary bytes', () => {
    it('the unedited pipeline reply is valid (so edits start from a real stream)', () => {
      const outcome = parseStream(pipeline, [bytes(validReply)]);
      expect(outcome.error).toBeUndefined();
      expect(outcome.waiting).toBe(0);
      setup.checkValid(outcome.results);
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
          const outcome = checkArbitrary(applyEdits(validReply, edits), cuts);
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
      const notAReplyStart = fc.integer({ min: 0, max: 255 }).filter((b) => !setup.replyStarts.includes(String.fromCharCode(b)));
      fc.assert(
        fc.property(notAReplyStart, fc.uint8Array({ maxLength: 100 }), (first, rest) => {
          const data = Uint8Array.from([first, ...rest, 13, 10]);
          for (const request of pipeline) {
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
        fc.property(setup.streamArb, fc.uint8Array({ minLength: 1, maxLength: 50 }), (replies, garbage) => {
          const valid = bytes(replies.map((r) => r.reply).join(''));
          const data = new Uint8Array(valid.length + garbage.length);
          data.set(valid);
          data.set(garbage, valid.length);
          const requests = [...replies.map((r) => r.request), ...pipeline];
          const outcome = parseStream(requests, [data]);
          expect(outcome.results.slice(0, replies.length)).toEqual(replies.map((r) => r.expected));
          outcome.results.slice(replies.length).forEach((result, i) => expect(plausible(pipeline[i], result)).toBe(true));
        }),
        { numRuns: 500 },
      );
    });
  });
}
