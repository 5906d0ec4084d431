/**
 * The frontend processes, seen from the main process: forks them, answers their origin calls,
 * forwards their reads and client events, and stops them (by pid if they do not stop by
 * themselves).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exited, killChild, track } from './children.js';
import type { ClientEventRecord, FrontendConfig, FrontendMessage, FrontendTotals, MainMessage } from './messages.js';
import type { Origin } from './origin.js';

/** Where the fleet delivers what its frontends report. */
export interface FleetListener {
  /** A batch of reads (see `FrontendMessage` 'reads' for the layout). */
  reads(samples: number[]): void;
  event(record: ClientEventRecord): void;
}

/** The compiled frontend entry, next to this file in build/demo/. */
const FRONTEND_SCRIPT = fileURLToPath(new URL('./frontend.js', import.meta.url));
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

function post(child: ChildProcess, message: MainMessage): void {
  // A frontend can be gone (crashed, killed on abort); its answer no longer matters.
  if (child.connected) child.send(message);
}

/** Frontend processes running one policy's workload against one origin. */
export class Fleet {
  private readonly totals = new Map<ChildProcess, FrontendTotals>();

  private constructor(private readonly children: ChildProcess[]) {}

  /** Forks one process per config and resolves once each has its client ready. */
  static async start(configs: FrontendConfig[], origin: Origin, listener: FleetListener): Promise<Fleet> {
    const children = configs.map((config) => {
      const child = fork(FRONTEND_SCRIPT, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      track(child);
      return child;
    });
    const fleet = new Fleet(children);
    const ready = children.map((child, i) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`frontend ${i} was not ready within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`frontend ${i} could not start: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`frontend ${i} exited (${signal ?? code}) before it was ready`));
      });
      child.on('message', (message: FrontendMessage) => {
        switch (message.type) {
          case 'ready':
            clearTimeout(timer);
            resolve();
            break;
          case 'origin': {
            // The origin is synchronous and in this process: one authoritative history.
            const version = message.op === 'write' ? origin.write(message.key, Date.now()) : origin.load(message.key, Date.now(), configs[i].id);
            post(child, { type: 'origin', id: message.id, version });
            break;
          }
          case 'reads':
            listener.reads(message.samples);
            break;
          case 'event':
            listener.event(message.record);
            break;
          case 'stopped':
            fleet.totals.set(child, message.totals);
            break;
        }
      });
    }));
    try {
      await Promise.all(ready);
    } catch (err) {
      await fleet.kill();
      throw err;
    }
    return fleet;
  }

  /** Starts every frontend's workload at (nearly) the same moment. */
  go(): void {
    for (const child of this.children) post(child, { type: 'start' });
  }

  /**
   * Asks every frontend to stop and report; kills by pid any that does not within a few seconds.
   * @throws Error when a frontend died without reporting: its reads are missing, the row would lie
   */
  async stop(): Promise<FrontendTotals[]> {
    for (const child of this.children) post(child, { type: 'stop' });
    await Promise.all(this.children.map(async (child) => {
      const timer = setTimeout(() => void killChild(child), STOP_TIMEOUT_MS);
      await exited(child);
      clearTimeout(timer);
    }));
    return this.children.map((child, i) => {
      const totals = this.totals.get(child);
      if (totals === undefined) throw new Error(`frontend ${i} exited (${child.signalCode ?? child.exitCode}) without reporting its totals`);
      return totals;
    });
  }

  /** SIGKILLs every frontend still running (abort path). */
  async kill(): Promise<void> {
    await Promise.all(this.children.map(killChild));
  }
}
