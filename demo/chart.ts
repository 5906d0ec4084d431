/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external
 * assets) with the comparison table and, per policy, hit rate and stale reads over time with
 * the kills, restarts and failbacks marked.
 */
import { loadsPerKey, phpLine, roles } from './report.js';
import type { DemoResult, PolicyResult, TimelineMark } from './result.js';

const WIDTH = 920;
const LEFT = 60;
const RIGHT = 20;
const PLOT = WIDTH - LEFT - RIGHT;
/** Hit-rate panel (top) and stale-reads panel (bottom), in SVG units. */
const HIT = { top: 28, height: 120 };
const STALE = { top: 196, height: 70 };
/** Stacking order and colours of the stale bars, by the kind of copy they returned. */
const STALE_KINDS = [
  { kind: 'outage', label: 'outage copy' },
  { kind: 'late', label: 'late copy' },
  { kind: 'other', label: 'other' },
] as const;
const HEIGHT = STALE.top + STALE.height + 34;

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fixed(n: number): string {
  return n.toFixed(1);
}

/** A "nice" axis maximum ≥ n (1, 2, 5 × 10^k). */
function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= n) ?? 10 * power;
}

/** SVG for one policy; `staleMax` is shared so the rows compare at a glance. */
function policyChart(p: PolicyResult, totalMs: number, staleMax: number): string {
  const x = (ms: number) => LEFT + (Math.min(ms, totalMs) / totalMs) * PLOT;
  const { bucketMs, reads, hits, stale } = p.series;
  const parts: string[] = [];

  // Outages first, as a background band: everything else draws over them.
  const kills = p.marks.filter((m) => m.kind === 'kill');
  const restarts = p.marks.filter((m) => m.kind === 'restart');
  kills.forEach((k, i) => {
    const end = restarts[i]?.t ?? totalMs;
    parts.push(`<rect class="outage" x="${fixed(x(k.t))}" y="${HIT.top}" width="${fixed(x(end) - x(k.t))}" height="${STALE.top + STALE.height - HIT.top}"/>`);
  });

  // Hit-rate axis and gridlines.
  for (const pct of [0, 50, 100]) {
    const y = HIT.top + HIT.height * (1 - pct / 100);
    parts.push(`<line class="grid" x1="${LEFT}" x2="${LEFT + PLOT}" y1="${fixed(y)}" y2="${fixed(y)}"/>`);
    parts.push(`<text class="axis" x="${LEFT - 6}" y="${fixed(y + 4)}" text-anchor="end">${pct}%</text>`);
  }
  parts.push(`<text class="title" x="${LEFT}" y="${HIT.top - 10}">hit rate</text>`);

  // Hit-rate line; buckets with no reads break it rather than drawing a fake 0.
  let path = '';
  let pen = false;
  reads.forEach((n, i) => {
    if (n === 0) { pen = false; return; }
    const px = x((i + 0.5) * bucketMs);
    const py = HIT.top + HIT.height * (1 - hits[i] / n);
    path += `${pen ? 'L' : 'M'}${fixed(px)},${fixed(py)}`;
    pen = true;
  });
  if (path) parts.push(`<path class="hits" d="${path}"/>`);

  // Stale reads per bucket, stacked by kind of copy, on a scale shared by every policy.
  const base = STALE.top + STALE.height;
  parts.push(`<line class="grid" x1="${LEFT}" x2="${LEFT + PLOT}" y1="${base}" y2="${base}"/>`);
  parts.push(`<line class="grid" x1="${LEFT}" x2="${LEFT + PLOT}" y1="${STALE.top}" y2="${STALE.top}"/>`);
  parts.push(`<text class="axis" x="${LEFT - 6}" y="${STALE.top + 4}" text-anchor="end">${staleMax}</text>`);
  parts.push(`<text class="axis" x="${LEFT - 6}" y="${base + 4}" text-anchor="end">0</text>`);
  parts.push(`<text class="title" x="${LEFT}" y="${STALE.top - 8}">stale reads per ${bucketMs} ms</text>`);
  const barWidth = Math.max(1, (bucketMs / totalMs) * PLOT - 1);
  reads.forEach((_, i) => {
    let y = base;
    for (const { kind, label } of STALE_KINDS) {
      const n = stale[kind][i];
      if (n === 0) continue;
      const h = Math.max(1.5, (n / staleMax) * STALE.height);
      y -= h;
      parts.push(`<rect class="stale-${kind}" x="${fixed(x(i * bucketMs))}" y="${fixed(Math.max(STALE.top, y))}" width="${fixed(barWidth)}" height="${fixed(Math.min(h, y + h - STALE.top))}"><title>${n} stale reads (${label}) at ${((i * bucketMs) / 1000).toFixed(2)} s</title></rect>`);
    }
  });

  parts.push(...markers(p.marks, x));

  // Time axis.
  const step = totalMs > 20_000 ? 5000 : 2000;
  for (let t = 0; t <= totalMs; t += step) {
    parts.push(`<text class="axis" x="${fixed(x(t))}" y="${STALE.top + STALE.height + 18}" text-anchor="middle">${t / 1000} s</text>`);
  }
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escape(p.label)}: hit rate and stale reads over time">${parts.join('')}</svg>`;
}

