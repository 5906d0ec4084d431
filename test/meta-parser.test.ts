/**
 * The reply parser on meta-protocol fixtures: every shape, each fixture and the whole pipelined
 * stream (text commands mixed in) split at every byte position and fed one byte at a time, and
 * every way an answer can fail to be its request's: a foreign opaque token, a key not asked for,
 * an answer out of order, a malformed line.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError, UnknownCommandError } from '../bindings/errors.js';
import * as text from '../bindings/protocol/commands.js';
import * as meta from '../bindings/protocol/meta-commands.js';
import { leaseGet } from '../bindings/protocol/meta-leases.js';
import { QUIET_DONE, ReplyParser } from '../bindings/protocol/parser.js';
import type { Item } from '../bindings/protocol/replies.js';
import type { Request } from '../bindings/protocol/request.js';
import { BINARY_KEY, item, metaFixture, metaFixtures } from './support/meta-fixtures.js';
import { bytes, FIXTURES, parseStream, splitAt } from './support/reply-fixtures.js';

const oneByteChunks = (data: Uint8Array): Uint8Array[] => Array.from(data, (b) => Uint8Array.of(b));

describe('fixtures', () => {
  const fixtures = metaFixtures();

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: parses whole, split at every byte position and byte by byte', (_, fixture) => {
    const data = bytes(fixture.reply);
    expect(parseStream([fixture.request], [data])).toEqual({ results: [fixture.expected], waiting: 0 });
    for (let cut = 1; cut < data.length; cut++) {
      expect(parseStream([fixture.request], splitAt(data, [cut])).results, `cut at ${cut}`).toEqual([fixture.expected]);
    }
    expect(parseStream([fixture.request], oneByteChunks(data)).results).toEqual([fixture.expected]);
  });

  it('every meta fixture and every text fixture pipelined in one stream parses in order, whole, split anywhere, byte by byte', () => {
    const all = [...metaFixtures(), ...FIXTURES, ...metaFixtures()];
    const requests = all.map((f) => f.request);
    const data = bytes(all.map((f) => f.reply).join(''));
    const expected = all.map((f) => f.expected);
    expect(parseStream(requests, [data])).toEqual({ results: expected, waiting: 0 });
    for (let cut = 1; cut < data.length; cut += 3) {
      expect(parseStream(requests, splitAt(data, [cut, cut + 1])).results, `cut at ${cut}`).toEqual(expected);
    }
    expect(parseStream(requests, oneByteChunks(data)).results).toEqual(expected);
  });

  it('a truncated stream waits for more bytes instead of guessing', () => {
    const all = metaFixtures();
    const data = bytes(all.map((f) => f.reply).join(''));
    for (let end = 0; end < data.length; end++) {
      const outcome = parseStream(all.map((f) => f.request), [data.slice(0, end)]);
      expect(outcome.error, `end ${end}`).toBeUndefined();
      expect(outcome.waiting).toBeGreaterThan(0);
    }
  });

  it('hands back the caller\'s own key objects, and values as views of the chunk', () => {
    const key = Uint8Array.from(BINARY_KEY);
    const request = meta.getMulti(['a', key]);
    const parser = new ReplyParser();
    const chunk = bytes(`VA 1 f0 O${request.opaque + 1}\r\nx\r\nMN\r\n`);
    parser.feed(chunk);
    const items = parser.next(request) as Item<string | Uint8Array>[];
    expect(items[0].key).toBe(key);
    expect(items[0].value.buffer).toBe(chunk.buffer);
    expect(parser.buffered).toBe(false);
  });

  it('a quiet command completes with QUIET_DONE, not undefined (which means "more bytes")', () => {
    const request = meta.store('set', 'k', bytes('v'), 0, 0, true);
    const parser = new ReplyParser();
    parser.feed(bytes('MN'));
    expect(parser.next(request)).toBeUndefined();
    expect(parser.buffered).toBe(true);
    parser.feed(bytes('\r\n'));
    expect(parser.next(request)).toBe(QUIET_DONE);
    expect(parser.buffered).toBe(false);
  });

  it('an error line from a meta command names the meta protocol', () => {
    const parser = new ReplyParser();
    parser.feed(bytes('ERROR\r\n'));
    const error = parser.next(meta.get('k'));
    expect(error).toBeInstanceOf(UnknownCommandError);
    expect((error as Error).message).toContain('"get (meta protocol)"');
  });
});

/** Parses `reply` (built from the request's opaque token) as the answer to `request`: must be a ProtocolError. */
function refused(request: Request<unknown>, reply: (o: number) => string, message?: RegExp): void {
  const fixture = metaFixture('', request, reply, undefined);
  const data = bytes(fixture.reply);
  for (const chunks of [[data], oneByteChunks(data)]) {
    const outcome = parseStream([request], chunks);
    expect(outcome.results, fixture.reply).toEqual([]);
    expect(outcome.error, fixture.reply).toBeInstanceOf(ProtocolError);
    if (message) expect(outcome.error!.message).toMatch(message);
  }
}

