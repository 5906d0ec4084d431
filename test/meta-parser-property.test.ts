/**
 * Property tests of the reply parser on the meta protocol, as protocol-parser-property.test.ts
 * does for the text one: any valid pipelined stream (meta and text commands mixed) parses
 * identically however it is split; an answer carrying another request's opaque token is always a
 * ProtocolError; and arbitrary bytes never crash or hang the parser: they end in a ProtocolError,
 * a need for more bytes, or replies that are exactly what the bytes say (the same for every split).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as meta from '../bindings/protocol/meta-commands.js';
import { invalidate, leaseGet, leaseSet } from '../bindings/protocol/meta-leases.js';
import type { Request } from '../bindings/protocol/request.js';
import { arbitraryBytesProperties, latin1, validStreamProperties, type StreamReply } from './support/parser-properties.js';
import { bytes, parseStream, splitAt } from './support/reply-fixtures.js';

const base64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** Far from any token a request of one test run takes, so a shifted reply answers nobody. */
const SHIFT = 1_000_003;

interface Reply extends StreamReply {
  /** The same reply with every opaque token shifted to one no request sent ('' when it has none). */
  shifted: string;
}

/** A reply written from its request's opaque token. */
function reply(request: Request<unknown>, write: (o: number) => string, expected: unknown): Reply {
  const shifted = write(request.opaque + SHIFT);
  const original = write(request.opaque);
  return { request, reply: original, shifted: shifted === original ? '' : shifted, expected };
}

type Key = string | Uint8Array;
const stringKeyArb = fc.stringMatching(/^[a-zA-Z0-9_:.-]{1,12}$/);
const binaryKeyArb = fc.uint8Array({ minLength: 1, maxLength: 12 });
const keyArb: fc.Arbitrary<Key> = fc.oneof({ weight: 3, arbitrary: stringKeyArb }, { weight: 1, arbitrary: binaryKeyArb });
const valueArb = fc.uint8Array({ maxLength: 300 }).map(latin1);
const flagsArb = fc.nat({ max: 0xffff_ffff });
const casArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const ttlArb = fc.oneof(fc.constant(-1), fc.nat({ max: 0xffff_ffff }));

/** The `k` token memcached writes: a string key raw; a binary key (when echoed at all) in base64 with `b`. */
const keyFlags = (key: Key, echoBinary: boolean): string[] =>
  typeof key === 'string' ? [`k${key}`] : echoBinary ? [`k${base64(key)}`, 'b'] : [];

/** A `VA` line and its value, its flags in any order (memcached follows the request's; the parser must not care). */
const va = (value: string, flags: string[], order: number[]): string => {
  const shuffled = order.map((i) => flags[i % flags.length]).filter((f, i, all) => all.indexOf(f) === i);
  const rest = flags.filter((f) => !shuffled.includes(f));
  return `VA ${value.length} ${[...shuffled, ...rest].join(' ')}\r\n${value}\r\n`;
};
const orderArb = fc.array(fc.nat({ max: 7 }), { maxLength: 7 });

const getArb: fc.Arbitrary<Reply> = fc
  .tuple(keyArb, flagsArb, valueArb, fc.option(casArb, { nil: undefined }), fc.boolean(), fc.boolean(), orderArb)
  .map(([key, flags, value, cas, hit, echo, order]) => {
    const request = cas === undefined ? meta.get(key) : meta.gets(key);
    return reply(
      request,
      (o) => (hit ? va(value, [`f${flags}`, ...(cas === undefined ? [] : [`c${cas}`]), ...keyFlags(key, echo), `O${o}`], order) : `EN ${[...keyFlags(key, echo), `O${o}`].join(' ')}\r\n`),
      hit ? { key, flags, value, cas } : null,
    );
  });

const multiArb: fc.Arbitrary<Reply> = fc
  .uniqueArray(fc.tuple(keyArb, flagsArb, valueArb, fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 6, selector: ([k]) => (typeof k === 'string' ? k : `\0${base64(k)}`) })
  .map((entries) => {
    const request = meta.getMulti(entries.map(([k]) => k));
    const write = (o: number) =>
      `${entries.map(([k, f, v, hit, echo], i) => (hit ? va(v, [`f${f}`, ...keyFlags(k, echo), `O${o + i}`], []) : '')).join('')}MN\r\n`;
    return reply(request, write, entries.filter(([, , , hit]) => hit).map(([key, flags, value]) => ({ key, flags, value, cas: undefined })));
  });

