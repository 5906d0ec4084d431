import type { Clock } from '../../bindings/clock.js';

/**
 * A clock that jumps: `now` is set by the test, and a timer fires after 1 ms of real time,
 * advancing `now` by its whole delay. Minutes of waiting pass in a fraction of a second, while
 * round trips to a real server still take their real time between ticks.
 */
export class JumpingClock implements Clock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    return setTimeout(() => {
      this.time += ms;
      fn();
    }, 1);
  }
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}
