/**
 * Starts real memcached processes (Debian's `memcached`) on free loopback ports for tests,
 * and stops them by pid. Absence of memcached is a loud failure, never a silent skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

const CANDIDATES = ['/usr/bin/memcached', '/usr/local/bin/memcached', '/usr/sbin/memcached'];

export function memcachedBinary(): string {
  const found = process.env.MEMCACHED_BIN ?? CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error('memcached is not installed: run `apt-get install -y memcached` (CI does this in .ci/run)');
  }
  return found;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; memcached binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

const live = new Set<ChildProcess>();
process.once('exit', () => { for (const child of live) if (child.pid) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } });

export interface MemcachedOptions {
  /** Port to bind; a free one by default. */
  port?: number;
  /** Extra memcached arguments (e.g. ['-I', '4m'] or TLS flags). */
  args?: string[];
  /** Megabytes of cache memory. @default 64 */
  memoryMb?: number;
}

/** One memcached process we started; all control goes through its pid. */
export class MemcachedServer {
  readonly host = '127.0.0.1';
  readonly port: number;
  private child: ChildProcess | undefined;
  private readonly args: string[];

  private constructor(port: number, args: string[]) {
    this.port = port;
    this.args = args;
  }

  /** Starts memcached and resolves once it accepts connections. */
  static async start(options: MemcachedOptions = {}): Promise<MemcachedServer> {
    const port = options.port ?? (await freePort());
    const server = new MemcachedServer(port, [
      '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(options.memoryMb ?? 64), '-t', '2', '-c', '4096',
      ...(process.getuid?.() === 0 ? ['-u', 'root'] : []),
      ...(options.args ?? []),
    ]);
    await server.launch();
    return server;
  }

  /** `host:port`, as a client option. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async launch(): Promise<void> {
    const child = spawn(memcachedBinary(), this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    live.add(child);
    child.once('exit', () => live.delete(child));
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`memcached exited (${child.exitCode}) on port ${this.port}: ${stderr.trim()}`);
      if (await accepts(this.host, this.port)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    this.signal('SIGKILL');
    throw new Error(`memcached did not accept connections on ${this.address} within 10 s: ${stderr.trim()}`);
  }

  /** Sends a signal to our process (by pid). */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid !== undefined && this.child?.exitCode === null && this.child.signalCode === null) process.kill(pid, signal);
  }

  /** Kills (SIGKILL by default) and waits until the process is gone and the port is free. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.signal('SIGCONT');
    this.signal(signal);
    await exited;
  }

  /** Starts again on the same port (an empty cache, like a real restart). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /**
   * SIGSTOP: the process keeps its socket but answers nothing (a hung server). The signal is sent
   * at once; the promise resolves when every thread of the process is stopped (under load that
   * can take a few ms, during which it still answers).
   */
  async pause(): Promise<void> {
    this.signal('SIGSTOP');
    const tasks = `/proc/${this.pid}/task`;
    const stopped = () => readdirSync(tasks).every((t) => /^\d+ \(.*\) [tT] /.test(readFileSync(`${tasks}/${t}/stat`, 'utf8')));
    const deadline = Date.now() + 5000;
    while (!stopped()) {
      if (Date.now() > deadline) throw new Error(`${this.address} did not stop within 5 s of SIGSTOP`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  resume(): void {
    this.signal('SIGCONT');
  }
}

/** Starts `count` servers in parallel. */
export async function startCluster(count: number, options: MemcachedOptions = {}): Promise<MemcachedServer[]> {
  return Promise.all(Array.from({ length: count }, () => MemcachedServer.start(options)));
}

/** Sends raw text to a server on a fresh socket and resolves with the reply once it ends with `until`. */
export async function rawCommand(host: string, port: number, text: string, until = /(?:END|OK|STORED|DELETED|NOT_FOUND|ERROR[^\r]*|VERSION [^\r]*)\r\n$/): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no full reply to ${JSON.stringify(text)} from ${host}:${port}: ${buf}`)); }, 5000);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (until.test(buf)) { clearTimeout(timer); s.end(); resolve(buf); }
    });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    // A server killed mid-command closes without an error: no reply is coming.
    s.on('close', () => { clearTimeout(timer); if (!until.test(buf)) reject(new Error(`${host}:${port} closed before a full reply to ${JSON.stringify(text)}: ${buf}`)); });
    s.write(text);
  });
}

/** memcached's `stats` as a map (for cmd_flush, curr_items, …). */
export async function serverStats(host: string, port: number): Promise<Map<string, string>> {
  const text = await rawCommand(host, port, 'stats\r\n', /END\r\n$/);
  const stats = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m) stats.set(m[1], m[2]);
  }
  return stats;
}