const leaseArb: fc.Arbitrary<Reply> = fc
  .tuple(keyArb, flagsArb, valueArb, casArb, ttlArb, fc.subarray(['W', 'X', 'Z']), fc.boolean(), orderArb)
  .map(([key, flags, value, cas, ttl, marks, hit, order]) => {
    const request = leaseGet(key, { vivify: 30 });
    const write = (o: number) => (hit ? va(value, [`f${flags}`, `c${cas}`, `t${ttl}`, ...keyFlags(key, false), `O${o}`, ...marks], order) : `EN O${o}\r\n`);
    const expected = hit ? { key, flags, value, cas, ttl, win: marks.includes('W'), stale: marks.includes('X'), alreadyWon: marks.includes('Z') } : null;
    return reply(request, write, expected);
  });

const v = bytes('v');
const statusArb: fc.Arbitrary<Reply> = fc.oneof(
  fc.constantFrom(['HD', 'STORED'], ['NS', 'NOT_STORED'], ['EX', 'EXISTS'], ['NF', 'NOT_FOUND']).chain(([code, status]) =>
    fc.constantFrom(
      () => meta.store('add', 'k', v, 0, 0),
      () => meta.cas('k', v, 0, 0, 1n),
      () => leaseSet(Uint8Array.of(7), v, 0, 0, 1n),
    ).map((make) => reply(make(), (o) => `${code} O${o}\r\n`, status)),
  ),
  fc.constantFrom(['HD', 'DELETED'], ['NF', 'NOT_FOUND']).map(([code, status]) => reply(meta.del('k'), (o) => `${code} O${o}\r\n`, status)),
  fc.constantFrom(['HD', 'TOUCHED'], ['EN', 'NOT_FOUND']).map(([code, status]) => reply(meta.touch('k', 0), (o) => `${code} O${o}\r\n`, status)),
  fc.constantFrom(['HD', 'INVALIDATED'], ['NF', 'NOT_FOUND']).map(([code, status]) => reply(invalidate('k', 5), (o) => `${code} O${o}\r\n`, status)),
);

const counterArb: fc.Arbitrary<Reply> = fc.oneof(
  casArb.map((n) => reply(meta.incr('k', 1), (o) => `VA ${String(n).length} O${o}\r\n${n}\r\n`, n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n)),
  fc.constant(null).map(() => reply(meta.decr('k', 1), (o) => `NF O${o}\r\n`, null)),
);

const quietArb: fc.Arbitrary<Reply> = fc
  .tuple(
    fc.constantFrom(
      () => meta.store('add', 'k', v, 0, 0, true),
      () => meta.del(Uint8Array.of(0), true),
      () => meta.incr('k', 1, true),
      () => meta.touch('k', 1, true),
      () => invalidate('k', undefined, true),
    ),
    fc.option(fc.constantFrom('HD', 'NS', 'EX', 'NF', 'EN'), { nil: undefined }),
  )
  .map(([make, code]) => reply(make(), (o) => `${code === undefined ? '' : `${code} O${o}\r\n`}MN\r\n`, undefined));

const textArb = fc.stringMatching(/^[ -~]{0,40}$/);
const otherArb: fc.Arbitrary<Reply> = fc.oneof(
  fc.stringMatching(/^[!-~][ -~]{0,20}$/).map((version) => reply(meta.version(), () => `VERSION ${version}\r\n`, version)),
  textArb.map((t) => reply(meta.get('k'), () => `SERVER_ERROR ${t}\r\n`, { error: 'ServerError', code: 'ERR_SERVER', serverMessage: t })),
  textArb.map((t) => reply(meta.incr('k', 1), () => `CLIENT_ERROR ${t}\r\n`, { error: 'ClientError', code: 'ERR_CLIENT', serverMessage: t })),
  fc.constant(null).map(() => reply(meta.del('k'), () => 'ERROR\r\n', { error: 'UnknownCommandError', code: 'ERR_UNKNOWN_COMMAND', serverMessage: undefined })),
);

const streamArb = fc.array(fc.oneof(getArb, multiArb, leaseArb, statusArb, counterArb, quietArb, otherArb), { minLength: 1, maxLength: 12 });

validStreamProperties(streamArb);

