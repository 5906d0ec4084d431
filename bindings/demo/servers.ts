/**
 * Local memcached servers for the demo: started on free loopback ports, killed (SIGKILL, like a
 * crashed box) and restarted on the same port, always by the pid of the process we spawned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { isRunning, killChild, track } from './children.js';

/** The demo binds loopback only. */
export const HOST = '127.0.0.1';
/** How long a fresh memcached gets to accept its first connection. */
const READY_TIMEOUT_MS = 10_000;

/** A free TCP port on the loopback interface (the OS picks it; memcached binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('the OS gave no port'))));
    });
  });
}

/** True when something accepts TCP connections on `port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
  });
}

/** One memcached process (and its successors after restarts) on a fixed loopback port. */
export class MemcachedServer {
  private child: ChildProcess | undefined;
  private stderr = '';

  private constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly memoryMb: number,
  ) {}

  /** Starts memcached on a free port; resolves once it accepts connections. */
  static async start(binary: string, memoryMb = 32): Promise<MemcachedServer> {
    const server = new MemcachedServer(binary, await freePort(), memoryMb);
    await server.launch();
    return server;
  }

  /** `host:port`, as the Client's `servers` option wants it. */
  get address(): string {
    return `${HOST}:${this.port}`;
  }

  /** The current process's pid (undefined while stopped). */
  get pid(): number | undefined {
    return this.child !== undefined && isRunning(this.child) ? this.child.pid : undefined;
  }

  /** SIGKILL, the way a machine dies: no goodbye on open connections; waits until it is gone. */
  async kill(): Promise<void> {
    if (this.child !== undefined) await killChild(this.child);
  }

  /**
   * Starts a new, empty memcached on the same port. Resolves with when it was spawned (nothing
   * can have reached it before) and when the accept-poll first connected (a frontend's own probe
   * may have got there first), in epoch ms.
   */
  async restart(): Promise<{ restartedAt: number; acceptedAt: number }> {
    await this.kill();
    const restartedAt = Date.now();
    await this.launch();
    return { restartedAt, acceptedAt: Date.now() };
  }

  /** Stops the server for good (same as kill: memcached holds nothing worth a graceful exit). */
  stop(): Promise<void> {
    return this.kill();
  }

  private async launch(): Promise<void> {
    const args = [
      '-l', HOST, '-p', String(this.port),
      '-U', '0', // no UDP: nothing listens where the demo does not need it
      '-m', String(this.memoryMb),
      '-t', '1', // one worker thread each: several servers share two cores
      '-c', '1024',
      // memcached refuses to run as root unless told which user to become.
      ...(process.getuid?.() === 0 ? ['-u', 'root'] : []),
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    track(child);
    this.child = child;
    this.stderr = '';
    let spawnError: Error | undefined;
    child.once('error', (err) => { spawnError = err; });
    child.stderr?.on('data', (chunk: Buffer) => { this.stderr += chunk.toString(); });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`could not start ${this.binary}: ${spawnError.message}`);
      if (!isRunning(child)) throw new Error(`memcached exited (${child.exitCode ?? child.signalCode}) on port ${this.port}: ${this.stderr.trim()}`);
      if (await accepts(this.port)) return;
      await delay(20);
    }
    await killChild(child);
    throw new Error(`memcached did not accept connections on ${this.address} within ${READY_TIMEOUT_MS / 1000} s: ${this.stderr.trim()}`);
  }
}
