/**
 * Origin loads right after each failback, per key: what a stampede costs the database when the
 * returning server is cold (flushed, or a restarted process), and what leases save.
 *
 * The window, per failback and per frontend: from that frontend's own first `up` for the victim
 * (before it, the frontend still treats the victim's keys as offline and loads on every read,
 * whatever the read path) for `windowMs`, cut short by the next kill or the end of the run.
 * Every origin load a frontend makes inside its window counts, whatever server the key lives on:
 * the other servers are warm, so nearly all of them are the victim's keys (under a cluster flush
 * every server is cold, and its keys rightly count too). Loads per key = those loads / the
 * distinct keys they were for: 1 when every cold key was loaded once, more when several readers
 * loaded the same key.
 * Pure (no processes, no clocks): the demo and its unit test both call it.
 */
import type { ClientEventRecord } from './messages.js';
import { eventsByOutage, firstUps, type Outage } from './outages.js';
import type { ColdLoads } from './result.js';

/** Numbers per load in `Origin.loadLog`: key index, epoch ms, frontend number. */
const LOAD_WIDTH = 3;

/**
 * The loads after each failback of `victim`, and their sum over the run.
 * @param loadLog - `Origin.loadLog`
 * @param endedAt - epoch ms the workload stopped (the last window ends there at the latest)
 */
export function coldLoads(loadLog: readonly number[], events: readonly ClientEventRecord[], outages: readonly Outage[], victim: string, windowMs: number, endedAt: number): ColdLoads {
  const perFailback = eventsByOutage(events, outages, victim).map((mine, i) => {
    const until = Math.min(outages[i + 1]?.killedAt ?? Infinity, endedAt);
    const windows = new Map([...firstUps(mine)].map(([frontend, up]) => [frontend, { from: up, to: Math.min(up + windowMs, until) }]));
    const keys = new Set<number>();
    let loads = 0;
    for (let j = 0; j < loadLog.length; j += LOAD_WIDTH) {
      const window = windows.get(loadLog[j + 2]);
      const at = loadLog[j + 1];
      if (window === undefined || at < window.from || at >= window.to) continue;
      loads++;
      keys.add(loadLog[j]);
    }
    return { loads, keys: keys.size };
  });
  const loads = perFailback.reduce((n, f) => n + f.loads, 0);
  const keys = perFailback.reduce((n, f) => n + f.keys, 0);
  return { windowMs, loads, keys, loadsPerKey: keys === 0 ? 0 : loads / keys, perFailback };
}
