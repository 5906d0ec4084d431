/**
 * One frontend, as its own OS process (forked by the demo's main process): its own failback
 * Client, a read-through / write-through cache over it, and a few workers serving the keys this
 * frontend is home to.
 *
 * The origin lives in the main process and is reached over IPC, so all frontends share one
 * authoritative history. Every read is reported (batched) so the main process can judge whether
 * it returned a superseded version; client events are forwarded as they happen.
 * Config comes as JSON in argv[2].
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'failback';
import type { ClientEventRecord, FrontendConfig, FrontendMessage, FrontendTotals, MainMessage } from './messages.js';
import { ReadThroughCache, type OriginAccess, type ReadObservation } from './read-through.js';
import { homeKeys, KeyPicker, KeysInFlight } from './workload.js';

function send(message: FrontendMessage): void {
  process.send?.(message);
}

/** Origin calls over IPC: each request gets an id, and the main process answers with it. */
class OriginLink implements OriginAccess {
  private nextId = 0;
  private readonly pending = new Map<number, (version: number) => void>();

  load(key: number): Promise<number> {
    return this.request('load', key);
  }

  write(key: number): Promise<number> {
    return this.request('write', key);
  }

  answer(id: number, version: number): void {
    this.pending.get(id)?.(version);
    this.pending.delete(id);
  }

  private request(op: 'load' | 'write', key: number): Promise<number> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      send({ type: 'origin', id, op, key });
    });
  }
}

/** The frontend's Client, with every event forwarded to the main process. */
function createClient(config: FrontendConfig): Client {
  const mc = new Client({
    servers: config.servers,
    failover: config.failover,
    ...(config.failover === 'gutter' ? { gutter: config.gutter, gutterTtl: config.gutterTtl } : {}),
    retryInterval: config.retryInterval,
    timeout: config.timeout,
    connectTimeout: config.timeout,
    failback: { flush: config.flush },
  });
  const event = (record: Omit<ClientEventRecord, 'frontend' | 'at'>) =>
    send({ type: 'event', record: { frontend: config.id, at: Date.now(), ...record } });
  mc.on('down', (server, error) => event({ event: 'down', server: server.name, message: error.message }));
  mc.on('recovering', (server) => event({ event: 'recovering', server: server.name }));
  mc.on('failback', (server, { role, flushed, deleted, restarted }) => event({ event: 'failback', server: server.name, role, flushed, deleted, restarted }));
  mc.on('up', (server) => event({ event: 'up', server: server.name }));
  mc.on('error', (error) => event({ event: 'error', server: '', message: error.message }));
  return mc;
}

/** The workers: pick a home key, read or write it, pause, repeat, until stopped. */
class Workload {
  readonly totals: FrontendTotals;
  private readonly picker: KeyPicker;
  private readonly inFlight = new KeysInFlight();
  private samples: number[] = [];
  private running = false;
  private workers: Promise<void[]> | undefined;
  private reporter: NodeJS.Timeout | undefined;

  constructor(private readonly config: FrontendConfig, private readonly cache: ReadThroughCache) {
    this.totals = { frontend: config.id, operations: 0, errors: 0, offlineSkips: 0, failovers: 0 };
    this.picker = new KeyPicker(homeKeys(config.id, config.frontends, config.workload.keys), config.workload);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.reporter = setInterval(() => this.flushSamples(), this.config.reportEveryMs);
    this.workers = Promise.all(Array.from({ length: this.config.workload.concurrency }, () => this.work()));
  }

  /** Lets operations in flight finish, then sends the last samples. */
  async stop(): Promise<void> {
    this.running = false;
    await this.workers;
    clearInterval(this.reporter);
    this.flushSamples();
  }

  private async work(): Promise<void> {
    while (this.running) {
      const write = this.picker.isWrite();
      const key = this.picker.next(this.inFlight.busyFor(write));
      if (key !== undefined) {
        this.inFlight.begin(key, write);
        try {
          if (write) await this.cache.write(key);
          else await this.cache.read(key, (seen) => this.record(key, seen));
          this.totals.operations++;
        } catch {
          // A request in flight when its server was killed: the client has marked it down.
          this.totals.errors++;
        } finally {
          this.inFlight.end(key, write);
        }
      }
      await delay(this.config.workload.thinkMs);
    }
  }

  /** Adds one read to the next batch (layout in messages.ts). */
  private record(key: number, seen: ReadObservation): void {
    this.samples.push(key, seen.version ?? -1, seen.startedAt, seen.storedAt ?? -1);
  }

  private flushSamples(): void {
    if (this.samples.length === 0) return;
    send({ type: 'reads', samples: this.samples });
    this.samples = [];
  }
}

/** The frontend's life: connect, say ready, run between `start` and `stop`, report totals, exit. */
async function main(config: FrontendConfig): Promise<void> {
  const mc = createClient(config);
  const origin = new OriginLink();
  const workload = new Workload(config, new ReadThroughCache(mc, origin, 'x'.repeat(config.workload.valueBytes), config.reads));
  await mc.connect();
  const stopRequested = new Promise<void>((resolve) => {
    process.on('message', (message: MainMessage) => {
      if (message.type === 'origin') origin.answer(message.id, message.version);
      else if (message.type === 'start') workload.start();
      else if (message.type === 'stop') resolve();
    });
  });
  // The main process vanished (crash, SIGKILL): nobody will say stop, and nobody needs us.
  process.once('disconnect', () => process.exit(0));
  send({ type: 'ready' });

  await stopRequested;
  await workload.stop();
  const { totals } = workload;
  for (const server of mc.servers()) {
    totals.offlineSkips += server.counters.offlineSkips;
    totals.failovers += server.counters.failovers;
  }
  await mc.close();
  await new Promise<void>((resolve) => process.send?.({ type: 'stopped', totals } satisfies FrontendMessage, () => resolve()));
  process.disconnect?.();
}

if (process.send === undefined) {
  process.stderr.write('frontend.js is started by the demo (node build/demo/main.js), not by hand\n');
  process.exitCode = 2;
} else {
  main(JSON.parse(process.argv[2] ?? '{}') as FrontendConfig).catch((err: unknown) => {
    process.stderr.write(`frontend: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
