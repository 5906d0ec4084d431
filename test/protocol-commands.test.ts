/**
 * The serializers: exact bytes on the wire for every command, argument validation before any
 * I/O, and how values are carried (embedded when small, by reference when large).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidKeyError, InvalidValueError } from '../bindings/errors.js';
import * as cmd from '../bindings/protocol/commands.js';
import { validateKey } from '../bindings/protocol/keys.js';
import { ReplyShape, type Request } from '../bindings/protocol/request.js';

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** Everything the request puts on the wire, as latin1 text. */
const wire = (r: Request<unknown>): string => latin1(r.bytes) + (r.body === undefined ? '' : `${latin1(r.body)}\r\n`);

describe('exact bytes', () => {
  it.each([
    ['get', cmd.get('k1'), 'get k1\r\n', ReplyShape.ITEM, false],
    ['gets', cmd.gets('k1'), 'gets k1\r\n', ReplyShape.ITEM, false],
    ['gat', cmd.gat(300, 'k1'), 'gat 300 k1\r\n', ReplyShape.ITEM, false],
    ['gats negative exptime', cmd.gats(-1, 'k1'), 'gats -1 k1\r\n', ReplyShape.ITEM, false],
    ['get multi', cmd.getMulti(['a', 'bb', 'a']), 'get a bb a\r\n', ReplyShape.ITEMS, false],
    ['gets multi', cmd.getsMulti(['a']), 'gets a\r\n', ReplyShape.ITEMS, false],
    ['gat multi', cmd.gatMulti(0, ['a', 'b']), 'gat 0 a b\r\n', ReplyShape.ITEMS, false],
    ['gats multi', cmd.gatsMulti(2147483647, ['a', 'b']), 'gats 2147483647 a b\r\n', ReplyShape.ITEMS, false],
    ['set', cmd.store('set', 'k', bytes('hello'), 0, 0), 'set k 0 0 5\r\nhello\r\n', ReplyShape.STORE, true],
    ['add', cmd.store('add', 'k', bytes('v'), 4294967295, -2147483648), 'add k 4294967295 -2147483648 1\r\nv\r\n', ReplyShape.STORE, true],
    ['replace', cmd.store('replace', 'k', bytes('v'), 1, 60), 'replace k 1 60 1\r\nv\r\n', ReplyShape.STORE, true],
    ['append noreply', cmd.store('append', 'k', bytes('v'), 0, 0, true), 'append k 0 0 1 noreply\r\nv\r\n', ReplyShape.NONE, true],
    ['prepend', cmd.store('prepend', 'k', bytes(''), 0, 0), 'prepend k 0 0 0\r\n\r\n', ReplyShape.STORE, true],
    ['set with CRLF in the value', cmd.store('set', 'k', bytes('a\r\nb'), 7, 0), 'set k 7 0 4\r\na\r\nb\r\n', ReplyShape.STORE, true],
    ['cas', cmd.cas('k', bytes('xy'), 3, 10, 18446744073709551615n), 'cas k 3 10 2 18446744073709551615\r\nxy\r\n', ReplyShape.STORE, true],
    ['cas noreply, number unique', cmd.cas('k', bytes('x'), 0, 0, 12, true), 'cas k 0 0 1 12 noreply\r\nx\r\n', ReplyShape.NONE, true],
    ['delete', cmd.del('k'), 'delete k\r\n', ReplyShape.DELETE, true],
    ['delete noreply', cmd.del('k', true), 'delete k noreply\r\n', ReplyShape.NONE, true],
    ['incr', cmd.incr('k', 5), 'incr k 5\r\n', ReplyShape.COUNTER, true],
    ['incr u64', cmd.incr('k', 18446744073709551615n), 'incr k 18446744073709551615\r\n', ReplyShape.COUNTER, true],
    ['decr noreply', cmd.decr('k', 0, true), 'decr k 0 noreply\r\n', ReplyShape.NONE, true],
    ['touch', cmd.touch('k', 100), 'touch k 100\r\n', ReplyShape.TOUCH, true],
    ['touch noreply', cmd.touch('k', -1, true), 'touch k -1 noreply\r\n', ReplyShape.NONE, true],
    ['flush_all', cmd.flushAll(), 'flush_all\r\n', ReplyShape.OK, true],
    ['flush_all delay', cmd.flushAll(30), 'flush_all 30\r\n', ReplyShape.OK, true],
    ['flush_all noreply', cmd.flushAll(undefined, true), 'flush_all noreply\r\n', ReplyShape.NONE, true],
    ['version', cmd.version(), 'version\r\n', ReplyShape.VERSION, false],
    ['stats', cmd.stats(), 'stats\r\n', ReplyShape.STATS, false],
    ['stats group', cmd.stats('slabs'), 'stats slabs\r\n', ReplyShape.STATS, false],
  ] as const)('%s', (_, request, expected, shape, mutates) => {
    expect(wire(request)).toBe(expected);
    expect(request.shape).toBe(shape);
    expect(request.mutates).toBe(mutates);
    expect(request.size).toBe(expected.length);
  });

  it('writes non-ASCII keys as UTF-8 and records where each key lies', () => {
    const request = cmd.getMulti(['ключ', 'a', '😀']);
    expect(Array.from(request.bytes)).toEqual(Array.from(Buffer.from('get ключ a 😀\r\n', 'utf8')));
    const spans = request.keySpans!;
    const keyAt = (i: number) => Buffer.from(request.bytes.subarray(spans[2 * i], spans[2 * i + 1])).toString('utf8');
    expect([keyAt(0), keyAt(1), keyAt(2)]).toEqual(['ключ', 'a', '😀']);
    expect(request.keys).toEqual(['ключ', 'a', '😀']);
  });

  it('a retrieval line is the same whether its keys are plain ASCII or not, and refuses the first bad key as validateKey does', () => {
    // Plain keys take a one-pass path (checked as copied); any other key sends the line the measured way.
    const key = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 }),
      fc.constantFrom('', ' ', 'a b', 'tab\t', 'é', '键', '😀', '\ud800', 'x'.repeat(250), 'x'.repeat(251), '\x7f', '~', '!'),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 12 }), (keys) => {
        const firstBad = keys.find((k) => {
          try {
            validateKey(k);
            return false;
          } catch {
            return true;
          }
        });
        if (firstBad !== undefined) {
          let message = '';
          try {
            validateKey(firstBad);
          } catch (err) {
            message = (err as Error).message;
          }
          expect(() => cmd.getMulti(keys)).toThrow(new InvalidKeyError(message));
          expect(() => cmd.get(firstBad)).toThrow(new InvalidKeyError(message));
          return;
        }
        const request = cmd.getMulti(keys);
        expect(Array.from(request.bytes)).toEqual(Array.from(Buffer.from(`get ${keys.join(' ')}\r\n`, 'utf8')));
        // The one-key lines take the same one-pass path.
        expect(Array.from(cmd.gat(7, keys[0]).bytes)).toEqual(Array.from(Buffer.from(`gat 7 ${keys[0]}\r\n`, 'utf8')));
        const spans = request.keySpans!;
        keys.forEach((k, i) => expect(Buffer.from(request.bytes.subarray(spans[2 * i], spans[2 * i + 1])).toString('utf8')).toBe(k));
      }),
    );
  });

  it('keeps its own copy of the key list', () => {
    const keys = ['a', 'b'];
    const request = cmd.getMulti(keys);
    keys[0] = 'changed';
    expect(request.keys).toEqual(['a', 'b']);
  });

  it('writes a string value as its UTF-8 bytes, the same as the bytes themselves, embedded or by reference', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 })),
        fc.constantFrom(0, 1, 13, 20_000),
        (text, repeat) => {
          // repeat 13 makes texts of up to 1,040 characters, still embedded; repeat 20 000 takes the
          // value past EMBED_LIMIT (when it is not empty): sent by reference.
          const value = repeat === 0 ? text : text.repeat(repeat);
          // Large wires: compared as Buffers (the latin1 helper spreads its argument).
          const onWire = (r: Request<unknown>): Buffer => Buffer.concat([r.bytes, ...(r.body === undefined ? [] : [r.body, Buffer.from('\r\n')])]);
          const asBytes = cmd.store('set', 'k', new Uint8Array(Buffer.from(value, 'utf8')), 5, 0);
          const asText = cmd.store('set', 'k', value, 5, 0);
          expect(onWire(asText).equals(onWire(asBytes))).toBe(true);
          expect(asText.body === undefined).toBe(asBytes.body === undefined);
          expect(onWire(cmd.cas('k', value, 0, 0, 9)).equals(onWire(cmd.cas('k', new Uint8Array(Buffer.from(value, 'utf8')), 0, 0, 9)))).toBe(true);
          expect(onWire(cmd.store('add', 'k', value, 0, -1, true)).equals(onWire(cmd.store('add', 'k', new Uint8Array(Buffer.from(value, 'utf8')), 0, -1, true)))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('embeds small values and passes large ones by reference (copied once, at write time)', () => {
    const small = new Uint8Array(1000).fill(1);
    const large = new Uint8Array(100_000).fill(2);
    const embedded = cmd.store('set', 'k', small, 0, 0);
    expect(embedded.body).toBeUndefined();
    expect(embedded.bytes.length).toBe('set k 0 0 1000\r\n'.length + 1000 + 2);
    const referenced = cmd.store('set', 'k', large, 0, 0);
    expect(referenced.body).toBe(large);
    expect(latin1(referenced.bytes)).toBe('set k 0 0 100000\r\n');
    expect(referenced.size).toBe(referenced.bytes.length + 100_002);
  });

  it('encodes any flags/exptime/length combination exactly like String()', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffff_ffff }),
        fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        (flags, exptime, value, noreply) => {
          const expected = `set k ${flags} ${exptime} ${value.length}${noreply ? ' noreply' : ''}\r\n${latin1(value)}\r\n`;
          expect(wire(cmd.store('set', 'k', value, flags, exptime, noreply))).toBe(expected);
        },
      ),
    );
  });
});

