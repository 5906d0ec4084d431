/**
 * Text the commands print: aligned tables and the number formats operators read at a glance.
 * Pure: strings in, strings out; the commands write them.
 */

/** How a column is aligned: numbers right, words left. */
export type Align = 'left' | 'right';

/**
 * Rows as a table with a header, columns two spaces apart. Lines carry no trailing spaces, so a
 * long note in the last column (an error message) does not widen the other lines.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]) => row.map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return `${all.map(line).join('\n')}\n`;
}

/** A share as a percentage with one decimal (`25.0%`); `-` when there is none (nothing to divide). */
export function percent(share: number | undefined): string {
  return share === undefined || !Number.isFinite(share) ? '-' : `${(share * 100).toFixed(1)}%`;
}

/** An integer with thousands separators (`100,000`); `-` when unknown. */
export function count(n: number | undefined): string {
  return n === undefined ? '-' : n.toLocaleString('en-US');
}

/** Seconds as the two largest units (`3d 4h`, `2h 5m`, `4m 12s`, `12s`); `-` when unknown. */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const units: [string, number][] = [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]];
  let rest = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [name, size] of units) {
    if (parts.length === 0 && rest < size && size > 1) continue;
    parts.push(`${Math.floor(rest / size)}${name}`);
    rest %= size;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** Bytes in binary units (`512 B`, `1.5 MiB`); `-` when unknown. */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A Unix time (seconds) as ISO 8601 in UTC without milliseconds (`2024-05-01T10:00:00Z`). */
export function unixTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One JSON document on one line: what `--json` prints, once per refresh under `--watch`. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
