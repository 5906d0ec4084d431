/**
 * Which memcached process answers: memcached's `stats` `pid` plus its boot time (`time - uptime`,
 * in the server's own Unix seconds). A changed identity means the server restarted and lost (or
 * may hold other frontends' late copies of) its data, however short the outage looked from here.
 * Pure: it reads a `stats` map and compares.
 */
import type { Stats } from '../protocol/replies.js';

/** One memcached process. */
export interface ServerIdentity {
  pid: number;
  /** The server's Unix seconds at its start (`time - uptime`: constant for one process). */
  bootTime: number;
}

/** What one `stats` answer tells about the server and its clock. */
export interface ServerReading {
  /** Undefined when `stats` lacks `pid`/`time`/`uptime` (a proxy such as mcrouter or twemproxy). */
  identity: ServerIdentity | undefined;
  /** The server's clock, Unix seconds (`stats time`); undefined when it does not say. */
  time: number | undefined;
  /** Seconds since the server started, as memcached counts them (see {@link startedWithin}). */
  uptime: number | undefined;
  /** `flush_all` commands this process has run (`cmd_flush`): the server's own count of flushes. */
  flushes: number | undefined;
}

function integer(stats: Stats, name: string): number | undefined {
  const text = stats.get(name);
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** Reads identity and clock from a `stats` answer. */
export function readServer(stats: Stats): ServerReading {
  const pid = integer(stats, 'pid');
  const time = integer(stats, 'time');
  const uptime = integer(stats, 'uptime');
  const identity = pid !== undefined && time !== undefined && uptime !== undefined ? { pid, bootTime: time - uptime } : undefined;
  return { identity, time, uptime, flushes: integer(stats, 'cmd_flush') };
}

export function sameIdentity(a: ServerIdentity, b: ServerIdentity): boolean {
  return a.pid === b.pid && a.bootTime === b.bootTime;
}

export function formatIdentity(identity: ServerIdentity | undefined): string {
  return identity === undefined ? 'unknown' : `pid ${identity.pid}, booted ${identity.bootTime}`;
}

/** memcached starts counting uptime at 2 s (its clock starts 2 s before the process). */
const UPTIME_AT_START = 2;
/** memcached's clock ticks once a second: readings are a second coarse either way. */
const SLACK_MS = 1500;

/**
 * True when a server reached for the first time certainly started less than `ageMs` ago (this
 * client's age): it restarted during this client's life, while other frontends may have treated
 * it as down. Conservative: a server that started about when the client did is not a restart.
 */
export function startedWithin(reading: ServerReading, ageMs: number): boolean {
  if (reading.uptime === undefined) return false;
  return Math.max(0, reading.uptime - UPTIME_AT_START) * 1000 + SLACK_MS < ageMs;
}
