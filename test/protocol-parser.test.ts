/**
 * The reply parser on fixed fixtures: every shape, each fixture and the whole pipelined stream
 * split at every byte position and fed one byte at a time, and every kind of malformed reply.
 */
import { describe, expect, it } from 'vitest';
import { ClientError, ProtocolError, ServerError, UnknownCommandError } from '../bindings/errors.js';
import * as cmd from '../bindings/protocol/commands.js';
import { DEFAULT_MAX_VALUE_BYTES, MAX_LINE_BYTES, MAX_VALUE_BYTES, ReplyParser } from '../bindings/protocol/parser.js';
import type { Item } from '../bindings/protocol/replies.js';
import { allFixtures, bytes, FIXTURES, parseStream, splitAt } from './support/reply-fixtures.js';

const oneByteChunks = (data: Uint8Array): Uint8Array[] => Array.from(data, (b) => Uint8Array.of(b));

describe('fixtures', () => {
  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s: parses in one chunk', (_, fixture) => {
    const outcome = parseStream([fixture.request], [bytes(fixture.reply)]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.results).toEqual([fixture.expected]);
  });

  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s: parses identically split at every byte position and byte by byte', (_, fixture) => {
    const data = bytes(fixture.reply);
    for (let cut = 1; cut < data.length; cut++) {
      expect(parseStream([fixture.request], splitAt(data, [cut])).results, `cut at ${cut}`).toEqual([fixture.expected]);
    }
    expect(parseStream([fixture.request], oneByteChunks(data)).results).toEqual([fixture.expected]);
  });

  it('every fixture pipelined in one stream parses in order, whole, split anywhere, byte by byte', () => {
    const { requests, data, expected } = allFixtures();
    expect(parseStream(requests, [data])).toEqual({ results: expected, waiting: 0 });
    for (let cut = 1; cut < data.length; cut++) {
      expect(parseStream(requests, splitAt(data, [cut])).results, `cut at ${cut}`).toEqual(expected);
    }
    for (let cut = 1; cut + 7 < data.length; cut += 7) {
      expect(parseStream(requests, splitAt(data, [cut, cut + 1, cut + 7])).results, `cuts at ${cut}`).toEqual(expected);
    }
    expect(parseStream(requests, oneByteChunks(data)).results).toEqual(expected);
  });

  it('a truncated stream waits for more bytes instead of guessing', () => {
    const { requests, data } = allFixtures();
    for (let end = 0; end < data.length; end++) {
      const outcome = parseStream(requests, [data.slice(0, end)]);
      expect(outcome.error).toBeUndefined();
      expect(outcome.waiting).toBeGreaterThan(0);
    }
  });
});

describe('server errors are per-request results, typed, with the server text', () => {
  it('ERROR, CLIENT_ERROR and SERVER_ERROR become their classes and the stream continues', () => {
    const parser = new ReplyParser();
    parser.feed(bytes('ERROR\r\nCLIENT_ERROR bad command line format\r\nSERVER_ERROR out of memory\r\nSTORED\r\n'));
    const unknown = parser.next(cmd.touch('k', 1));
    expect(unknown).toBeInstanceOf(UnknownCommandError);
    expect((unknown as UnknownCommandError).message).toContain('"touch"');
    const client = parser.next(cmd.del('k'));
    expect(client).toBeInstanceOf(ClientError);
    expect((client as ClientError).serverMessage).toBe('bad command line format');
    const server = parser.next(cmd.get('k'));
    expect(server).toBeInstanceOf(ServerError);
    expect((server as ServerError).serverMessage).toBe('out of memory');
    expect(parser.next(cmd.store('set', 'k', bytes('v'), 0, 0))).toBe('STORED');
    expect(parser.buffered).toBe(false);
  });
});

