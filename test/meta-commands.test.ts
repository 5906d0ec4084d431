/**
 * The meta serializers: exact bytes on the wire (opaque tokens, quiet fences, base64 keys), a
 * module that can stand in for the text one, and the same refusals as the text serializers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidKeyError, InvalidValueError } from '../bindings/errors.js';
import * as text from '../bindings/protocol/commands.js';
import * as meta from '../bindings/protocol/meta-commands.js';
import { MAX_BINARY_KEY_BYTES } from '../bindings/protocol/meta-keys.js';
import { invalidate, leaseGet, leaseSet } from '../bindings/protocol/meta-leases.js';
import { EMBED_LIMIT, ReplyShape, type Request } from '../bindings/protocol/request.js';

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** Everything the request puts on the wire, as latin1 text. */
const wire = (r: Request<unknown>): string => latin1(r.bytes) + (r.body === undefined ? '' : `${latin1(r.body)}\r\n`);

// The client picks its protocol by module: the meta one must type-check wherever the text one does.
const swapped: typeof text = meta;

describe('exact bytes', () => {
  it.each([
    ['get', () => meta.get('k1'), (o: number) => `mg k1 v f k O${o}\r\n`, ReplyShape.META_ITEM, false],
    ['gets', () => meta.gets('k1'), (o: number) => `mg k1 v f c k O${o}\r\n`, ReplyShape.META_ITEM, false],
    ['gat', () => meta.gat(300, 'k1'), (o: number) => `mg k1 v f T300 k O${o}\r\n`, ReplyShape.META_ITEM, false],
    ['gats negative exptime', () => meta.gats(-1, 'k1'), (o: number) => `mg k1 v f c T-1 k O${o}\r\n`, ReplyShape.META_ITEM, false],
    ['get of a binary key', () => meta.get(Uint8Array.of(0, 1, 2)), (o: number) => `mg AAEC v f b O${o}\r\n`, ReplyShape.META_ITEM, false],
    ['set', () => meta.store('set', 'k', bytes('hello'), 0, 0), (o: number) => `ms k 5 O${o}\r\nhello\r\n`, ReplyShape.META_STORE, true],
    ['add with flags and exptime', () => meta.store('add', 'k', bytes('v'), 4294967295, -2147483648), (o: number) => `ms k 1 F4294967295 T-2147483648 ME O${o}\r\nv\r\n`, ReplyShape.META_STORE, true],
    ['replace', () => meta.store('replace', 'k', bytes('v'), 1, 60), (o: number) => `ms k 1 F1 T60 MR O${o}\r\nv\r\n`, ReplyShape.META_STORE, true],
    ['append, quiet', () => meta.store('append', 'k', bytes('v'), 0, 0, true), (o: number) => `ms k 1 MA O${o} q\r\nv\r\nmn\r\n`, ReplyShape.META_QUIET, true],
    ['prepend of an empty value', () => meta.store('prepend', 'k', bytes(''), 0, 0), (o: number) => `ms k 0 MP O${o}\r\n\r\n`, ReplyShape.META_STORE, true],
    ['set with CRLF in the value', () => meta.store('set', 'k', bytes('a\r\nb'), 7, 0), (o: number) => `ms k 4 F7 O${o}\r\na\r\nb\r\n`, ReplyShape.META_STORE, true],
    ['cas', () => meta.cas('k', bytes('xy'), 3, 10, 18446744073709551615n), (o: number) => `ms k 2 F3 T10 C18446744073709551615 O${o}\r\nxy\r\n`, ReplyShape.META_STORE, true],
    ['cas, quiet, number unique', () => meta.cas('k', bytes('x'), 0, 0, 12, true), (o: number) => `ms k 1 C12 O${o} q\r\nx\r\nmn\r\n`, ReplyShape.META_QUIET, true],
    ['set of a binary key', () => meta.store('set', Uint8Array.of(255), bytes('v'), 0, 0), (o: number) => `ms /w== 1 b O${o}\r\nv\r\n`, ReplyShape.META_STORE, true],
    ['delete', () => meta.del('k'), (o: number) => `md k O${o}\r\n`, ReplyShape.META_DELETE, true],
    ['delete, quiet', () => meta.del('k', true), (o: number) => `md k O${o} q\r\nmn\r\n`, ReplyShape.META_QUIET, true],
    ['incr', () => meta.incr('k', 5), (o: number) => `ma k D5 v O${o}\r\n`, ReplyShape.META_COUNTER, true],
    ['incr u64', () => meta.incr('k', 18446744073709551615n), (o: number) => `ma k D18446744073709551615 v O${o}\r\n`, ReplyShape.META_COUNTER, true],
    ['decr, quiet', () => meta.decr('k', 0, true), (o: number) => `ma k MD D0 O${o} q\r\nmn\r\n`, ReplyShape.META_QUIET, true],
    ['touch', () => meta.touch('k', 100), (o: number) => `mg k T100 O${o}\r\n`, ReplyShape.META_TOUCH, true],
    ['touch, quiet', () => meta.touch('k', -1, true), (o: number) => `mg k T-1 O${o} q\r\nmn\r\n`, ReplyShape.META_QUIET, true],
    ['lease read', () => leaseGet('k'), (o: number) => `mg k v f c t k O${o}\r\n`, ReplyShape.META_LEASE, false],
    ['lease read that vivifies and recaches', () => leaseGet('k', { vivify: 30, recache: 5, ttl: 60 }), (o: number) => `mg k N30 R5 T60 v f c t k O${o}\r\n`, ReplyShape.META_LEASE, true],
    ['invalidate', () => invalidate('k'), (o: number) => `md k I O${o}\r\n`, ReplyShape.META_INVALIDATE, true],
    ['invalidate with a TTL, quiet', () => invalidate('k', 30, true), (o: number) => `md k I T30 O${o} q\r\nmn\r\n`, ReplyShape.META_QUIET, true],
    ['lease set', () => leaseSet('k', bytes('v'), 2, 60, 99n), (o: number) => `ms k 1 F2 T60 I C99 O${o}\r\nv\r\n`, ReplyShape.META_STORE, true],
  ] as const)('%s', (_, make, expected, shape, mutates) => {
    const request: Request<unknown> = make();
    expect(wire(request)).toBe(expected(request.opaque));
    expect(request.shape).toBe(shape);
    expect(request.mutates).toBe(mutates);
    expect(request.size).toBe(expected(request.opaque).length);
  });

  it('a multi-get is one quiet mg per key, each with its own opaque token in order, and an mn', () => {
    const request = meta.getMulti(['a', 'bb', 'a']);
    const o = request.opaque;
    expect(wire(request)).toBe(`mg a v f k O${o} q\r\nmg bb v f k O${o + 1} q\r\nmg a v f k O${o + 2} q\r\nmn\r\n`);
    expect(request.shape).toBe(ReplyShape.META_ITEMS);
    expect(request.keys).toEqual(['a', 'bb', 'a']);
    expect(request.binaryKeys).toBeUndefined();
    expect(request.mutates).toBe(false);
    const gats = meta.gatsMulti(9, ['x']);
    expect(wire(gats)).toBe(`mg x v f c T9 k O${gats.opaque} q\r\nmn\r\n`);
  });

  it('records where each key lies, and a binary key as its base64 and itself', () => {
    const binary = Uint8Array.of(0x20, 0x0d, 0x0a, 0x00);
    const request = meta.getsMulti(['ключ', binary]);
    const o = request.opaque;
    expect(Array.from(request.bytes)).toEqual(Array.from(Buffer.from(`mg ключ v f c k O${o} q\r\nmg IA0KAA== v f c b O${o + 1} q\r\nmn\r\n`, 'utf8')));
    const spans = request.keySpans!;
    const keyAt = (i: number) => Buffer.from(request.bytes.subarray(spans[2 * i], spans[2 * i + 1])).toString('utf8');
    expect([keyAt(0), keyAt(1)]).toEqual(['ключ', 'IA0KAA==']);
    expect(request.keys).toEqual(['ключ', 'IA0KAA==']);
    expect(request.binaryKeys).toEqual([undefined, binary]);
    expect(request.binaryKeys![1]).toBe(binary);
  });

  it('gives every request a fresh opaque token', () => {
    const tokens = [meta.get('a'), meta.getMulti(['a', 'b', 'c']), meta.del('a'), meta.store('set', 'a', bytes(''), 0, 0)].map((r) => r.opaque);
    expect(tokens[1]).toBeGreaterThan(tokens[0]);
    expect(tokens[2]).toBe(tokens[1] + 3);
    expect(tokens[3]).toBe(tokens[2] + 1);
  });

  it('sends a string value as its UTF-8 bytes, as the text serializers do', () => {
    for (const value of ['', 'hello', 'ключ 😀', '\ud800 lone', 'x'.repeat(5000)]) {
      const utf8 = new Uint8Array(Buffer.from(value, 'utf8'));
      const asText = meta.store('set', 'k', value, 3, 0);
      expect(wire(asText)).toBe(wire(meta.store('set', 'k', utf8, 3, 0)).replace(/ O\d+/, ` O${asText.opaque}`));
    }
  });

  it('embeds small values and passes large ones by reference, except when quiet (the fence follows the data)', () => {
    const large = new Uint8Array(EMBED_LIMIT + 1).fill(2);
    const referenced = meta.store('set', 'k', large, 0, 0);
    expect(referenced.body).toBe(large);
    expect(latin1(referenced.bytes)).toBe(`ms k ${large.length} O${referenced.opaque}\r\n`);
    const quiet = meta.store('set', 'k', large, 0, 0, true);
    expect(quiet.body).toBeUndefined();
    expect(wire(quiet)).toBe(`ms k ${large.length} O${quiet.opaque} q\r\n${latin1(large)}\r\nmn\r\n`);
    expect(meta.store('set', 'k', new Uint8Array(EMBED_LIMIT), 0, 0).body).toBeUndefined();
  });

  it('encodes any binary key as RFC 4648 base64, as memcached does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: MAX_BINARY_KEY_BYTES }), (key) => {
        const request = meta.del(key);
        expect(wire(request)).toBe(`md ${Buffer.from(key).toString('base64')} b O${request.opaque}\r\n`);
      }),
    );
  });

  it('the text module re-exported for commands without a meta form', () => {
    expect(meta.version).toBe(text.version);
    expect(meta.stats).toBe(text.stats);
    expect(meta.flushAll).toBe(text.flushAll);
    expect(swapped.get).toBe(meta.get);
  });
});

