/**
 * What `failback lock` makes of one server's failback keys: the lock of this minute and of the
 * previous one (a failback that straddles a minute boundary holds the older), and the done-marker
 * (bindings/health/failback-lock.ts writes both). Pure: the values come from lock.ts.
 */
import { doneKey, parseMarker } from '../health/failback-lock.js';
import { readServer, type ServerIdentity } from '../health/identity.js';
import { duration, table, unixTime } from './output.js';
import type { Snapshot } from './reader.js';

/** One lock key and who holds it. */
export interface LockEntry {
  key: string;
  minute: 'this' | 'previous';
  /** The holder's token (the lock's value); null: free. */
  holder: string | null;
}

/** The done-marker, as stored and as read. */
export interface MarkerEntry {
  key: string;
  /** The stored text; null: no marker. */
  value: string | null;
  /** False when the value is not in failback's format (e.g. another client's). */
  valid: boolean;
  /** Failbacks of this server so far. */
  epoch?: number;
  /** The server's clock when the leader flushed (Unix seconds). */
  flushedAt?: number;
  /** Seconds between that and the server's clock now. */
  ageSeconds?: number;
  /** `pid:bootTime` of the process the leader flushed (`-`: a server without identity, a proxy). */
  identity?: string;
  /** Whether that is the process answering now: `this` (it was failed back since it started), `earlier`, or `unknown`. */
  process?: 'this' | 'earlier' | 'unknown';
  /** The leader's token. */
  leader?: string;
}

/** One server's failback state, as `--json` prints it. */
export interface LockState {
  server: string;
  up: boolean;
  error?: string;
  identity?: ServerIdentity;
  /** The server's clock (Unix seconds), which names the lock's minute. */
  time?: number;
  locks?: LockEntry[];
  marker?: MarkerEntry;
}

/** Lock key for a Unix time, as the client forms it from a `failback.lockKey` prefix. */
export function lockKeyFor(prefix: string): (unixSeconds: number) => string {
  return (s) => `${prefix}${Math.floor(s / 60)}`;
}

/** The keys to read on a server whose clock says `time`: this minute's lock, the previous minute's, the marker. */
export function lockKeys(prefix: string, time: number): { locks: [string, string]; marker: string } {
  const key = lockKeyFor(prefix);
  return { locks: [key(time), key(time - 60)], marker: doneKey(key) };
}

/**
 * One server's state from its `stats` snapshot and the values found under {@link lockKeys}
 * (`values` lacks the keys that were absent). `localSeconds` stands in for a server without `time`.
 */
export function lockState(prefix: string, snapshot: Snapshot, values: ReadonlyMap<string, string>, localSeconds: number): LockState {
  const server = snapshot.server.name;
  if (!snapshot.up) return { server, up: false, error: snapshot.error.message };
  const { identity, time } = readServer(snapshot.stats);
  const now = time ?? localSeconds;
  const keys = lockKeys(prefix, now);
  const locks = keys.locks.map((key, i): LockEntry => ({ key, minute: i === 0 ? 'this' : 'previous', holder: values.get(key) ?? null }));
  const value = values.get(keys.marker);
  const parsed = parseMarker(value);
  const marker: MarkerEntry = { key: keys.marker, value: value ?? null, valid: value === undefined || parsed !== undefined };
  if (parsed !== undefined) {
    const current = identity === undefined ? undefined : `${identity.pid}:${identity.bootTime}`;
    Object.assign(marker, {
      epoch: parsed.epoch, flushedAt: parsed.serverSeconds, ageSeconds: Math.max(0, now - parsed.serverSeconds), identity: parsed.identity, leader: parsed.token,
      process: current === undefined || parsed.identity === '-' ? 'unknown' : parsed.identity === current ? 'this' : 'earlier',
    });
  }
  return { server, up: true, identity, time, locks, marker };
}

const PROCESS_NOTE = {
  this: 'this process: it was failed back since it started',
  earlier: 'an earlier process: no failback of the one answering now has finished',
  unknown: 'the server reports no identity (a proxy?)',
} as const;

function lockText(lock: LockEntry): string {
  return lock.holder === null
    ? 'free'
    : `held by ${lock.holder}: a failback of this server is running, or its leader died (the lock expires after failback.lockTtl, 60 s by default)`;
}

function markerText(m: MarkerEntry): string {
  if (m.value === null) return 'none: no failback has finished on this server since it started';
  if (!m.valid) return `not failback's marker format (another client's value?): ${JSON.stringify(m.value)}`;
  return `epoch ${m.epoch}: flushed ${unixTime(m.flushedAt!)} (${duration(m.ageSeconds)} ago) by leader ${m.leader}, on ${m.identity} (${PROCESS_NOTE[m.process!]})`;
}

/** The states as text: a heading line per server, then its locks and marker. */
export function formatLocks(states: readonly LockState[]): string {
  return states
    .map((s) => {
      if (!s.up) return `${s.server}  down: ${s.error}\n`;
      const who = s.identity === undefined ? 'no identity' : `pid ${s.identity.pid}, booted ${unixTime(s.identity.bootTime)}`;
      const clock = s.time === undefined ? 'no clock in its stats (the local clock named the minute)' : `clock ${unixTime(s.time)}`;
      const rows = [...s.locks!.map((l) => [`lock, ${l.minute} minute`, l.key, lockText(l)]), ['done-marker', s.marker!.key, markerText(s.marker!)]];
      const body = table(['what', 'key', 'state'], rows, ['left', 'left', 'left']).replace(/^(?=.)/gm, '  ');
      return `${s.server}  up, ${who}, ${clock}\n${body}`;
    })
    .join('\n');
}
