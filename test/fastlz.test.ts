// FastLZ decompression, run by the routing core in both engines: they agree with a token model
// and with each other, on valid blocks and on garbage.
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decompressFastlzWith } from '../bindings/codec/fastlz.js';
import type { Core } from '../bindings/routing/core.js';
import { createJsCore } from '../bindings/routing/js/core.js';
import { instantiateWasmCore, provideWasm } from '../bindings/routing/wasm-core.js';
import { encode, expand, type Token } from './support/fastlz-blocks.js';

let engines: [string, Core][];
beforeAll(async () => {
  provideWasm(() => readFile(new URL('../build/core.wasm', import.meta.url)));
  engines = [['wasm', await instantiateWasmCore()], ['js', createJsCore()]];
});

/** Tokens whose matches only reach back into what was already produced. */
function tokens(level: 1 | 2): fc.Arbitrary<Token[]> {
  const literal = fc.uint8Array({ minLength: 1, maxLength: 32 }).map((b) => ({ literal: b }));
  const maxLength = level === 1 ? 264 : 2000;
  const maxDistance = level === 1 ? 8192 : 8191 + 65536;
  const match = fc.record({ d: fc.nat(), l: fc.integer({ min: 3, max: maxLength }) }).map(({ d, l }) => ({ pick: d, length: l }));
  const step = fc.oneof(literal, match);
  return fc.tuple(literal, fc.array(step, { maxLength: 60 })).map(([first, rest]) => {
    const out: Token[] = [first];
    let produced = first.literal.length;
    for (const t of rest) {
      if ('literal' in t) {
        out.push(t);
        produced += t.literal.length;
      } else {
        const distance = 1 + (t.pick % Math.min(produced, maxDistance));
        out.push({ distance, length: t.length });
        produced += t.length;
      }
    }
    return out;
  });
}

function run(core: Core, input: Uint8Array, cap: number): { written: number; out: Uint8Array } {
  const src = core.reserveScratch(input.length + cap + 8);
  const dst = src + ((input.length + 7) & ~7);
  new Uint8Array(core.memory.buffer, src, input.length).set(input);
  const written = core.fastlz(src, input.length, dst, cap);
  return { written, out: new Uint8Array(core.memory.buffer, dst, Math.max(0, written)).slice() };
}

describe('FastLZ in both engines', () => {
  it.each([1, 2] as const)('level %i blocks decompress to what their tokens stand for', (level) => {
    fc.assert(
      fc.property(tokens(level), (ts) => {
        const block = encode(ts, level);
        const expected = expand(ts);
        for (const [, core] of engines) expect(decompressFastlzWith(core, block, expected.length)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('far matches of level 2 (beyond 8191 bytes back) are followed', () => {
    const first = new Uint8Array(32).map((_, i) => i + 1);
    const ts: Token[] = [{ literal: first }, { distance: 32, length: 20_000 }, { distance: 20_000, length: 40 }];
    const expected = expand(ts);
    for (const [, core] of engines) expect(decompressFastlzWith(core, encode(ts, 2), expected.length)).toEqual(expected);
  });

  it('both engines give the same answer for any bytes, and never write past the output', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 600 }), (input, cap) => {
        const [wasm, js] = engines.map(([, core]) => run(core, input, cap));
        expect(wasm).toEqual(js);
        expect(wasm.written).toBeLessThanOrEqual(cap);
      }),
      { numRuns: 2000 },
    );
  });

  it('a truncated or over-long block is refused, not padded', () => {
    const ts: Token[] = [{ literal: Uint8Array.of(1, 2, 3, 4) }, { distance: 4, length: 100 }];
    const block = encode(ts, 1);
    for (const [, core] of engines) {
      expect(run(core, block.subarray(0, block.length - 1), 104).written).toBe(-1);
      expect(run(core, block, 50).written).toBe(-1);
      expect(run(core, Uint8Array.of(0x40 | 3, 1, 2, 3, 4), 10).written).toBe(-1); // level 3 does not exist
      expect(() => decompressFastlzWith(core, block, 200)).toThrow(/decompresses to 104/);
    }
  });
});
