/**
 * Every process the demo starts (memcached servers, frontends), tracked so that each one is
 * stopped by its own pid on every exit path: normal end, error, SIGINT/SIGTERM, or a crash.
 * Nothing here ever signals a process the demo did not start.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
/** Every pid ever started, in order (restarts get new pids): the result lists them for audit. */
const started: number[] = [];

/** True while `child` has neither exited nor been killed by a signal. */
function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Tracks `child` until it exits. */
export function track(child: ChildProcess): void {
  if (child.pid !== undefined) started.push(child.pid);
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Sends `signal` to `child` by pid if it is still ours and running; false when there was nothing to signal. */
function signalChild(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined || !isRunning(child)) return false;
  try {
    process.kill(child.pid, signal);
    return true;
  } catch {
    return false; // exited between the check and the kill
  }
}

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGKILLs `child` and waits for it to be gone. */
export async function killChild(child: ChildProcess): Promise<void> {
  const gone = exited(child);
  // A SIGSTOPped process dies of SIGKILL too; nothing else needs waking first.
  if (signalChild(child, 'SIGKILL')) await gone;
}

/** SIGKILLs every tracked process still running, synchronously (safe in an `exit` handler). */
export function killAllNow(): number {
  let killed = 0;
  for (const child of live) if (signalChild(child, 'SIGKILL')) killed++;
  return killed;
}

/** Pids of every process the demo started so far. */
export function startedPids(): number[] {
  return [...started];
}
