/**
 * Real memcached processes for the tests, the demo and the benches: started on free loopback
 * ports, stopped, killed, paused and restarted on the same port, always through the pid of the
 * process started here (nothing else is ever signalled).
 *
 * Tests import it from TypeScript (through test/support/memcached.ts); the demo compiles it with
 * its own sources; the benches (.mjs) import the compiled copy, build/tools/memcached.js
 * (`npm run build:tools`, which their npm scripts run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { accepts, freePort, HOST } from './loopback.js';
import { memcachedBinary } from './memcached-binary.js';

/** How long a fresh memcached gets to accept its first connection. */
const READY_TIMEOUT_MS = 10_000;
/** How long `pause()` waits for every thread to be stopped. */
const PAUSE_TIMEOUT_MS = 5000;

/** Every process started here and still running: none outlives the process that started it. */
const live = new Set<ChildProcess>();
process.once('exit', () => { for (const child of live) if (child.pid) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } });

/** How to start a server. */
export interface MemcachedOptions {
  /** Port to bind on 127.0.0.1; a free one by default. */
  port?: number;
  /** Megabytes of cache memory (`-m`). @default 64 */
  memoryMb?: number;
  /** Worker threads (`-t`): 1 lets several servers share a small machine. @default 2 */
  threads?: number;
  /** Connection limit (`-c`). @default 4096 */
  maxConnections?: number;
  /** Extra memcached arguments (e.g. `['-I', '4m']` or TLS flags). */
  args?: string[];
  /** The binary; {@link memcachedBinary} by default. */
  binary?: string;
  /** Called with every process spawned, restarts included (the demo records every pid it started). */
  onSpawn?: (child: ChildProcess) => void;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** One memcached process (and its successors after restarts) on a fixed loopback port. */
export class MemcachedServer {
  readonly host = HOST;
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly binary: string,
    private readonly args: string[],
    private readonly onSpawn: ((child: ChildProcess) => void) | undefined,
  ) {}

  /**
   * Starts memcached and resolves once it accepts connections.
   * @throws Error when memcached is missing, exits at once (its stderr says why) or does not accept within 10 s
   */
  static async start(options: MemcachedOptions = {}): Promise<MemcachedServer> {
    const port = options.port ?? (await freePort());
    const args = [
      '-l', HOST, '-p', String(port),
      '-U', '0', // no UDP: nothing listens where nobody needs it
      '-m', String(options.memoryMb ?? 64),
      '-t', String(options.threads ?? 2),
      '-c', String(options.maxConnections ?? 4096),
      // memcached refuses to run as root unless told which user to become.
      ...(process.getuid?.() === 0 ? ['-u', 'root'] : []),
      ...(options.args ?? []),
    ];
    const server = new MemcachedServer(port, options.binary ?? memcachedBinary(), args, options.onSpawn);
    await server.launch();
    return server;
  }

  /** `host:port`, as the Client's `servers` option takes it. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** The current process's pid; undefined while stopped. */
  get pid(): number | undefined {
    return this.child !== undefined && isRunning(this.child) ? this.child.pid : undefined;
  }

  /** Sends a signal to our process, by pid, if it is running. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, signal);
    } catch {
      // It exited between the check and the signal.
    }
  }

  /**
   * Stops the process and waits until it is gone and the port is free. SIGKILL by default, the
   * way a machine dies: no goodbye on open connections.
   */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined || !isRunning(child)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // A paused process would hold a SIGTERM until it is continued.
    this.signal('SIGCONT');
    this.signal(signal);
    await exited;
  }

  /**
   * Starts a new, empty memcached on the same port, killing the current one first if it runs: a
   * real restart. Resolves once the new process accepts connections.
   */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /**
   * SIGSTOP: the process keeps its socket but answers nothing (a hung server). The signal is sent
   * at once; the promise resolves when every thread of the process is stopped (under load that
   * can take a few ms, during which it still answers). Linux only: it reads /proc.
   */
  async pause(): Promise<void> {
    this.signal('SIGSTOP');
    const tasks = `/proc/${this.pid}/task`;
    const stopped = () => readdirSync(tasks).every((t) => /^\d+ \(.*\) [tT] /.test(readFileSync(`${tasks}/${t}/stat`, 'utf8')));
    const deadline = Date.now() + PAUSE_TIMEOUT_MS;
    while (!stopped()) {
      if (Date.now() > deadline) throw new Error(`${this.address} did not stop within ${PAUSE_TIMEOUT_MS / 1000} s of SIGSTOP`);
      await delay(5);
    }
  }

  /** SIGCONT: a paused server answers again (what it was sent meanwhile included). */
  resume(): void {
    this.signal('SIGCONT');
  }

  private async launch(): Promise<void> {
    const child = spawn(this.binary, this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let spawnError: Error | undefined;
    child.once('error', (err) => { spawnError = err; });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    live.add(child);
    child.once('exit', () => live.delete(child));
    this.child = child;
    this.onSpawn?.(child);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`could not start ${this.binary}: ${spawnError.message}`);
      if (!isRunning(child)) throw new Error(`memcached exited (${child.exitCode ?? child.signalCode}) on port ${this.port}: ${stderr.trim()}`);
      if (await accepts(this.port)) return;
      await delay(20);
    }
    await this.stop();
    throw new Error(`memcached did not accept connections on ${this.address} within ${READY_TIMEOUT_MS / 1000} s: ${stderr.trim()}`);
  }
}

/**
 * Starts `count` servers in parallel, each on its own free port.
 * @returns the servers, in the order they were asked for
 */
export async function startCluster(count: number, options: MemcachedOptions = {}): Promise<MemcachedServer[]> {
  return Promise.all(Array.from({ length: count }, () => MemcachedServer.start(options)));
}
