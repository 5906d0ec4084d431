// Shared bench plumbing: tinybench runs, several repetitions, medians and ratios taken within each repetition.
import { Bench } from 'tinybench';
import os from 'node:os';

/** Median of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Key prefixes of the realistic keys: a few shapes apps use. */
const KEY_KINDS = ['user', 'session', 'product', 'cart', 'feed:timeline', 'search:results:page'];

/** `n` realistic keys of 10–60 ASCII characters, like user:123456:profile. */
export function realisticKeys(n) {
  return Array.from({ length: n }, (_, i) => {
    const k = `${KEY_KINDS[i % KEY_KINDS.length]}:${(i * 7919) % 1_000_000}:${['profile', 'v2', 'settings', 'summary:en-US'][i % 4]}`;
    return k.length < 10 ? k.padEnd(10, 'x') : k.slice(0, 60);
  });
}

/** A value of 100 B for `key` that names it, so a value handed back under the wrong key is caught. */
export function valueFor(key) {
  return `${key}|${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3)}`.slice(0, 100);
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

/** CPU time this process has used so far, in µs (user + system, all threads). */
export function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * Runs `fn` (async, resolves the units of work it did) and returns those units with the wall
 * time and the CPU time this process spent meanwhile: `{ units, seconds, cpuUs }`.
 */
export async function timed(fn) {
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  const units = await fn();
  const seconds = (performance.now() - t0) / 1000;
  return { units, seconds, cpuUs: cpuMicros() - cpu0 };
}

/**
 * Runs every task once per repetition, `reps` times, and returns per task the median rate in
 * units/s and the median CPU µs per unit, each with its per-repetition `runs` (for `ratio`).
 *
 * A task is `async (slice) => ({ units, seconds, cpuUs })` (see `timed`; a task measuring another
 * process reports that process's CPU). With `slices` > 1 a repetition is cut into that many rounds
 * in which every task runs once (slice 0, 1, …), and a task's repetition is the sum of its slices,
 * so a burst of load from elsewhere hits all tasks alike; a task with `whole = true` runs only in
 * the first round. The order rotates every round, so no task always follows the same neighbour.
 * `between` (optional, async) runs before every task, e.g. to collect garbage.
 */
export async function measureRuns(tasks, { reps = 3, slices = 1, between } = {}) {
  const names = Object.keys(tasks);
  const rates = Object.fromEntries(names.map((k) => [k, []]));
  const cpus = Object.fromEntries(names.map((k) => [k, []]));
  let round = 0;
  for (let r = 0; r < reps; r++) {
    const sum = Object.fromEntries(names.map((k) => [k, { units: 0, seconds: 0, cpuUs: 0 }]));
    for (let slice = 0; slice < slices; slice++, round++) {
      for (let j = 0; j < names.length; j++) {
        const name = names[(j + round) % names.length];
        if (slice > 0 && tasks[name].whole) continue;
        await between?.(name);
        const { units, seconds, cpuUs } = await tasks[name](slice);
        if (!(units > 0) || !(seconds > 0)) throw new Error(`task ${name} did no work (${units} units in ${seconds} s)`);
        sum[name].units += units;
        sum[name].seconds += seconds;
        sum[name].cpuUs += cpuUs;
      }
    }
    for (const k of names) {
      rates[k].push(sum[k].units / sum[k].seconds);
      cpus[k].push(sum[k].cpuUs / sum[k].units);
    }
  }
  return Object.fromEntries(names.map((k) => [k, { median: median(rates[k]), runs: rates[k], cpu: { median: median(cpus[k]), runs: cpus[k] } }]));
}

/** Per-repetition maximum over several results of `measureRuns` (the best of a group, for `ratio`). */
export function best(results) {
  const runs = results[0].runs.map((_, i) => Math.max(...results.map((r) => r.runs[i])));
  return { median: median(runs), runs };
}
