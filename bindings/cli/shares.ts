/**
 * How a key list spreads over the servers: `failback route --summary`. Counted batch by batch
 * (standard input is streamed), formatted separately. Pure.
 */
import type { Router } from '../routing/router.js';
import { count, percent, table } from './output.js';

/** One server's part of the keys. */
export interface ServerShare {
  server: string;
  index: number;
  weight: number;
  /** Marked down with `--down`. */
  down: boolean;
  keys: number;
  /** keys / total; 0 when there were no keys. */
  share: number;
}

/** The whole summary, as `--json` prints it. */
export interface ShareSummary {
  total: number;
  servers: ServerShare[];
  /** Keys that route nowhere (their server is down under `offline`, or the client has no failover). */
  nowhere: number;
  nowhereShare: number;
}

/** Counts keys per server index across batches of `routeMany` answers. */
export class ShareCounter {
  private readonly perServer: number[];
  private nowhere = 0;

  constructor(private readonly router: Router) {
    this.perServer = router.servers.map(() => 0);
  }

  /** Adds one batch of server indexes (-1: nowhere). */
  add(owners: Int32Array): void {
    for (const index of owners) {
      if (index < 0) this.nowhere++;
      else this.perServer[index]++;
    }
  }

  /** The counts so far. */
  summary(): ShareSummary {
    const total = this.perServer.reduce((a, b) => a + b, this.nowhere);
    const share = (n: number) => (total === 0 ? 0 : n / total);
    return {
      total,
      servers: this.router.servers.map((s, index) => ({
        server: s.name, index, weight: s.weight, down: this.router.isDown(index), keys: this.perServer[index], share: share(this.perServer[index]),
      })),
      nowhere: this.nowhere,
      nowhereShare: share(this.nowhere),
    };
  }
}

/** The summary as a table: a row per server, then the keys that go nowhere (if any) and the total. */
export function formatShares(summary: ShareSummary): string {
  const rows = summary.servers.map((s) => [String(s.index), s.server, String(s.weight), s.down ? 'down' : 'up', count(s.keys), percent(s.share)]);
  if (summary.nowhere > 0) rows.push(['', 'nowhere (a miss)', '', '', count(summary.nowhere), percent(summary.nowhereShare)]);
  rows.push(['', 'total', '', '', count(summary.total), summary.total === 0 ? '-' : percent(1)]);
  return table(['#', 'server', 'weight', 'status', 'keys', 'share'], rows, ['right', 'left', 'right', 'left', 'right', 'right']);
}