/** Kill and restart lines across both panels; each frontend's `up` as a tick above the plot. */
function markers(marks: readonly TimelineMark[], x: (ms: number) => number): string[] {
  const out: string[] = [];
  for (const m of marks) {
    const px = fixed(x(m.t));
    if (m.kind === 'kill' || m.kind === 'restart') {
      out.push(`<line class="${m.kind}" x1="${px}" x2="${px}" y1="${HIT.top - 4}" y2="${STALE.top + STALE.height}"/>`);
      out.push(`<text class="${m.kind}-label" x="${px}" y="${HIT.top - 12}" text-anchor="middle">${m.kind}</text>`);
    } else if (m.kind === 'up') {
      out.push(`<path class="up" d="M${px},${HIT.top - 2}l-4,-6h8z"><title>frontend ${m.frontend ?? '?'} up at ${(m.t / 1000).toFixed(2)} s</title></path>`);
    }
  }
  return out;
}

function summaryTable(result: DemoResult): string {
  const rows = result.policies.map((p) => {
    const ups = p.failbacks.map((f) => `${f.firstUpMs === undefined ? '—' : (f.firstUpMs / 1000).toFixed(2)}–${f.lastUpMs === undefined ? '—' : (f.lastUpMs / 1000).toFixed(2)} s`).join(', ');
    return `<tr><th scope="row">${escape(p.label)}</th><td class="${p.staleReads > 0 ? 'bad' : 'good'}">${p.staleReads}</td>` +
      `<td>${p.staleByCopy.outage} / ${p.staleByCopy.late}</td><td>${(p.hitRate * 100).toFixed(1)}%</td><td>${p.originLoads}</td><td>${loadsPerKey(p)}</td>` +
      `<td>${p.flushes}</td><td>${p.deletes}</td><td>${roles(p.failbacks)}</td><td>${ups}</td></tr>`;
  });
  return `<table><thead><tr><th>policy</th><th>stale reads</th><th>outage / late copies</th><th>hit rate</th><th>origin loads</th><th>loads/key after failback</th><th>flushes</th><th>deletes</th><th>roles L/F/A</th><th>failback (first–last up, per restart)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:960px;color:#1b1f24;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.1rem;margin:2rem 0 .2rem}
p.lead,p.desc{color:#57606a;margin:.2rem 0 .6rem}
table{border-collapse:collapse;margin:1rem 0;width:100%}th,td{padding:.35rem .6rem;border-bottom:1px solid #d0d7de;text-align:right}
td{white-space:nowrap}th[scope=row],thead th:first-child{text-align:left}td.bad{color:#cf222e;font-weight:600}td.good{color:#1a7f37;font-weight:600}
.verdict{padding:.6rem .8rem;border-radius:6px;background:#f6f8fa;border:1px solid #d0d7de}
svg{display:block;max-width:100%;height:auto}
svg .grid{stroke:#d0d7de;stroke-width:1}svg .axis{font-size:11px;fill:#57606a}svg .title{font-size:12px;fill:#1b1f24;font-weight:600}
svg .outage{fill:#ffebe9}svg .hits{fill:none;stroke:#0969da;stroke-width:1.8}svg .stale-outage{fill:#cf222e}svg .stale-late{fill:#fb8f44}svg .stale-other{fill:#6e7781}
svg .kill{stroke:#cf222e;stroke-dasharray:4 3}svg .restart{stroke:#1a7f37;stroke-dasharray:4 3}
svg .kill-label{font-size:11px;fill:#cf222e}svg .restart-label{font-size:11px;fill:#1a7f37}svg .up{fill:#8250df}
.legend span{margin-right:1.2rem;white-space:nowrap}.sw{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin-right:.3rem}
`;

/** The complete HTML document for `result`. */
export function renderHtml(result: DemoResult): string {
  const totalMs = Math.max(...result.policies.map((p) => p.durationMs));
  const staleMax = niceCeiling(Math.max(1, ...result.policies.flatMap((p) => p.series.reads.map((_, i) => STALE_KINDS.reduce((n, k) => n + p.series.stale[k.kind][i], 0)))));
  const { config } = result;
  const sections = result.policies.map((p) =>
    `<section><h2>${escape(p.label)}</h2><p class="desc">${escape(p.description)}. failover: <code>${p.failover}</code>, failback.flush: <code>${p.flush}</code>. ` +
    `${p.staleReads} stale reads, hit rate ${(p.hitRate * 100).toFixed(1)}%, ${p.flushes} flushes, ${p.deletes} deletes.</p>${policyChart(p, totalMs, staleMax)}</section>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>failback demo: Don's stale copies, per failure policy</title><style>${STYLE}</style></head>
<body>
<h1>failback demo: what happens to a dead server's keys</h1>
<p class="lead">${config.servers} memcached servers (+1 gutter) on loopback, ${config.frontends} frontend processes doing read-through / write-through
against one versioned origin. Server ${config.victim + 1} is killed (SIGKILL) and restarted twice: Don MacAskill's 2006 sequence.
Client retryInterval ${config.retryInterval} ms; gutter TTL ${config.gutterTtl} s. Run ${escape(result.startedAt)}${result.quick ? ' (--quick)' : ''}, ${(result.durationMs / 1000).toFixed(1)} s.</p>
${summaryTable(result)}
<p class="verdict"><strong>${result.verdict.reproduced ? 'Reproduced' : 'Not reproduced'}.</strong> ${escape(result.verdict.notes.join(' '))}</p>
<p>${escape(phpLine(result.php))}</p>
<p class="desc">A stale read returned a version the origin had superseded more than ${config.staleGraceMs} ms before the read began.
Outage copies were written to a fallback server while the server was dead (Don's case); late copies after its restart, by a frontend
that had not failed it back yet. Flushes are memcached's own cmd_flush counts; deletes, the keys the frontends deleted on failback
(their journals). Roles L/F/A, per failback: the frontends that led the lock-coordinated flush (a restart needs exactly 1),
followed it, or needed none (journal deletes only). Failback times run from the restarted memcached's spawn.</p>
<p class="legend"><span><i class="sw" style="background:#0969da"></i>hit rate</span><span><i class="sw" style="background:#cf222e"></i>stale read of an outage copy</span><span><i class="sw" style="background:#fb8f44"></i>stale read of a late copy</span>
<span><i class="sw" style="background:#ffebe9;border:1px solid #cf222e"></i>server dead</span><span><i class="sw" style="background:#8250df"></i>a frontend's 'up' (failback done)</span></p>
${sections.join('\n')}
</body></html>
`;
}
