/**
 * Does the run show what the demo is for? The PECL-style row must serve stale reads from copies
 * written during the outage (Don's bug), while both offline rows (Don's flush, the default
 * journal) must serve no stale read at all and `redistribute` + cluster flush none from outage
 * copies. Anything else worth knowing goes in the notes.
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
  // Both offline rows write nowhere else while the server is down: nothing can go stale.
  const offline = [row('offline'), row('journal')].filter((p): p is PolicyResult => p !== undefined);
  const clean = offline.filter((p) => p.staleReads === 0);
  if (clean.length > 0) notes.push(`${clean.map((p) => p.label).join(' and ')} served none.`);
  for (const p of offline) {
    if (p.staleReads === 0) continue;
    reproduced = false;
    notes.push(`${p.label} served ${p.staleReads} stale reads, where it should serve none.`);
  }
  const leases = row('leases');
  if (leases) {
    // fetch changes the read path only: the row must stay as clean as the default it builds on.
    if (leases.staleReads > 0) {
      reproduced = false;
      notes.push(`${leases.label} served ${leases.staleReads} stale reads, where it should serve none.`);
    }
    const journal = row('journal');
    const versus = journal ? ` (get-then-set: ${journal.coldLoads.loadsPerKey.toFixed(2)})` : '';
    notes.push(`With leases, the origin loaded each cold key ${leases.coldLoads.loadsPerKey.toFixed(2)} times after a failback${versus}.`);
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
    // Every kill here is a restart: each failback needs one lock-coordinated flush, whatever the policy.
    const leaders = p.failbacks.map((f) => f.leaders);
    if (leaders.some((n) => n !== 1)) notes.push(`${p.label}: leaders per failback ${leaders.join(' / ')}, where a restart needs exactly 1.`);
    const alone = p.failbacks.reduce((n, f) => n + f.alone, 0);
    if (alone > 0) notes.push(`${p.label}: ${alone} failback(s) of a restarted server without the lock-coordinated flush.`);
    if (p.failbacks.some((f) => f.lastUpMs === undefined)) notes.push(`${p.label}: not every frontend failed the server back.`);
    if (p.unexpectedDowns.length > 0) notes.push(`${p.label}: ${p.unexpectedDowns.length} unexpected down event(s) of servers nobody killed (an overloaded machine?).`);
  }
  return { reproduced, notes };
}