describe('validation before any I/O, the same as the text serializers', () => {
  type Module = typeof text;
  it.each([
    ['a key with a space', (m: Module) => m.get('a b'), InvalidKeyError],
    ['an empty key', (m: Module) => m.del(''), InvalidKeyError],
    ['a key of 251 bytes', (m: Module) => m.touch('é'.repeat(125) + 'x', 0), InvalidKeyError],
    ['an empty key list', (m: Module) => m.getMulti([]), InvalidKeyError],
    ['a bad key among many', (m: Module) => m.getsMulti(['ok', 'bad\n']), InvalidKeyError],
    ['a bad key and a bad value', (m: Module) => m.store('set', 'bad key', 'text' as unknown as Uint8Array, 0, 0), InvalidKeyError],
    ['a value that is a number', (m: Module) => m.store('set', 'k', 42 as unknown as Uint8Array, 0, 0), InvalidValueError],
    ['flags above u32', (m: Module) => m.store('set', 'k', bytes('v'), 2 ** 32, 0), InvalidValueError],
    ['fractional flags', (m: Module) => m.cas('k', bytes('v'), 1.5, 0, 1), InvalidValueError],
    ['exptime above i32', (m: Module) => m.store('set', 'k', bytes('v'), 0, 2 ** 31), InvalidValueError],
    ['NaN exptime', (m: Module) => m.touch('k', Number.NaN), InvalidValueError],
    ['exptime of gat', (m: Module) => m.gat(1.5, 'k'), InvalidValueError],
    ['exptime of gatMulti', (m: Module) => m.gatMulti(Infinity, ['k']), InvalidValueError],
    ['an unknown storage verb', (m: Module) => m.store('upsert' as 'set', 'k', bytes('v'), 0, 0), InvalidValueError],
    ['an inherited name as a storage verb', (m: Module) => m.store('toString' as 'set', 'k', bytes('v'), 0, 0), InvalidValueError],
    ['a negative delta', (m: Module) => m.incr('k', -1), InvalidValueError],
    ['an unsafe number delta', (m: Module) => m.incr('k', 2 ** 60), InvalidValueError],
    ['a delta above u64', (m: Module) => m.decr('k', 1n << 64n), InvalidValueError],
    ['a negative cas unique', (m: Module) => m.cas('k', bytes('v'), 0, 0, -1n), InvalidValueError],
  ])('%s is refused alike', (_, make, type) => {
    let textError: unknown;
    let metaError: unknown;
    try {
      make(text);
    } catch (err) {
      textError = err;
    }
    try {
      make(meta);
    } catch (err) {
      metaError = err;
    }
    expect(textError).toBeInstanceOf(type);
    expect(metaError).toBeInstanceOf(type);
    expect((metaError as Error).message).toBe((textError as Error).message);
  });

  it('binary keys: the meta serializers take 1 to 186 bytes, the text ones none', () => {
    expect(() => meta.get(new Uint8Array(MAX_BINARY_KEY_BYTES))).not.toThrow();
    expect(() => meta.get(new Uint8Array(MAX_BINARY_KEY_BYTES + 1))).toThrow(/at most 186 \(250 in base64\)/);
    expect(() => meta.getMulti(['a', new Uint8Array(0)])).toThrow(InvalidKeyError);
    expect(() => meta.get(42 as unknown as string)).toThrow(/a key must be a string or a Uint8Array, got 42/);
    expect(() => text.get(Uint8Array.of(1) as unknown as string)).toThrow(InvalidKeyError);
    expect(() => text.getMulti([Uint8Array.of(1) as unknown as string])).toThrow(InvalidKeyError);
  });

  it('lease options are times, checked like exptime', () => {
    expect(() => leaseGet('k', { vivify: -0.5 })).toThrow(InvalidValueError);
    expect(() => invalidate('k', 2 ** 31)).toThrow(InvalidValueError);
    expect(() => leaseSet('k', bytes('v'), 0, 0, -1)).toThrow(InvalidValueError);
  });
});