describe('validation before any I/O', () => {
  it.each([
    ['a key with a space', () => cmd.get('a b'), InvalidKeyError],
    ['an empty key list', () => cmd.getMulti([]), InvalidKeyError],
    ['a bad key among many', () => cmd.getMulti(['ok', 'bad\n']), InvalidKeyError],
    ['a value that is a number', () => cmd.store('set', 'k', 42 as unknown as Uint8Array, 0, 0), InvalidValueError],
    ['flags above u32', () => cmd.store('set', 'k', bytes('v'), 2 ** 32, 0), InvalidValueError],
    ['negative flags', () => cmd.store('set', 'k', bytes('v'), -1, 0), InvalidValueError],
    ['fractional flags', () => cmd.store('set', 'k', bytes('v'), 1.5, 0), InvalidValueError],
    ['exptime above i32', () => cmd.store('set', 'k', bytes('v'), 0, 2 ** 31), InvalidValueError],
    ['NaN exptime', () => cmd.touch('k', Number.NaN), InvalidValueError],
    ['exptime of gat', () => cmd.gat(1.5, 'k'), InvalidValueError],
    ['an unknown storage verb', () => cmd.store('upsert' as 'set', 'k', bytes('v'), 0, 0), InvalidValueError],
    ['a negative delta', () => cmd.incr('k', -1), InvalidValueError],
    ['an unsafe number delta', () => cmd.incr('k', 2 ** 60), InvalidValueError],
    ['a delta above u64', () => cmd.decr('k', 1n << 64n), InvalidValueError],
    ['a negative cas unique', () => cmd.cas('k', bytes('v'), 0, 0, -1n), InvalidValueError],
    ['a negative flush delay', () => cmd.flushAll(-1), InvalidValueError],
    ['a stats group with a space', () => cmd.stats('detail dump'), InvalidValueError],
    ['a stats group with CRLF', () => cmd.stats('items\r\nflush_all'), InvalidValueError],
  ])('%s is refused', (_, make, type) => {
    expect(make).toThrow(type);
  });

  it('errors carry stable codes and say what is wrong', () => {
    expect(() => cmd.store('set', 'k', bytes('v'), 2 ** 32, 0)).toThrow(/flags must be an integer from 0 to 4294967295, got 4294967296/);
    try {
      cmd.incr('k', -1);
    } catch (err) {
      expect((err as InvalidValueError).code).toBe('ERR_INVALID_VALUE');
    }
    expect.assertions(2);
  });
});
