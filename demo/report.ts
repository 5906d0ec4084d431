/** The terminal table: one row per policy, side by side. */
import type { DemoResult, FailbackTiming, PolicyResult } from './result.js';

/** A column: header, how a row renders in it, and which side it aligns to. */
interface Column {
  header: string;
  cell: (p: PolicyResult) => string;
  align: 'left' | 'right';
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function seconds(ms: number | undefined): string {
  return ms === undefined ? '—' : (ms / 1000).toFixed(2);
}

/** Per failback, leaders/followers/alone: `1/2/0, 1/2/0`. */
export function roles(failbacks: readonly FailbackTiming[]): string {
  return failbacks.map((f) => `${f.leaders}/${f.followers}/${f.alone}`).join(', ');
}

/** Mean over the failbacks that have a value (undefined when none has). */
function mean(failbacks: readonly FailbackTiming[], pick: (f: FailbackTiming) => number | undefined): number | undefined {
  const values = failbacks.map(pick).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Origin loads per cold key after the failbacks, with the counts behind it: `1.00 (412/412)`. */
export function loadsPerKey(p: PolicyResult): string {
  return `${p.coldLoads.loadsPerKey.toFixed(2)} (${integer.format(p.coldLoads.loads)}/${integer.format(p.coldLoads.keys)})`;
}

const COLUMNS: readonly Column[] = [
  { header: 'policy', cell: (p) => p.label, align: 'left' },
  { header: 'stale reads', cell: (p) => integer.format(p.staleReads), align: 'right' },
  { header: 'outage/late', cell: (p) => `${integer.format(p.staleByCopy.outage)} / ${integer.format(p.staleByCopy.late)}`, align: 'right' },
  { header: 'hit rate', cell: (p) => `${(p.hitRate * 100).toFixed(1)}%`, align: 'right' },
  { header: 'origin loads', cell: (p) => integer.format(p.originLoads), align: 'right' },
  { header: 'loads/key after failback', cell: (p) => loadsPerKey(p), align: 'right' },
  { header: 'flushes', cell: (p) => integer.format(p.flushes), align: 'right' },
  { header: 'deletes', cell: (p) => integer.format(p.deletes), align: 'right' },
  { header: 'roles L/F/A', cell: (p) => roles(p.failbacks), align: 'right' },
  {
    header: 'failback s',
    cell: (p) => `${seconds(mean(p.failbacks, (f) => f.firstUpMs))} / ${seconds(mean(p.failbacks, (f) => f.lastUpMs))}`,
    align: 'right',
  },
];

/** Renders rows under headers, columns padded to their widest cell. */
function table(rows: readonly PolicyResult[]): string {
  const cells = [COLUMNS.map((c) => c.header), ...rows.map((r) => COLUMNS.map((c) => c.cell(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (COLUMNS[i].align === 'left' ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '─'.repeat(w)).join('──');
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** What the PHP frontend showed, in one sentence. */
export function phpLine(php: DemoResult['php']): string {
  if ('skipped' in php) return `PHP frontend: skipped (${php.skipped}).`;
  return `PHP frontend (${php.peer}, its default consistent/crc32 placement) on ${php.servers} servers: failback read ` +
    `${php.failbackReadEqual}/${php.phpWrote} of the values PHP wrote (arrays, ints, floats, strings) identical, PHP read ` +
    `${php.phpReadEqual}/${php.failbackWrote} of failback's identical; each side asked only the server it routes a key to.`;
}

/** The whole terminal report: the table, what the columns mean, and the verdict. */
export function renderReport(result: DemoResult): string {
  const { config } = result;
  const lines = [
    '',
    table(result.policies),
    '',
    `stale reads: returned a version the origin had superseded more than ${config.staleGraceMs} ms before the read began.`,
    '  outage/late: the copies they returned were written to a fallback server while the server was dead',
    '  (Don\'s case) / after its restart, by a frontend that had not failed it back yet.',
    `loads/key after failback: origin loads by each frontend in the ${config.coldWindowMs / 1000} s after its 'up' (cut at the next kill or`,
    '  the end), per distinct key loaded (loads/keys): with get-then-set every reader that misses loads; with fetch one per key.',
    'flushes: memcached\'s cmd_flush, all servers. deletes: keys the frontends deleted on failback (their journals).',
    'roles L/F/A: per failback, frontends that led the lock-coordinated flush (a restart needs exactly 1) / followed it /',
    '  needed none (journal deletes only).',
    `failback s: from the restarted memcached's spawn to the first / last of ${config.frontends} frontends' 'up' (mean of 2).`,
    '',
    `${result.verdict.reproduced ? 'REPRODUCED' : 'NOT REPRODUCED'}: ${result.verdict.notes.join(' ')}`,
    '',
    phpLine(result.php),
    ...('mismatches' in result.php ? result.php.mismatches.map((m) => `  mismatch: ${m}`) : []),
  ];
  return lines.join('\n');
}
