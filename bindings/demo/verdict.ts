/**
 * Does the run show what the demo is for? The PECL-style row must serve stale reads from copies
 * written during the outage (Don's bug), while `offline` must serve no stale read at all and
 * `redistribute` + cluster flush none from outage copies. Anything else worth knowing goes in
 * the notes.
 */
import type { PolicyResult, Verdict } from './result.js';

/** Judges a run from its rows (rows that were not run are not judged). */
export function judge(policies: readonly PolicyResult[]): Verdict {
  const notes: string[] = [];
  let reproduced = true;
  const row = (id: PolicyResult['id']) => policies.find((p) => p.id === id);

  const pecl = row('pecl');
  if (pecl) {
    if (pecl.staleByCopy.outage > 0) {
      notes.push(`PECL-style redistribute served ${pecl.staleReads} stale reads, ${pecl.staleByCopy.outage} of them from copies written during the outage: Don's bug.`);
    } else {
      reproduced = false;
      notes.push("PECL-style redistribute served no stale read from an outage copy: Don's case did not happen in this run.");
    }
  }
  const offline = row('offline');
  if (offline) {
    if (offline.staleReads === 0) notes.push('offline served none.');
    else {
      reproduced = false;
      notes.push(`offline served ${offline.staleReads} stale reads, where it should serve none.`);
    }
  }
  const cluster = row('cluster');
  if (cluster) {
    if (cluster.staleByCopy.outage === 0) notes.push('Cluster flush removed every outage copy');
    else {
      reproduced = false;
      notes.push(`Cluster flush left ${cluster.staleByCopy.outage} stale reads from outage copies`);
    }
    notes[notes.length - 1] += cluster.staleByCopy.late > 0
      ? `, but served ${cluster.staleByCopy.late} from late copies: frontends that had not probed the returning server yet kept failing over after the leader's flush.`
      : '.';
  }
  const gutter = row('gutter');
  if (gutter) {
    notes.push(gutter.staleReads === 0
      ? 'gutter: the TTL cap expired every gutter copy before the second kill.'
      : `gutter served ${gutter.staleReads} stale reads (copies younger than its TTL cap).`);
  }
  for (const p of policies) {
    const leaders = p.failbacks.map((f) => f.leaders);
    if (leaders.some((n) => n !== 1)) notes.push(`${p.label}: leaders per failback ${leaders.join(' / ')}, where the lock allows exactly 1.`);
    if (p.failbacks.some((f) => f.lastUpMs === undefined)) notes.push(`${p.label}: not every frontend failed the server back.`);
    if (p.unexpectedDowns.length > 0) notes.push(`${p.label}: ${p.unexpectedDowns.length} unexpected down event(s) of servers nobody killed (an overloaded machine?).`);
  }
  return { reproduced, notes };
}