describe('opaque tokens', () => {
  it('an answer carrying a token its request did not send is a ProtocolError, however the stream is split', () => {
    let checked = 0;
    fc.assert(
      fc.property(streamArb, fc.nat(), fc.array(fc.nat(), { maxLength: 10 }), (replies, pick, cuts) => {
        const candidates = replies.map((r, i) => (r.shifted === '' ? -1 : i)).filter((i) => i >= 0);
        fc.pre(candidates.length > 0);
        const victim = candidates[pick % candidates.length];
        const data = bytes(replies.map((r, i) => (i === victim ? r.shifted : r.reply)).join(''));
        const requests = replies.map((r) => r.request);
        for (const chunks of [[data], splitAt(data, cuts.map((c) => c % (data.length + 1)))]) {
          const outcome = parseStream(requests, chunks);
          expect(outcome.results).toEqual(replies.slice(0, victim).map((r) => r.expected));
          expect(outcome.error?.code).toBe('ERR_PROTOCOL');
        }
        checked++;
      }),
      { numRuns: 500 },
    );
    expect(checked).toBeGreaterThan(300);
  });

  it('a hit of a batch under the token of another key of the same batch is a ProtocolError (the k check)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(stringKeyArb, { minLength: 2, maxLength: 6 }), fc.nat(), fc.nat(), (keys, from, to) => {
        const i = from % keys.length;
        const j = to % keys.length;
        fc.pre(i !== j);
        const request = meta.getMulti(keys);
        const data = bytes(`VA 1 f0 k${keys[i]} O${request.opaque + j}\r\nx\r\nMN\r\n`);
        expect(parseStream([request], [data]).error?.code).toBe('ERR_PROTOCOL');
      }),
      { numRuns: 200 },
    );
  });
});

/** One request of each meta shape, in a fixed pipeline, to throw random bytes at. */
const PIPELINE: Request<unknown>[] = [
  meta.get('k'),
  meta.getMulti(['k', 'key2', Uint8Array.of(1)]),
  meta.store('set', 'k', v, 0, 0),
  meta.incr('k', 1),
  meta.del('k'),
  meta.touch('k', 1),
  meta.store('add', 'k', v, 0, 0, true),
  leaseGet('k', { vivify: 5 }),
  invalidate('k'),
  meta.version(),
  meta.gets('key2'),
];
const O = PIPELINE.map((r) => r.opaque);

// Pieces of the protocol (the pipeline's own opaque tokens among them), so random streams often
// get far into the parser's states.
const TOKENS = [
  'VA ', 'VA 1 ', 'VA 0 ', 'HD', 'EN', 'NS', 'EX', 'NF', 'MN', 'MN\r\n', '\r\n', '\r', '\n', ' ', '0', '1', '2', 'f0', ' f1', ' c5', ' t-1',
  ' t30', ' kk', ' kkey2', ' kAQ==', ' b', ' W', ' X', ' Z', ' q', ' O', ...O.map((o) => ` O${o}`), ...O.map((o) => ` O${o + 1}`), 'VERSION ',
  'ERROR', 'CLIENT_ERROR ', 'SERVER_ERROR ', '18446744073709551616', '4294967296', '\x00', '\xff', '-',
  // Whole replies, so soups often get several requests deep.
  `VA 1 f0 O${O[0]}\r\nx\r\n`, `EN O${O[0]}\r\n`, `VA 1 f2 kkey2 O${O[1] + 1}\r\nx\r\n`, `HD O${O[2]}\r\n`, `VA 2 O${O[3]}\r\n42\r\n`,
  `NF O${O[4]}\r\n`, `HD O${O[5]}\r\n`, `NS O${O[6]}\r\n`, `VA 0 f0 c1 t5 O${O[7]} W\r\n\r\n`, `HD O${O[8]}\r\n`, 'VERSION 1.6.18\r\n',
];

/** A valid answer to every request of PIPELINE, in order. */
const VALID_PIPELINE_REPLY = [
  `VA 3 f1 kk O${O[0]}\r\nabc\r\n`,
  `VA 2 f0 kkey2 O${O[1] + 1}\r\nhi\r\nVA 0 f5 O${O[1] + 2}\r\n\r\nMN\r\n`,
  `HD O${O[2]}\r\n`,
  `VA 20 O${O[3]}\r\n18446744073709551615\r\n`,
  `NF O${O[4]}\r\n`,
  `HD O${O[5]}\r\n`,
  `NS O${O[6]}\r\nMN\r\n`,
  `VA 0 f0 c3 t5 kk O${O[7]} W\r\n\r\n`,
  `HD O${O[8]}\r\n`,
  'VERSION 1.6.18\r\n',
  `VA 1 f0 c7 kkey2 O${O[10]}\r\nx\r\n`,
].join('');

arbitraryBytesProperties({
  pipeline: PIPELINE,
  validReply: VALID_PIPELINE_REPLY,
  checkValid: (results) => expect(results[3]).toBe(18446744073709551615n),
  tokens: TOKENS,
  replyStarts: 'VHENMCS',
  streamArb,
});
