/**
 * `failback moves`: what share of the keys changes server when servers are added to or removed
 * from the list, per distribution or compat preset, measured on a sample of keys with the same
 * router the client uses. A moved key is a miss (and a load on the database) after the change;
 * moves between two servers that stay in the list are the avoidable ones.
 */
import { readFile } from 'node:fs/promises';
import { text as streamText } from 'node:stream/consumers';
import { MemcacheError } from '../errors.js';
import { COMPAT_NAMES, type DistributionName } from '../routing/options.js';
import { createRouter } from '../routing/router.js';
import { parseServer, type ServerAddress } from '../servers.js';
import { items, parseCommand, positiveInteger, serverIndexes, serverList, serverSpec, UsageError } from './args.js';
import { EXIT, type Command, type Io } from './command.js';
import { count, jsonLine, percent, table } from './output.js';
import { routerOptions, ROUTING_FLAGS, type RoutingFlagValues } from './route.js';

const DISTRIBUTIONS: readonly DistributionName[] = ['consistent', 'standard', 'buckets', 'ketama', 'modula'];
const DEFAULT_SAMPLE = 100_000;
/** Keys a sample may hold: 10 million route in seconds; more only costs memory. */
const MAX_SAMPLE = 10_000_000;

export const MOVES_USAGE = `usage: failback moves --servers host:port[:weight],... (--add host:port[:weight],... | --remove i|host:port,...)
                      [--compat CLIENT/STRATEGY | --distribution NAME | --all] [--hash NAME] [--points N] [--engine wasm|js]
                      [--sample N | --keys-from FILE|-] [--json]
Routes a sample of keys on the servers as listed and again after the change (added servers go at the end of
the list), and prints per placement which share of the keys lands on another server:
  moved    every key whose server changed: each is a miss after the change
  needed   the moves no placement avoids: keys of a removed server, keys an added server takes
  avoidable moves between two servers that stay in the list
Placements: every distribution (${DISTRIBUTIONS.join(', ')}) by default; --all adds every compat preset;
--compat or --distribution (with --hash, --points) measures that one. A preset these servers do not fit
(e.g. perl-cache-memcached-fast/ketama without --points) gets a row that says why.
--sample N: N generated keys (default ${count(DEFAULT_SAMPLE)}); --keys-from: your own keys, one per line (- for standard input).
--json: one JSON document: {"before":[...],"after":[...],"keys":N,"placements":[{"placement","hash","moved","needed","avoidable"}...]}.`;

/** What one placement does with the change. */
export interface PlacementMoves {
  /** The compat preset or distribution name. */
  placement: string;
  /** The key hash the router used; undefined when the placement did not fit these servers. */
  hash?: string;
  /** Shares of the sample (0 to 1). */
  moved?: number;
  needed?: number;
  avoidable?: number;
  /** Why the placement was not measured (the router's message). */
  error?: string;
}

/** The change and what each placement does with it, as `--json` prints it. */
export interface MovesReport {
  before: string[];
  after: string[];
  keys: number;
  placements: PlacementMoves[];
}

/**
 * Compares the owners of `keys` before and after, by server name (indexes shift when a server
 * is removed). Pure: `ownersBefore[i]` and `ownersAfter[i]` index `before` and `after`.
 */
export function countMoves(
  before: readonly ServerAddress[], after: readonly ServerAddress[], ownersBefore: Int32Array, ownersAfter: Int32Array,
): Pick<PlacementMoves, 'moved' | 'needed' | 'avoidable'> {
  const kept = new Set(before.map((s) => s.name).filter((name) => after.some((s) => s.name === name)));
  let moved = 0;
  let needed = 0;
  for (let i = 0; i < ownersBefore.length; i++) {
    const from = before[ownersBefore[i]].name;
    const to = after[ownersAfter[i]].name;
    if (from === to) continue;
    moved++;
    if (!kept.has(from) || !kept.has(to)) needed++;
  }
  const n = ownersBefore.length;
  return { moved: moved / n, needed: needed / n, avoidable: (moved - needed) / n };
}

/** The report as a table, under a line that says what changed. */
export function formatMoves(report: MovesReport): string {
  const added = report.after.filter((s) => !report.before.includes(s));
  const removed = report.before.filter((s) => !report.after.includes(s));
  const change = [added.length > 0 ? `adding ${added.join(', ')}` : '', removed.length > 0 ? `removing ${removed.join(', ')}` : ''].filter(Boolean).join(' and ');
  const head = `${report.before.length} servers -> ${report.after.length}, ${change}; ${count(report.keys)} keys\n`;
  const rows = report.placements.map((p) => [p.placement, p.hash ?? '-', percent(p.moved), percent(p.needed), percent(p.avoidable), p.error ?? '']);
  return head + table(['placement', 'hash', 'moved', 'needed', 'avoidable', 'note'], rows, ['left', 'left', 'right', 'right', 'right', 'left']);
}

