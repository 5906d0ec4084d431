/**
 * Which client events belong to which outage of the victim, and what each outage's failback
 * looked like (pure: no processes, no clocks; the demo and its unit test both call it).
 *
 * An outage owns every event of the victim from its kill up to the next kill. The restart stamp
 * is no boundary: a frontend's probe can reach the new process (and lead its failback) before the
 * demo's own accept-poll notices it, so counting from that stamp would drop the leader.
 */
import type { ClientEventRecord } from './messages.js';
import type { FailbackTiming } from './result.js';

/** A kill of the victim and the restart that ended it (epoch ms). */
export interface Outage {
  killedAt: number;
  /** The new memcached was spawned: no frontend can have reached it before. */
  restartedAt: number;
  /** The demo's accept-poll first connected to it (a few ms later; frontends may be earlier). */
  acceptedAt: number;
}

/**
 * `events` of `server`, one list per outage: those at or after its kill and before the next kill.
 * Events before the first kill belong to no outage.
 */
export function eventsByOutage(events: readonly ClientEventRecord[], outages: readonly Outage[], server: string): ClientEventRecord[][] {
  return outages.map((outage, i) => {
    const until = outages[i + 1]?.killedAt ?? Infinity;
    return events.filter((e) => e.server === server && e.at >= outage.killedAt && e.at < until);
  });
}

/**
 * Each frontend's first `up` among one outage's events (epoch ms by frontend number): the one
 * that ended the outage for it.
 */
export function firstUps(mine: readonly ClientEventRecord[]): Map<number, number> {
  const firstUp = new Map<number, number>();
  for (const e of mine) {
    if (e.event !== 'up') continue;
    const seen = firstUp.get(e.frontend);
    if (seen === undefined || e.at < seen) firstUp.set(e.frontend, e.at);
  }
  return firstUp;
}

/**
 * How the frontends failed `victim` back after each outage. Times are from the restart's spawn
 * (`restartedAt`), which precedes anything the new process can have answered.
 * @param frontends - how many frontends must report `up` for `lastUpMs` to be defined
 * @param startedAt - epoch ms of the workload's start (`restartMs` is relative to it)
 */
export function failbackTimings(events: readonly ClientEventRecord[], outages: readonly Outage[], victim: string, frontends: number, startedAt: number): FailbackTiming[] {
  return eventsByOutage(events, outages, victim).map((mine, i) => {
    const outage = outages[i];
    const ups = [...firstUps(mine).values()].map((at) => at - outage.restartedAt);
    const failbacks = mine.filter((e) => e.event === 'failback');
    const count = (role: ClientEventRecord['role']) => failbacks.filter((e) => e.role === role).length;
    return {
      restartMs: outage.restartedAt - startedAt,
      acceptMs: outage.acceptedAt - startedAt,
      firstUpMs: ups.length > 0 ? Math.min(...ups) : undefined,
      lastUpMs: ups.length >= frontends ? Math.max(...ups) : undefined,
      frontendsUp: ups.length,
      leaders: count('leader'),
      followers: count('follower'),
      alone: count('alone'),
      restartsSeen: failbacks.filter((e) => e.restarted === true).length,
      deleted: failbacks.reduce((n, e) => n + (e.deleted ?? 0), 0),
    };
  });
}
