/**
 * `failback stats` and `failback health`: a live cluster, per server, read with memcached's
 * `stats`. The same reading and JSON for both; the text differs (health: who is up and which
 * process; stats: the counters). The exit status is 1 while any server is down, so a monitor or
 * a deploy script can run `failback health` as its check.
 */
import { DEFAULT_TIMEOUT_MS, parseCommand, serverList, timeoutMs, withWatchDefault } from './args.js';
import { EXIT, type Command, type Io } from './command.js';
import { jsonLine, unixTime } from './output.js';
import { ClusterReader } from './reader.js';
import { formatHealth, formatStats, summarize, type ClusterSummary, type ServerSummary } from './stats-format.js';
import { watch, watchPlan } from './watch.js';


const LIVE_OPTIONS = `--servers host:port,...   the servers (weights, if given, are ignored)
--json                    one JSON document per refresh: {"time","servers":[{"server","up","error","identity":{"pid","bootTime"},
                          "uptime","version","latencyMs","items","bytes","limitBytes","hits","misses","hitRate","evictions",
                          "connections","flushes","restarted","recent"}...]}
--watch [SECONDS]         refresh every SECONDS (default 2) until Ctrl-C; on a terminal the screen is redrawn
--count N                 with --watch: stop after N refreshes
--timeout MS              connect and answer timeout per server (default ${DEFAULT_TIMEOUT_MS})
Exit status: 0 when every server answered, 1 when one did not (its row says why), 2 for a bad command line.`;

export const STATS_USAGE = `usage: failback stats --servers host:port,... [--json] [--watch [SECONDS] [--count N]] [--timeout MS]
Per server: up or down, identity (pid:boot time), uptime, items, memory used / limit, hit rate since start
(and, under --watch, over the last refresh), evictions, connections; then the cluster's total.
${LIVE_OPTIONS}`;

export const HEALTH_USAGE = `usage: failback health --servers host:port,... [--json] [--watch [SECONDS] [--count N]] [--timeout MS]
Per server: up or down (and why), identity (memcached's pid and boot time: a new one means the server
restarted and lost its items), uptime, version, latency of a stats request. Under --watch a restart
between two refreshes is named.
${LIVE_OPTIONS}`;

async function runLive(format: (cluster: ClusterSummary) => string, argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand({
    args: withWatchDefault(argv),
    options: {
      servers: { type: 'string' },
      json: { type: 'boolean' },
      watch: { type: 'string' },
      count: { type: 'string' },
      timeout: { type: 'string' },
    },
  });
  const servers = serverList(values.servers);
  const plan = watchPlan(values.watch, values.count);
  const reader = new ClusterReader(servers, timeoutMs(values.timeout));
  // Each server's last summary while up: restarts and recent rates are measured against it.
  const lastUp = new Map<string, { summary: ServerSummary; at: number }>();
  try {
    return await watch(plan, io.stdout, async () => {
      const snapshots = await reader.snapshot();
      const now = Date.now();
      const cluster: ClusterSummary = {
        time: new Date(now).toISOString(),
        servers: snapshots.map((snapshot) => {
          const last = lastUp.get(snapshot.server.name);
          const summary = summarize(snapshot, last?.summary, last === undefined ? 0 : (now - last.at) / 1000);
          if (summary.up) lastUp.set(summary.server, { summary, at: now });
          return summary;
        }),
      };
      const status = cluster.servers.every((s) => s.up) ? EXIT.ok : EXIT.unhealthy;
      if (values.json) return { text: jsonLine(cluster), status };
      const heading = plan.everyMs === undefined ? '' : `${unixTime(Math.floor(now / 1000))}, every ${plan.everyMs / 1000} s (Ctrl-C stops)\n`;
      return { text: heading + format(cluster), status };
    });
  } finally {
    reader.close();
  }
}

/** The `stats` command. */
export const stats: Command = {
  summary: 'a live cluster\'s counters per server: identity, uptime, items, memory, hit rate, evictions',
  usage: STATS_USAGE,
  run: (argv, io) => runLive(formatStats, argv, io),
};

/** The `health` command. */
export const health: Command = {
  summary: 'a live cluster\'s servers: up or down and why, identity (pid, boot time), uptime, latency',
  usage: HEALTH_USAGE,
  run: (argv, io) => runLive(formatHealth, argv, io),
};
