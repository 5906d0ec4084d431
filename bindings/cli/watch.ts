/**
 * `--watch [seconds]` and `--count N`: run a refresh, print it, wait, again. On a terminal each
 * refresh replaces the last (the screen is cleared); in a pipe or a file each is appended, so a
 * log of `--json` refreshes is one JSON document per line.
 */
import type { Writable } from 'node:stream';
import { positiveInteger, positiveNumber, UsageError } from './args.js';

/** How often, and how many times. */
export interface WatchPlan {
  /** Milliseconds between the starts of two refreshes; undefined: one refresh, no watching. */
  everyMs: number | undefined;
  /** Refreshes to run; undefined: until interrupted (Ctrl-C). */
  count: number | undefined;
}

/** The plan from `--watch` (its value, after {@link withWatchDefault}) and `--count`. */
export function watchPlan(watch: string | undefined, count: string | undefined): WatchPlan {
  if (watch === undefined) {
    if (count !== undefined) throw new UsageError('--count: counts --watch refreshes; add --watch [seconds]');
    return { everyMs: undefined, count: 1 };
  }
  return { everyMs: positiveNumber('--watch', watch) * 1000, count: count === undefined ? undefined : positiveInteger('--count', count) };
}

/** One refresh: the text to print and the exit status it calls for. */
export interface Refresh {
  text: string;
  status: number;
}

const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/**
 * Runs `refresh` as the plan says and writes each result; resolves with the last one's status
 * (a monitor that runs `health --watch --count 1`-style checks gets the state it saw last).
 */
export async function watch(plan: WatchPlan, out: Writable & { isTTY?: boolean }, refresh: () => Promise<Refresh>): Promise<number> {
  let status = 0;
  for (let round = 1; plan.count === undefined || round <= plan.count; round++) {
    const started = Date.now();
    const result = await refresh();
    status = result.status;
    out.write(plan.everyMs !== undefined && out.isTTY ? CLEAR_SCREEN + result.text : result.text);
    if (plan.everyMs === undefined || round === plan.count) break;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + plan.everyMs! - Date.now())));
  }
  return status;
}
