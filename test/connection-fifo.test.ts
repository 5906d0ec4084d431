/** The connection's request queue against a plain array model, over random operation sequences. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clearArray, Fifo } from '../bindings/connection/fifo.js';

type Op = { op: 'push'; n: number } | { op: 'shift' } | { op: 'takeLast'; n: number } | { op: 'drain' } | { op: 'burst'; n: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('push' as const), n: fc.integer() }),
    fc.record({ op: fc.constant('shift' as const) }),
    fc.record({ op: fc.constant('takeLast' as const), n: fc.nat({ max: 6 }) }),
    fc.record({ op: fc.constant('drain' as const) }),
    // Past the compaction threshold (1024 consumed) now and then.
    fc.record({ op: fc.constant('burst' as const), n: fc.integer({ min: 1000, max: 3000 }) }),
  ),
  { maxLength: 60 },
);

describe('Fifo', () => {
  it('behaves as an array used as a queue: length, peek, shift, takeLast, drain and forEach agree', () => {
    fc.assert(
      fc.property(ops, (sequence: Op[]) => {
        const fifo = new Fifo<number>();
        let model: number[] = [];
        let next = 0;
        for (const step of sequence) {
          if (step.op === 'push') {
            fifo.push(step.n);
            model.push(step.n);
          } else if (step.op === 'shift') {
            expect(fifo.shift()).toBe(model.shift());
          } else if (step.op === 'takeLast') {
            expect(fifo.takeLast(step.n)).toEqual(step.n === 0 ? [] : model.splice(Math.max(0, model.length - step.n)));
          } else if (step.op === 'drain') {
            expect(fifo.drain()).toEqual(model);
            model = [];
          } else {
            for (let i = 0; i < step.n; i++, next++) {
              fifo.push(next);
              model.push(next);
            }
            for (let i = 0; i < step.n - 5; i++) expect(fifo.shift()).toBe(model.shift());
          }
          expect(fifo.length).toBe(model.length);
          expect(fifo.peek()).toBe(model[0]);
          const seen: number[] = [];
          fifo.forEach((x) => seen.push(x));
          expect(seen).toEqual(model);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('clearArray empties an array in place', () => {
    const array = [1, 2, 3];
    const same = array;
    clearArray(array);
    expect(same).toHaveLength(0);
    same.push(4);
    expect(array).toEqual([4]);
  });
});