describe('an answer that is not its request\'s is a ProtocolError', () => {
  it.each([
    ['another opaque token on a hit', () => meta.get('k'), (o: number) => `VA 1 f0 kk O${o + 1}\r\nx\r\n`, /opaque token is not O\d+/],
    ['another opaque token on a miss', () => meta.get('k'), (o: number) => `EN O${o - 1}\r\n`, /belongs to another request/],
    ['no opaque token', () => meta.get('k'), () => 'EN\r\n', /opaque/],
    ['an opaque token failback never sends', () => meta.store('set', 'k', bytes('v'), 0, 0), () => 'HD Oabc\r\n', /opaque/],
    ['another opaque token on a store', () => meta.store('set', 'k', bytes('v'), 0, 0), (o: number) => `HD O${o + 7}\r\n`, /opaque/],
    ['another opaque token on a counter', () => meta.incr('k', 1), (o: number) => `VA 1 O${o + 1}\r\n1\r\n`, /opaque/],
    ['another opaque token in a quiet fence', () => meta.del('k', true), (o: number) => `NF O${o + 1}\r\nMN\r\n`, /opaque/],
    ['two answers to one quiet command', () => meta.del('k', true), (o: number) => `NF O${o}\r\nNF O${o}\r\nMN\r\n`, /opaque/],
    ['a hit from outside the batch', () => meta.getMulti(['a', 'b']), (o: number) => `VA 1 f0 O${o + 2}\r\nx\r\nMN\r\n`, /one of O\d+ to O\d+/],
    ['a hit from before the batch', () => meta.getMulti(['a', 'b']), (o: number) => `VA 1 f0 O${o - 1}\r\nx\r\nMN\r\n`, /opaque/],
    ['hits out of order', () => meta.getMulti(['a', 'b', 'c']), (o: number) => `VA 1 f0 kc O${o + 2}\r\nx\r\nVA 1 f0 ka O${o}\r\nx\r\nMN\r\n`, /opaque/],
    ['the same hit twice', () => meta.getMulti(['a', 'b']), (o: number) => `VA 1 f0 ka O${o}\r\nx\r\nVA 1 f0 ka O${o}\r\nx\r\nMN\r\n`, /opaque/],
    ['a key not asked for', () => meta.get('k'), (o: number) => `VA 1 f0 kother O${o}\r\nx\r\n`, /for key "k" with key "other"/],
    ['the right opaque token with another key of the batch', () => meta.getMulti(['a', 'b']), (o: number) => `VA 1 f0 kb O${o}\r\nx\r\nMN\r\n`, /key "a" with key "b"/],
    ['a binary key that does not match its base64 echo', () => meta.get(Uint8Array.of(1)), (o: number) => `VA 1 f0 kAQI= b O${o}\r\nx\r\n`, /\(binary\).*\(base64\)/],
    ['a text key whose base64 echo is another key', () => meta.get('foo'), (o: number) => `VA 1 f0 kZm9w b O${o}\r\nx\r\n`, /base64/],
  ])('%s', (_, make, reply, message) => {
    refused(make(), reply, message);
  });

  it('error lines stand for the commands in order, the last one for mn: an MN after them is not this batch\'s', () => {
    const batch = meta.getMulti(['a']);
    const next = meta.get('k');
    const outcome = parseStream([batch, next], [bytes('SERVER_ERROR x\r\nSERVER_ERROR y\r\nMN\r\n')]);
    expect(outcome.results).toEqual([{ error: 'ServerError', code: 'ERR_SERVER', serverMessage: 'x' }]);
    expect(outcome.error).toBeInstanceOf(ProtocolError);
  });

  it('the parser stays failed, and the stream is dropped', () => {
    const request = meta.get('k');
    const parser = new ReplyParser();
    parser.feed(bytes(`EN O${request.opaque + 1}\r\nVA 1 f0 O${request.opaque}\r\nx\r\n`));
    expect(() => parser.next(request)).toThrow(ProtocolError);
    expect(() => parser.next(meta.get('k'))).toThrow(ProtocolError);
    expect(parser.buffered).toBe(false);
  });
});