describe('values: views, copies and retention', () => {
  it('a value inside one chunk is a view of that chunk (no copy)', () => {
    const parser = new ReplyParser();
    const chunk = bytes('VALUE k 0 5\r\nhello\r\nEND\r\n');
    parser.feed(chunk);
    const item = parser.next(cmd.get('k')) as Item;
    expect(item.value.buffer).toBe(chunk.buffer);
    expect(item.value.byteOffset).toBe(13);
  });

  it('a value split across chunks is assembled into its own exact-size array', () => {
    const parser = new ReplyParser();
    const request = cmd.get('k');
    const first = bytes('VALUE k 0 10\r\n01234');
    const second = bytes('56789\r\nEND\r\n');
    parser.feed(first);
    expect(parser.next(request)).toBeUndefined();
    expect(parser.buffered).toBe(true);
    parser.feed(second);
    const item = parser.next(request) as Item;
    expect(String.fromCharCode(...item.value)).toBe('0123456789');
    expect(item.value.byteLength).toBe(10);
    first.fill(0);
    second.fill(0);
    expect(String.fromCharCode(...item.value)).toBe('0123456789');
  });

  it('values already handed out never change when later chunks arrive', () => {
    const parser = new ReplyParser();
    const keys = ['a', 'b', 'c'];
    const requests = keys.map((k) => cmd.get(k));
    const data = bytes(keys.map((k) => `VALUE ${k} 0 3\r\n${k.repeat(3)}\r\nEND\r\n`).join(''));
    const seen: Item[] = [];
    for (const chunk of splitAt(data, [3, 17, 20, 31])) {
      parser.feed(chunk);
      for (;;) {
        const request = requests[seen.length];
        if (request === undefined) break;
        const item = parser.next(request);
        if (item === undefined) break;
        seen.push(item as Item);
      }
    }
    expect(seen.map((i) => String.fromCharCode(...i.value))).toEqual(['aaa', 'bbb', 'ccc']);
  });

  it('bytes fed while nobody asked are kept for the next request', () => {
    const parser = new ReplyParser();
    parser.feed(bytes('VALUE k 0 2\r\n'));
    parser.feed(bytes('ok\r\nEN'));
    parser.feed(bytes('D\r\nSTORED\r\n'));
    expect(parser.buffered).toBe(true);
    expect(String.fromCharCode(...(parser.next(cmd.get('k')) as Item).value)).toBe('ok');
    expect(parser.next(cmd.store('set', 'k', bytes('v'), 0, 0))).toBe('STORED');
    expect(parser.buffered).toBe(false);
  });

  it('a 1 MB value arriving in 64 KiB chunks is assembled once and exactly', () => {
    const size = 1024 * 1024;
    const value = new Uint8Array(size);
    for (let i = 0; i < size; i++) value[i] = (i * 7) & 0xff;
    const header = bytes(`VALUE big 0 ${size}\r\n`);
    const data = new Uint8Array(header.length + size + 7);
    data.set(header);
    data.set(value, header.length);
    data.set(bytes('\r\nEND\r\n'), header.length + size);
    const cuts = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => i * 65536);
    const outcome = new ReplyParser();
    let result: unknown;
    for (const chunk of splitAt(data, cuts)) {
      outcome.feed(chunk);
      result = outcome.next(cmd.get('big'));
    }
    expect(Buffer.compare((result as Item).value, value)).toBe(0);
  });
});