/** The servers after the change: the removed ones gone, the added ones at the end. */
function changedList(before: ServerAddress[], add: string | undefined, remove: string | undefined): ServerAddress[] {
  const removed = new Set(serverIndexes('--remove', remove, before));
  const added = items(add).map((spec) => parseServer(serverSpec(spec, '--add'), '--add'));
  for (const s of added) if (before.some((b) => b.name === s.name)) throw new UsageError(`--add: ${s.name} is already in --servers; to change its weight, --remove it and --add it again`);
  if (added.length === 0 && removed.size === 0) throw new UsageError('give the change to measure: --add host:port[:weight],... and/or --remove i|host:port,...');
  const after = [...before.filter((_, i) => !removed.has(i)), ...added];
  if (after.length === 0) throw new UsageError('--remove: that removes every server; keep at least one');
  return after;
}

async function sampleKeys(sample: string | undefined, keysFrom: string | undefined, io: Io): Promise<string[]> {
  if (sample !== undefined && keysFrom !== undefined) throw new UsageError('--sample and --keys-from: give one of them');
  if (keysFrom === undefined) return Array.from({ length: sample === undefined ? DEFAULT_SAMPLE : positiveInteger('--sample', sample, MAX_SAMPLE) }, (_, i) => `sample:${i}`);
  const text = keysFrom === '-' ? await streamText(io.stdin) : await readFile(keysFrom, 'utf8').catch((err: Error) => {
    throw new UsageError(`--keys-from: cannot read ${keysFrom} (${err.message}); give a file of keys, one per line, or - for standard input`);
  });
  const keys = text.split(/\r?\n/).filter(Boolean);
  if (keys.length === 0) throw new UsageError(`--keys-from: ${keysFrom === '-' ? 'standard input' : keysFrom} holds no keys; give one key per line`);
  return keys;
}

/** The placements to measure, each as the routing flags that build it. */
function placements(values: RoutingFlagValues & { all?: boolean }): { name: string; flags: RoutingFlagValues }[] {
  if (values.compat !== undefined || values.distribution !== undefined) {
    if (values.all) throw new UsageError('--all measures every placement: leave out --compat and --distribution, or --all');
    return [{ name: values.compat ?? values.distribution!, flags: values }];
  }
  // Each of these belongs to one placement: compared across every distribution it would be dropped.
  const specific = (['hash', 'points', 'namespace', 'key-type'] as const).find((flag) => values[flag] !== undefined);
  if (specific !== undefined) {
    throw new UsageError(`--${specific}: name the placement it is for with --distribution or --compat (moves compares every distribution otherwise)`);
  }
  const engine = { engine: values.engine };
  return [
    ...DISTRIBUTIONS.map((distribution) => ({ name: distribution, flags: { ...engine, distribution } })),
    ...(values.all ? COMPAT_NAMES.map((compat) => ({ name: compat, flags: { ...engine, compat } })) : []),
  ];
}

/** `failback moves …`. */
export async function runMoves(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand({
    args: argv,
    options: {
      ...ROUTING_FLAGS,
      add: { type: 'string' },
      remove: { type: 'string' },
      all: { type: 'boolean' },
      sample: { type: 'string' },
      'keys-from': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const before = serverList(values.servers);
  const after = changedList(before, values.add, values.remove);
  const chosen = placements(values);
  const keys = await sampleKeys(values.sample, values['keys-from'], io);
  const single = chosen.length === 1;
  const report: MovesReport = { before: before.map((s) => s.name), after: after.map((s) => s.name), keys: keys.length, placements: [] };
  for (const { name, flags } of chosen) {
    try {
      const [was, will] = await Promise.all([createRouter(routerOptions(flags, before)), createRouter(routerOptions(flags, after))]);
      report.placements.push({ placement: name, hash: was.hash, ...countMoves(before, after, was.routeMany(keys), will.routeMany(keys)) });
    } catch (err) {
      // One placement the user asked for by name: its error is the answer (exit 2). In a
      // comparison, a preset these servers do not fit is a row that says why.
      if (single || !(err instanceof MemcacheError)) throw err;
      report.placements.push({ placement: name, error: err.message });
    }
  }
  io.stdout.write(values.json ? jsonLine(report) : formatMoves(report));
  return EXIT.ok;
}

/** The `moves` command. */
export const moves: Command = {
  summary: 'which share of keys moves to another server when servers are added or removed, per distribution',
  usage: MOVES_USAGE,
  run: runMoves,
};