describe('malformed meta lines are a ProtocolError', () => {
  it.each([
    ['a duplicated flag', () => meta.store('set', 'k', bytes('v'), 0, 0), (o: number) => `HD O${o} O${o}\r\n`],
    ['a flag not asked for', () => meta.store('set', 'k', bytes('v'), 0, 0), (o: number) => `HD O${o} s3\r\n`],
    ['a double space', () => meta.del('k'), (o: number) => `HD  O${o}\r\n`],
    ['a trailing space', () => meta.del('k'), (o: number) => `HD O${o} \r\n`],
    ['a bare flag with a token', () => leaseGet('k'), (o: number) => `VA 0 f0 c1 t1 O${o} Wx\r\n\r\n`],
    ['client flags above 32 bits', () => meta.get('k'), (o: number) => `VA 1 f4294967296 O${o}\r\nx\r\n`],
    ['a CAS unique above 64 bits', () => meta.gets('k'), (o: number) => `VA 1 f0 c18446744073709551616 O${o}\r\nx\r\n`],
    ['a TTL that is not a number', () => leaseGet('k'), (o: number) => `VA 1 f0 c1 t-2 O${o}\r\nx\r\n`],
    ['an empty key token', () => meta.get('k'), (o: number) => `VA 1 f0 k O${o}\r\nx\r\n`],
    ['a VA without its length', () => meta.get('k'), (o: number) => `VA f0 O${o}\r\nx\r\n`],
    ['a VA without client flags', () => meta.get('k'), (o: number) => `VA 1 O${o}\r\nx\r\n`],
    ['a lease VA without its TTL', () => leaseGet('k'), (o: number) => `VA 1 f0 c1 O${o}\r\nx\r\n`],
    ['a value longer than announced', () => meta.get('k'), (o: number) => `VA 1 f0 O${o}\r\nxy\r\n`],
    ['MN with flags', () => meta.getMulti(['a']), (o: number) => `MN O${o}\r\n`],
    ['MN to a one-key get', () => meta.get('k'), () => 'MN\r\n'],
    ['a value in a quiet fence', () => meta.touch('k', 1, true), (o: number) => `VA 1 O${o}\r\nx\r\nMN\r\n`],
    ['a counter line of another length', () => meta.incr('k', 1), (o: number) => `VA 2 O${o}\r\n123\r\n`],
    ['a counter that is not a number', () => meta.incr('k', 1), (o: number) => `VA 2 O${o}\r\nab\r\n`],
    ['a status code the command cannot answer', () => meta.del('k'), (o: number) => `NS O${o}\r\n`],
    ['EN to a store', () => meta.store('set', 'k', bytes('v'), 0, 0), (o: number) => `EN O${o}\r\n`],
    ['a text reply to a meta store', () => meta.store('set', 'k', bytes('v'), 0, 0), () => 'STORED\r\n'],
    ['a text VALUE to a meta get', () => meta.get('k'), () => 'VALUE k 0 1\r\nx\r\nEND\r\n'],
    ['END to a meta multi-get', () => meta.getMulti(['k']), () => 'END\r\n'],
    ['a meta reply to a text set', () => text.store('set', 'k', bytes('v'), 0, 0), () => 'HD\r\n'],
    ['a meta reply to a text get', () => text.get('k'), () => 'EN\r\n'],
  ])('%s', (_, make, reply) => {
    refused(make(), reply);
  });

  it('a VA announcing more than maxValueBytes is refused from its header', () => {
    const request = meta.get('k');
    const parser = new ReplyParser(100);
    parser.feed(bytes(`VA 101 f0 O${request.opaque}\r\n`));
    expect(() => parser.next(request)).toThrow(/101 bytes for key "k", more than the limit of 100/);
    const binary = meta.get(Uint8Array.of(0xab));
    const other = new ReplyParser(100);
    other.feed(bytes(`VA 101 f0 O${binary.opaque}\r\n`));
    expect(() => other.next(binary)).toThrow(/key 0xab \(binary\)/);
  });

  it('keeps parsing a text VALUE after a meta reply, and the other way round', () => {
    const requests = [meta.get('a'), text.get('b'), meta.getMulti(['c'])];
    const data = bytes(`VA 1 f0 ka O${requests[0].opaque}\r\n1\r\nVALUE b 0 1\r\n2\r\nEND\r\nVA 1 f0 kc O${requests[2].opaque}\r\n3\r\nMN\r\n`);
    expect(parseStream(requests, [data]).results).toEqual([item('a', 0, '1'), item('b', 0, '2'), [item('c', 0, '3')]]);
  });
});
