/** Key validation: what memcached accepts as a key, measured in UTF-8 bytes, refused with a reason. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidKeyError, InvalidOptionError } from '../bindings/errors.js';
import { keyByteLength, MAX_KEY_BYTES, MAX_KEY_PREFIX_BYTES, validateKey, validateKeyPrefix, writeKey, writePlainKey } from '../bindings/protocol/keys.js';
import { anyString } from './support/strings.js';

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

describe('accepted keys', () => {
  it.each([
    ['a', 1],
    ['user:42:profile', 15],
    ['~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./', 32],
    ['é', 2],
    ['键', 3],
    ['😀', 4],
    ['x'.repeat(250), 250],
    ['é'.repeat(125), 250],
    ['😀'.repeat(62) + 'ab', 250],
  ])('%j is %i bytes', (key, bytes) => {
    expect(keyByteLength(key)).toBe(bytes);
    expect(() => validateKey(key)).not.toThrow();
  });
});

describe('refused keys, with the reason', () => {
  it.each([
    ['', /must not be empty/],
    ['x'.repeat(251), /251 bytes as UTF-8; memcached allows at most 250/],
    ['é'.repeat(126), /252 bytes as UTF-8/],
    ['键'.repeat(84), /252 bytes/],
    ['x'.repeat(10_000), /10000 characters/],
    ['a b', /contains a space \(U\+0020\) at index 1/],
    ['tab\there', /control character \(U\+0009\) at index 3/],
    ['line\r\n', /control character \(U\+000D\) at index 4/],
    ['new\nline', /control character/],
    ['nul\0', /control character \(U\+0000\)/],
    ['del\x7f', /control character \(U\+007F\)/],
    ['c1\u0085', /control character \(U\+0085\)/],
    ['nbsp\u00a0', /white space \(U\+00A0\)/],
    ['ls\u2028', /white space \(U\+2028\)/],
    ['ideographic\u3000space', /white space \(U\+3000\)/],
    ['bom\ufeff', /white space \(U\+FEFF\)/],
    ['lone\ud800', /lone surrogate \(U\+D800\) at index 4/],
    ['\udc00low', /lone surrogate \(U\+DC00\) at index 0/],
  ])('%j', (key, message) => {
    expect(() => keyByteLength(key)).toThrow(InvalidKeyError);
    expect(() => keyByteLength(key)).toThrow(message);
  });

  it('refuses non-strings with the type in the message and the stable code', () => {
    for (const bad of [undefined, null, 42, Buffer.from('k'), ['k']]) {
      let error: unknown;
      try {
        keyByteLength(bad as unknown as string);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InvalidKeyError);
      expect((error as InvalidKeyError).code).toBe('ERR_INVALID_KEY');
      // Bytes are keys of the meta protocol only: the message says so.
      expect((error as Error).message).toMatch(bad instanceof Uint8Array ? /travel only over the meta protocol/ : /must be a string/);
    }
  });
});

describe('key prefixes (validateKeyPrefix)', () => {
  it.each([
    [''],
    ['last_failback_'],
    ['app:v2:failback:'],
    ['x'.repeat(230)],
    ['é'.repeat(115)],
    ['😀'.repeat(57) + 'ab'],
  ])('accepts %j, and with 20 digits after it the key is valid', (prefix) => {
    expect(() => validateKeyPrefix(prefix, 'failback.lockKey')).not.toThrow();
    expect(keyByteLength(`${prefix}${'9'.repeat(20)}`)).toBe(utf8Length(prefix) + 20);
  });

  it.each([
    ['a space', 'a b', /^failback\.lockKey: prefix "a b" contains a space \(U\+0020\) at index 1; memcached keys cannot contain/],
    ['a newline', 'lock\n', /control character \(U\+000A\) at index 4/],
    ['a NUL', '\0', /control character \(U\+0000\)/],
    ['a no-break space', 'nbsp\u00a0', /white space \(U\+00A0\)/],
    ['a high surrogate at its end', 'ends\ud83d', /prefix "ends\\ud83d" has a lone surrogate \(U\+D83D\) at index 4/],
    ['231 ASCII characters', 'x'.repeat(231), /is 231 characters; at most 230 bytes leave room for the number appended to it \(memcached allows 250\)$/],
    ['232 bytes of é', 'é'.repeat(116), /is 232 bytes as UTF-8; at most 230 bytes/],
    ['50M characters', 'x'.repeat(50_000_000), /is 50000000 characters/],
  ])('refuses %s with an InvalidOptionError naming the option', (_what, prefix, message) => {
    let error: unknown;
    try {
      validateKeyPrefix(prefix, 'failback.lockKey');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
    expect((error as InvalidOptionError).option).toBe('failback.lockKey');
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a non-string naming the option and the type', () => {
    for (const bad of [undefined, null, 42, ['p']]) {
      expect(() => validateKeyPrefix(bad as unknown as string, 'lockKey')).toThrow(/^lockKey: must be a key prefix string, got (undefined|null|number|object)$/);
    }
  });

  it('leaves room for 20 digits: MAX_KEY_PREFIX_BYTES + 20 is memcached\'s limit', () => {
    expect(MAX_KEY_PREFIX_BYTES + 20).toBe(MAX_KEY_BYTES);
  });

  it('accepts exactly the prefixes whose key with a 20-digit suffix is valid', () => {
    fc.assert(
      fc.property(anyString, (prefix) => {
        let keyOk = true;
        try {
          keyByteLength(`${prefix}${'1'.repeat(20)}`);
        } catch {
          keyOk = false;
        }
        let prefixOk = true;
        try {
          validateKeyPrefix(prefix, 'p');
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidOptionError);
          prefixOk = false;
        }
        expect(prefixOk).toBe(keyOk);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('properties', () => {
  it('every string is either refused or measured exactly as its UTF-8 length, with no white space or control inside', () => {
    fc.assert(
      fc.property(anyString, (key) => {
        let bytes: number | undefined;
        try {
          bytes = keyByteLength(key);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidKeyError);
          return;
        }
        expect(bytes).toBe(utf8Length(key));
        expect(bytes).toBeGreaterThan(0);
        expect(bytes).toBeLessThanOrEqual(MAX_KEY_BYTES);
        expect(key).not.toMatch(/[\s\p{Cc}]/u);
        expect(new TextDecoder().decode(new TextEncoder().encode(key))).toBe(key); // no lone surrogate
      }),
      { numRuns: 2000 },
    );
  });

  it('writePlainKey writes exactly the keys that are valid and all ASCII, and only those', () => {
    fc.assert(
      fc.property(anyString, (key) => {
        const buf = new Uint8Array(key.length + 4);
        const end = writePlainKey(buf, 2, key);
        let valid = true;
        try {
          validateKey(key);
        } catch {
          valid = false;
        }
        const plain = valid && utf8Length(key) === key.length;
        expect(end).toBe(plain ? 2 + key.length : -1);
        if (plain) expect(Buffer.from(buf.subarray(2, end)).toString('latin1')).toBe(key);
      }),
    );
  });

  it('writeKey writes exactly the UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), (key) => {
        fc.pre(/^[^\s\p{Cc}]+$/u.test(key) && utf8Length(key) <= MAX_KEY_BYTES);
        const length = keyByteLength(key);
        const buf = new Uint8Array(length + 2).fill(0xee);
        expect(writeKey(buf, 1, key, length)).toBe(1 + length);
        expect(Array.from(buf.subarray(1, 1 + length))).toEqual(Array.from(new TextEncoder().encode(key)));
        expect([buf[0], buf[length + 1]]).toEqual([0xee, 0xee]);
      }),
    );
  });
});
