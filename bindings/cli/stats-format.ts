/**
 * What `failback stats` and `failback health` print, from the servers' `stats` answers. Pure: the
 * commands read the servers (bindings/cli/reader.ts) and write what these functions return.
 */
import { readServer, sameIdentity, type ServerIdentity } from '../health/identity.js';
import type { Stats } from '../protocol/replies.js';
import { bytes, count, duration, percent, table, unixTime, type Align } from './output.js';
import type { Snapshot } from './reader.js';

/** One server at one refresh, as `--json` prints it (absent fields: the server did not say, or is down). */
export interface ServerSummary {
  server: string;
  up: boolean;
  /** Why it is down (the connection's error, which names the server and the cause). */
  error?: string;
  /** memcached's `pid` and boot time (`time - uptime`): a new one is a restart. */
  identity?: ServerIdentity;
  /** Under `--watch`: the identity differs from the one seen before (the server restarted and lost its items). */
  restarted?: boolean;
  uptime?: number;
  version?: string;
  latencyMs?: number;
  items?: number;
  bytes?: number;
  limitBytes?: number;
  hits?: number;
  misses?: number;
  /** hits / (hits + misses) since the server started; null before its first get. */
  hitRate?: number | null;
  evictions?: number;
  connections?: number;
  /** `flush_all` commands run (`cmd_flush`): one per failback that flushed this server. */
  flushes?: number;
  /** Under `--watch`: gets and hit rate since the previous refresh of the same process. */
  recent?: { seconds: number; gets: number; hitRate: number | null };
}

/** One refresh of the whole list, as `--json` prints it. */
export interface ClusterSummary {
  /** Local time of the refresh, ISO 8601. */
  time: string;
  servers: ServerSummary[];
}

function integer(stats: Stats, name: string): number | undefined {
  const text = stats.get(name);
  return text !== undefined && /^\d{1,18}$/.test(text) ? Number(text) : undefined;
}

function ratio(hits: number | undefined, misses: number | undefined): number | null | undefined {
  if (hits === undefined || misses === undefined) return undefined;
  return hits + misses === 0 ? null : hits / (hits + misses);
}

/**
 * One server's summary. `previous` is its last summary while up (under `--watch`): a different
 * identity marks a restart, and with the same one the counters' growth gives the recent rates.
 */
export function summarize(snapshot: Snapshot, previous: ServerSummary | undefined, secondsSincePrevious: number): ServerSummary {
  const server = snapshot.server.name;
  if (!snapshot.up) return { server, up: false, error: snapshot.error.message };
  const { stats } = snapshot;
  const reading = readServer(stats);
  const hits = integer(stats, 'get_hits');
  const misses = integer(stats, 'get_misses');
  const summary: ServerSummary = {
    server, up: true, identity: reading.identity, uptime: reading.uptime, version: stats.get('version'), latencyMs: Math.round(snapshot.latencyMs * 10) / 10,
    items: integer(stats, 'curr_items'), bytes: integer(stats, 'bytes'), limitBytes: integer(stats, 'limit_maxbytes'),
    hits, misses, hitRate: ratio(hits, misses), evictions: integer(stats, 'evictions'), connections: integer(stats, 'curr_connections'), flushes: reading.flushes,
  };
  const before = previous?.identity;
  if (before === undefined || reading.identity === undefined) return summary;
  if (!sameIdentity(before, reading.identity)) return { ...summary, restarted: true };
  if (hits !== undefined && misses !== undefined && previous?.hits !== undefined && previous.misses !== undefined) {
    const recentHits = hits - previous.hits;
    const recentMisses = misses - previous.misses;
    summary.recent = { seconds: secondsSincePrevious, gets: recentHits + recentMisses, hitRate: ratio(recentHits, recentMisses) ?? null };
  }
  return summary;
}

function status(s: ServerSummary): string {
  return s.up ? 'up' : 'down';
}

/** What the last column says: why a server is down, or that it restarted. */
function note(s: ServerSummary): string {
  if (!s.up) return s.error ?? '';
  return s.restarted ? 'restarted since the last refresh: a new process, its items are gone' : '';
}

function identityText(identity: ServerIdentity | undefined): string {
  return identity === undefined ? '-' : `pid ${identity.pid}, booted ${unixTime(identity.bootTime)}`;
}

const sum = (values: (number | undefined)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0);

/** `failback health`: up or down, identity, uptime, version and latency per server, then a count. */
export function formatHealth(cluster: ClusterSummary): string {
  const rows = cluster.servers.map((s) => [
    s.server, status(s), identityText(s.identity), duration(s.uptime), s.version ?? '-', s.latencyMs === undefined ? '-' : `${s.latencyMs} ms`, note(s),
  ]);
  const up = cluster.servers.filter((s) => s.up).length;
  const down = cluster.servers.length - up;
  return (
    table(['server', 'status', 'identity', 'uptime', 'version', 'latency', 'note'], rows, ['left', 'left', 'left', 'right', 'left', 'right', 'left']) +
    `${up} of ${cluster.servers.length} up${down > 0 ? `, ${down} down` : ''}\n`
  );
}

/**
 * `failback stats`: the counters per server and their total. The `recent` column (hit rate since
 * the previous refresh) appears under `--watch`, once there is a previous refresh.
 */
export function formatStats(cluster: ClusterSummary): string {
  const withRecent = cluster.servers.some((s) => s.recent !== undefined);
  const up = cluster.servers.filter((s) => s.up);
  const total: ServerSummary = {
    server: 'total', up: true, items: sum(up.map((s) => s.items)), bytes: sum(up.map((s) => s.bytes)), limitBytes: sum(up.map((s) => s.limitBytes)),
    hitRate: ratio(sum(up.map((s) => s.hits)), sum(up.map((s) => s.misses))), evictions: sum(up.map((s) => s.evictions)), connections: sum(up.map((s) => s.connections)),
  };
  const row = (s: ServerSummary, state: string) => [
    s.server, state, s.identity === undefined ? '-' : `${s.identity.pid}:${s.identity.bootTime}`, duration(s.uptime), count(s.items),
    s.bytes === undefined ? '-' : `${bytes(s.bytes)} / ${bytes(s.limitBytes)}`, s.hitRate === null ? '-' : percent(s.hitRate),
    ...(withRecent ? [s.recent === undefined || s.recent.hitRate === null ? '-' : `${percent(s.recent.hitRate)} of ${count(s.recent.gets)}`] : []),
    count(s.evictions), count(s.connections), s.server === 'total' ? '' : note(s),
  ];
  const header = ['server', 'status', 'pid:boot', 'uptime', 'items', 'memory', 'hit rate', ...(withRecent ? ['recent'] : []), 'evictions', 'conns', 'note'];
  const align: Align[] = ['left', 'left', 'left', 'right', 'right', 'right', 'right', ...(withRecent ? ['right' as const] : []), 'right', 'right', 'left'];
  const rows = cluster.servers.map((s) => row(s, status(s)));
  if (cluster.servers.length > 1) rows.push(row(total, `${up.length}/${cluster.servers.length} up`));
  return table(header, rows, align);
}