describe('malformed replies are ProtocolErrors and the parser stays failed', () => {
  const cases: [string, ReturnType<typeof cmd.get> | ReturnType<typeof cmd.getMulti> | ReturnType<typeof cmd.store> | ReturnType<typeof cmd.incr> | ReturnType<typeof cmd.del> | ReturnType<typeof cmd.stats>, string, RegExp][] = [
    ['another key than requested', cmd.get('mine'), 'VALUE other 0 1\r\nx\r\nEND\r\n', /key "other".*not requested/],
    ['a prefix of the requested key', cmd.get('mine'), 'VALUE min 0 1\r\nx\r\nEND\r\n', /not requested/],
    ['an unrequested key in a multi-get', cmd.getMulti(['a', 'b']), 'VALUE a 0 1\r\nx\r\nVALUE z 0 1\r\ny\r\nEND\r\n', /not requested/],
    ['two VALUEs for a one-key get', cmd.get('k'), 'VALUE k 0 1\r\nx\r\nVALUE k 0 1\r\ny\r\nEND\r\n', /more than one VALUE/],
    ['a wrong byte count', cmd.get('k'), 'VALUE k 0 2\r\nabc\r\nEND\r\n', /not followed by/],
    ['a status that does not fit the command', cmd.store('set', 'k', bytes('v'), 0, 0), 'DELETED\r\n', /unexpected reply to set/],
    ['a lowercase status', cmd.del('k'), 'deleted\r\n', /unexpected reply/],
    ['a line ending in a bare \\n', cmd.del('k'), 'DELETED\n', /does not end with/],
    ['an empty line', cmd.del('k'), '\r\n', /does not end with|unexpected/],
    ['garbage', cmd.get('k'), 'HTTP/1.1 400 Bad Request\r\n', /unexpected reply to get/],
    ['flags above u32', cmd.get('k'), 'VALUE k 4294967296 1\r\nx\r\nEND\r\n', /flags/],
    ['a negative byte count', cmd.get('k'), 'VALUE k 0 -1\r\n', /number/],
    ['a byte count past the limit', cmd.get('k'), 'VALUE k 0 99999999999\r\n', /number|bytes/],
    ['extra fields in VALUE', cmd.get('k'), 'VALUE k 0 1 2 3\r\nx\r\nEND\r\n', /VALUE header/],
    ['two spaces in VALUE', cmd.get('k'), 'VALUE k  0 1\r\nx\r\nEND\r\n', /number/],
    ['a counter above 2^64 - 1', cmd.incr('k', 1), '18446744073709551616\r\n', /64-bit/],
    ['a counter with a letter', cmd.incr('k', 1), '12a\r\n', /counter/],
    ['a STAT line without a value', cmd.stats(), 'STAT pid\r\nEND\r\n', /STAT line/],
  ];

  it.each(cases)('%s', (_, request, reply, message) => {
    const outcome = parseStream([request], [bytes(reply)]);
    expect(outcome.error).toBeInstanceOf(ProtocolError);
    expect(outcome.error!.code).toBe('ERR_PROTOCOL');
    expect(outcome.error!.message).toMatch(message);
    // The same answer byte by byte fails the same way.
    expect(parseStream([request], oneByteChunks(bytes(reply))).error?.message).toBe(outcome.error!.message);
  });

  it('a line longer than MAX_LINE_BYTES fails without waiting for its end', () => {
    const parser = new ReplyParser();
    const request = cmd.version();
    parser.feed(bytes(`VERSION ${'x'.repeat(MAX_LINE_BYTES / 2)}`));
    expect(parser.next(request)).toBeUndefined();
    expect(() => parser.feed(bytes('y'.repeat(MAX_LINE_BYTES)))).toThrow(ProtocolError);
    expect(() => parser.next(request)).toThrow(/longer than/);
  });

  it('after a ProtocolError every call throws the same error and fed bytes are ignored', () => {
    const parser = new ReplyParser();
    parser.feed(bytes('BOGUS\r\n'));
    let first: unknown;
    try {
      parser.next(cmd.version());
    } catch (err) {
      first = err;
    }
    expect(first).toBeInstanceOf(ProtocolError);
    parser.feed(bytes('VERSION 1.6.18\r\n'));
    expect(() => parser.next(cmd.version())).toThrow(first as Error);
    expect(parser.failed).toBe(first);
    expect(parser.buffered).toBe(false);
  });

  it('a huge announced value allocates nothing up front, even under the highest limit', () => {
    const parser = new ReplyParser(MAX_VALUE_BYTES);
    parser.feed(bytes('VALUE k 0 2000000000\r\nabc'));
    expect(parser.next(cmd.get('k'))).toBeUndefined();
    expect(parser.buffered).toBe(true);
  });

  it('a value announced above the limit is a ProtocolError from its header, before its bytes', () => {
    const parser = new ReplyParser();
    parser.feed(bytes('VALUE k 0 4294967296\r\n'));
    expect(() => parser.next(cmd.get('k'))).toThrow(/value of 4294967296 bytes for key "k", more than the limit of 1048576/);
    expect(parser.failed).toBeInstanceOf(ProtocolError);
    expect(parser.buffered).toBe(false);
  });

  it('the value limit defaults to 1 MiB, is inclusive, and can be set per parser and raised between feeds', () => {
    expect(DEFAULT_MAX_VALUE_BYTES).toBe(1024 * 1024);
    const exact = new ReplyParser();
    exact.feed(bytes(`VALUE k 0 ${DEFAULT_MAX_VALUE_BYTES}\r\n`));
    expect(exact.next(cmd.get('k'))).toBeUndefined(); // waiting for the bytes, not refused
    const small = new ReplyParser(4);
    small.feed(bytes('VALUE a 0 4\r\nabcd\r\nEND\r\nVALUE b 0 5\r\nab'));
    expect(small.next(cmd.get('a'))).toMatchObject({ key: 'a' });
    small.maxValueBytes = 5; // raised before the next header is read
    small.feed(bytes('cde\r\nEND\r\nVALUE c 0 6\r\n'));
    expect(small.next(cmd.get('b'))).toMatchObject({ key: 'b' });
    expect(() => small.next(cmd.get('c'))).toThrow(ProtocolError);
    // A limit above what a typed array can hold is capped.
    expect(new ReplyParser(2 ** 40).maxValueBytes).toBe(MAX_VALUE_BYTES);
  });
});
