/** The failure policies the demo compares, one row each. */
import type { FailoverPolicy, FlushPolicy } from 'failback';

/** Identifier of a demo row (also the key in the JSON result). */
export type PolicyId = 'pecl' | 'offline' | 'journal' | 'leases' | 'cluster' | 'gutter';

/**
 * How a frontend reads through the cache: `get`, then load and `set` on a miss (every frontend
 * that misses loads), or `mc.fetch` (memcached leases: one loader per key across frontends).
 */
export type ReadPath = 'get-set' | 'fetch';

/** One row: a name for people and the Client options that make it. */
export interface PolicyDefinition {
  id: PolicyId;
  /** Short label for the table and charts. */
  label: string;
  /** One line on what it does with a down server's keys. */
  description: string;
  failover: FailoverPolicy;
  /** Always explicit (the client's default changed to `journal`): each row keeps its meaning. */
  flush: FlushPolicy;
  /** Only the leases row differs here: the other rows keep the pattern of the 2006 thread. */
  reads: ReadPath;
}

/** In the order the table shows them: the bug first, then the fixes. */
export const POLICIES: readonly PolicyDefinition[] = [
  {
    id: 'pecl',
    label: 'redistribute, flush none (PECL)',
    description: "PECL memcache's allow_failover: a dead server's keys rehash to live servers, nothing is flushed when it returns",
    failover: 'redistribute',
    flush: 'none',
    reads: 'get-set',
  },
  {
    id: 'offline',
    label: 'offline (Don)',
    description: "Don's mode: a dead server's keys stay offline (served by the origin); the returning server is flushed",
    failover: 'offline',
    flush: 'server',
    reads: 'get-set',
  },
  {
    id: 'journal',
    label: 'offline + journal (default)',
    description: "the client's defaults: offline, and each frontend deletes the keys it skipped while the server was down; "
      + 'a restarted server (every kill here is one) is also flushed once, under the lock',
    failover: 'offline',
    flush: 'journal',
    reads: 'get-set',
  },
  {
    id: 'leases',
    label: 'offline + journal, fetch (leases)',
    description: 'the defaults, but frontends read through mc.fetch: after a failback flush, one reader per key wins the '
      + 'lease and loads it, the others wait for its value instead of loading too',
    failover: 'offline',
    flush: 'journal',
    reads: 'fetch',
  },
  {
    id: 'cluster',
    label: 'redistribute + flush cluster',
    description: "Mikael's option 2: rehash during the outage, flush every server on failback (one frontend does it)",
    failover: 'redistribute',
    flush: 'cluster',
    reads: 'get-set',
  },
  {
    id: 'gutter',
    label: 'gutter (TTL-capped)',
    description: 'a separate gutter server takes the dead server\'s keys with a short TTL; the returning server is flushed',
    failover: 'gutter',
    flush: 'server',
    reads: 'get-set',
  },
];

/** The definition of `id` (throws on an unknown id: a programming error). */
export function policy(id: PolicyId): PolicyDefinition {
  const found = POLICIES.find((p) => p.id === id);
  if (!found) throw new Error(`unknown policy ${id}`);
  return found;
}
