// Shared bench plumbing: tinybench runs, several repetitions, medians and ratios taken within each repetition.
import { Bench } from 'tinybench';
import os from 'node:os';

/** Median of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One line about the machine, for RESULTS.md. */
export function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join('/')}`;
}

/**
 * Runs `tasks` ({ name: fn }) `reps` times (interleaved: every task once per repetition) and
 * returns per task the median rate in units/s, where one call of fn handles `units` units.
 */
export async function measure(tasks, { units = 1, reps = 5, time = 200, warmupTime = 50 } = {}) {
  const rates = Object.fromEntries(Object.keys(tasks).map((k) => [k, []]));
  for (let r = 0; r < reps; r++) {
    const bench = new Bench({ time, warmupTime });
    for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const ms = task.result?.latency?.p50 ?? task.result?.period;
      if (!ms) throw new Error(`task ${task.name} failed: ${task.result?.error ?? 'no result'}`);
      rates[task.name].push((units * 1000) / ms);
    }
  }
  return Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, { median: median(v), runs: v }]));
}

/** Ratio of a/b per repetition, median over repetitions. */
export function ratio(a, b) {
  return median(a.runs.map((x, i) => x / b.runs[i]));
}

export function fmtRate(x) {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M/s`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k/s`;
  return `${x.toFixed(1)} /s`;
}
