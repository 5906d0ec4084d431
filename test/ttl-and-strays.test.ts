import { describe, expect, it } from 'vitest';
import { capTtl, RELATIVE_TTL_LIMIT } from '../bindings/client/ttl.js';
import { KeyJournal } from '../bindings/health/key-journal.js';

describe('capTtl (failoverTtl / gutterTtl)', () => {
  const now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const nowS = now / 1000;
  it.each([
    [0, 10, 10], // never expires → the cap
    [5, 10, 5],
    [60, 10, 10],
    [RELATIVE_TTL_LIMIT, 10, 10],
    [-1, 10, -1], // expire at once stays so
    [nowS + 3, 10, 3], // absolute Unix time, 3 s away
    [nowS + 3600, 10, 10],
    [nowS - 5, 10, -1], // absolute time already past
  ])('ttl %d capped at %d → %d', (ttl, cap, expected) => {
    expect(capTtl(ttl, cap, now)).toBe(expected);
  });
});

describe('KeyJournal', () => {
  it('remembers distinct keys per stand-in and hands them over once', () => {
    const strays = new KeyJournal<string>(10);
    expect(strays.empty).toBe(true);
    strays.record('a', 'k1');
    strays.record('a', 'k1');
    strays.record('b', 'k2');
    expect(strays.empty).toBe(false);
    expect(strays.take()).toEqual(new Map([['a', new Set(['k1'])], ['b', new Set(['k2'])]]));
    expect(strays.empty).toBe(true);
  });

  it('overflows to "flush the stand-ins" past its limit, holding no keys', () => {
    const strays = new KeyJournal<string>(3);
    for (let i = 0; i < 5; i++) strays.record('a', `k${i}`);
    expect(strays.take()).toBe('overflow');
    expect(strays.empty).toBe(true);
  });
});
