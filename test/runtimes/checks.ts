/**
 * Checks that run INSIDE each runtime (workerd, Deno, Bun; routing also in Chromium). Runtime-neutral:
 * no `node:` imports, no Deno/Bun globals. The Node side (test/runtime-*.test.ts) prepares the jobs
 * and compares what comes back with Node's own results.
 *
 * Everything is reported as data (`'ok'` or a description of what went wrong) rather than thrown,
 * so one failure does not hide the others and the Node side can name each.
 */
import type * as Failback from '../../bindings/index.js';
import type { ConnectOptions, Connector, Transport, TransportHandlers } from '../../bindings/transport/transport.js';

/** One vector file, prepared by the Node side (router options already derived from the recording). */
export interface RouteJob {
  file: string;
  options: Failback.RouterOptions;
  down: number[];
  keys: string[];
}

export interface RouteResult {
  file: string;
  engine: string;
  routes: number[];
}

/** Loopback endpoints the Node side set up for the transport checks. */
export interface TransportEnv {
  /** A real memcached. */
  memcached: { host: string; port: number };
  /** A port nothing listens on. */
  refusedPort: number;
  /** Accepts and reads, never writes: a TLS handshake there never completes. */
  silentPort: number;
  /** Accepts, reads nothing for a while, then reads everything (backpressure). */
  stallPort: number;
  /** memcached -Z with a self-signed certificate (PEM in `ca`), when the runtime can take a CA. */
  tls?: { port: number; ca: string };
}

export type CheckReport = Record<string, string>;

/** The package as loaded through its entry. */
type Package = typeof Failback;

export async function routeJobs(pkg: Package, jobs: RouteJob[]): Promise<RouteResult[]> {
  const results: RouteResult[] = [];
  for (const job of jobs) {
    const router = await pkg.createRouter({ ...job.options, engine: 'wasm' });
    for (const i of job.down) router.setDown(i, true);
    results.push({ file: job.file, engine: router.engine, routes: Array.from(router.routeMany(job.keys)) });
  }
  return results;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}${(err as { code?: string }).code ? ` [${(err as { code?: string }).code}]` : ''}: ${err.message}`;
  return String(err);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Handlers that record every call; `snapshots` keeps each chunk's bytes as received. */
function recorder() {
  const calls = { chunks: [] as Uint8Array[], snapshots: [] as string[], closes: [] as (Error | undefined)[], drains: 0 };
  const handlers: TransportHandlers = {
    onData: (chunk) => {
      calls.chunks.push(chunk);
      calls.snapshots.push(Array.from(chunk).join(','));
    },
    onClose: (error) => {
      calls.closes.push(error);
    },
    onDrain: () => {
      calls.drains++;
    },
  };
  const text = (): string => calls.chunks.map((c) => decoder.decode(c)).join('');
  return { calls, handlers, text };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    const transport = (await promise) as Transport;
    transport.destroy();
  } catch (err) {
    return err;
  }
  throw new Error('the connect succeeded; a failure was expected');
}

/** Runs one named check; stores 'ok' or what went wrong. */
async function check(report: CheckReport, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    report[name] = 'ok';
  } catch (err) {
    report[name] = describe(err);
  }
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/**
 * The {@link Connector} contract, against real sockets. `written` reports how many bytes the
 * backpressure check sent, for the Node side to compare with what its stall server received.
 */
export async function transportContract(connect: Connector, env: TransportEnv, options: { tlsCa: boolean }): Promise<{ report: CheckReport; written: number }> {
  const report: CheckReport = {};
  const mc = env.memcached;
  const at = (extra: Partial<ConnectOptions> = {}): ConnectOptions => ({ host: mc.host, port: mc.port, connectTimeout: 3000, ...extra });
  let written = 0;

  await check(report, 'version, Uint8Array chunks that keep their bytes, end() gives one clean onClose', async () => {
    const rec = recorder();
    const t = await connect(at(), rec.handlers);
    expect(t.write(encoder.encode('version\r\n')) === true, 'write() returned false for 9 bytes');
    await until(() => /VERSION [^\r]+\r\n$/.test(rec.text()), 'VERSION');
    expect(t.write(encoder.encode('get a b c\r\n')), 'second write() returned false');
    await until(() => /END\r\n$/.test(rec.text()), 'END');
    expect(rec.calls.chunks.every((c) => c instanceof Uint8Array), 'a chunk is not a Uint8Array');
    expect(rec.calls.chunks.every((c, i) => Array.from(c).join(',') === rec.calls.snapshots[i]), 'a chunk changed after onData returned');
    t.end();
    await until(() => rec.calls.closes.length > 0, 'onClose after end()');
    await sleep(50);
    expect(rec.calls.closes.length === 1, `onClose ran ${rec.calls.closes.length} times`);
    expect(rec.calls.closes[0] === undefined, `onClose got an error after end(): ${describe(rec.calls.closes[0])}`);
    const chunks = rec.calls.chunks.length;
    expect(t.write(encoder.encode('version\r\n')) === false, 'write() after close returned true');
    t.end();
    t.destroy();
    await sleep(50);
    expect(rec.calls.closes.length === 1 && rec.calls.chunks.length === chunks && rec.calls.drains === 0, 'a handler ran after onClose');
  });

  await check(report, 'the server hanging up (quit) gives one onClose with an error', async () => {
    const rec = recorder();
    const t = await connect(at(), rec.handlers);
    t.write(encoder.encode('quit\r\n'));
    await until(() => rec.calls.closes.length > 0, 'onClose after quit');
    await sleep(50);
    expect(rec.calls.closes.length === 1, `onClose ran ${rec.calls.closes.length} times`);
    expect(rec.calls.closes[0] instanceof Error, 'onClose got no error when the server hung up');
  });

  await check(report, 'destroy() gives exactly one onClose, not re-entrantly, and nothing after', async () => {
    const rec = recorder();
    const t = await connect(at(), rec.handlers);
    t.destroy();
    expect(rec.calls.closes.length === 0, 'onClose ran inside destroy()');
    await until(() => rec.calls.closes.length > 0, 'onClose after destroy()');
    t.destroy();
    t.end();
    expect(t.write(encoder.encode('version\r\n')) === false, 'write() after destroy returned true');
    await sleep(50);
    expect(rec.calls.closes.length === 1, `onClose ran ${rec.calls.closes.length} times`);
    expect(rec.calls.closes[0] === undefined, `onClose got an error after destroy(): ${describe(rec.calls.closes[0])}`);
    expect(rec.calls.chunks.length === 0 && rec.calls.drains === 0, 'a handler ran after destroy()');
  });

  await check(report, 'a refused connection rejects with ConnectError and calls no handler', async () => {
    const rec = recorder();
    const err = await rejection(connect({ host: '127.0.0.1', port: env.refusedPort, connectTimeout: 3000 }, rec.handlers));
    expect((err as { code?: string }).code === 'ERR_CONNECT_FAILED', `expected ERR_CONNECT_FAILED, got ${describe(err)}`);
    expect((err as { server?: string }).server === `127.0.0.1:${env.refusedPort}`, `wrong server on the error: ${(err as { server?: string }).server}`);
    await sleep(50);
    expect(rec.calls.chunks.length + rec.calls.closes.length + rec.calls.drains === 0, 'a handler ran for a failed connect');
  });

  await check(report, 'a TLS handshake that never completes rejects with ConnectTimeoutError after connectTimeout', async () => {
    const rec = recorder();
    const started = Date.now();
    const err = await rejection(connect({ host: '127.0.0.1', port: env.silentPort, connectTimeout: 300, tls: true }, rec.handlers));
    const elapsed = Date.now() - started;
    expect((err as { code?: string }).code === 'ERR_CONNECT_TIMEOUT', `expected ERR_CONNECT_TIMEOUT, got ${describe(err)}`);
    expect(elapsed >= 250 && elapsed < 5000, `rejected after ${elapsed} ms, connectTimeout was 300`);
    await sleep(50);
    expect(rec.calls.chunks.length + rec.calls.closes.length + rec.calls.drains === 0, 'a handler ran for a failed connect');
  });

  await check(report, 'write() returns false on a stalled peer, onDrain follows, every byte is sent', async () => {
    const rec = recorder();
    const t = await connect({ host: '127.0.0.1', port: env.stallPort, connectTimeout: 3000 }, rec.handlers);
    // Chunks below the high-water mark, yielding between writes so the runtime can flush: only the
    // peer's full buffers may make write() return false.
    const chunk = new Uint8Array(32 * 1024).fill(120);
    let accepted = true;
    while (accepted && written < 128 * 1024 * 1024) {
      accepted = t.write(chunk);
      written += chunk.byteLength;
      if (accepted) await sleep(0);
    }
    expect(!accepted, `write() never returned false (${written} bytes)`);
    await until(() => rec.calls.drains > 0, 'onDrain', 15_000);
    t.write(new Uint8Array([10]));
    written += 1;
    t.end();
    await until(() => rec.calls.closes.length > 0, 'onClose after end()', 15_000);
    expect(rec.calls.closes[0] === undefined, `onClose got an error: ${describe(rec.calls.closes[0])}`);
  });

  const tls = env.tls;
  if (tls) {
    await check(report, 'TLS to a self-signed server without its CA rejects with ConnectError', async () => {
      const rec = recorder();
      const err = await rejection(connect({ host: '127.0.0.1', port: tls.port, connectTimeout: 3000, tls: true }, rec.handlers));
      expect((err as { code?: string }).code === 'ERR_CONNECT_FAILED', `expected ERR_CONNECT_FAILED, got ${describe(err)}`);
    });
  }
  if (tls && options.tlsCa) {
    await check(report, 'TLS to memcached -Z with the certificate as CA: version', async () => {
      const rec = recorder();
      const t = await connect({ host: '127.0.0.1', port: tls.port, connectTimeout: 3000, tls: { ca: tls.ca } }, rec.handlers);
      t.write(encoder.encode('version\r\n'));
      await until(() => /VERSION [^\r]+\r\n$/.test(rec.text()), 'VERSION over TLS');
      t.end();
      await until(() => rec.calls.closes.length > 0, 'onClose');
      expect(rec.calls.closes[0] === undefined, `onClose got an error: ${describe(rec.calls.closes[0])}`);
    });
  }
  if (tls && !options.tlsCa) {
    await check(report, 'TLS options the runtime cannot honour (a private CA) are refused with InvalidOptionError', async () => {
      const err = await rejection(connect({ host: '127.0.0.1', port: tls.port, connectTimeout: 3000, tls: { ca: tls.ca } }, recorder().handlers));
      expect((err as { code?: string }).code === 'ERR_INVALID_OPTION', `expected ERR_INVALID_OPTION, got ${describe(err)}`);
      expect((err as { option?: string }).option === 'tls', `wrong option on the error: ${(err as { option?: string }).option}`);
    });
  }
  return { report, written };
}

export interface MemcachedReport {
  /** The client's routing engine. */
  engine: string;
  set: unknown[];
  get: unknown;
  getMany: unknown;
  missing: unknown;
}

/** Turns whatever the client returns into plain JSON (strings for bytes, objects for maps, null for undefined). */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return decoder.decode(value);
  if (value instanceof Map) return Object.fromEntries(Array.from(value, ([k, v]) => [String(k), plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  return value === undefined ? null : value;
}

/** set / get / getMany against real memcached with the package's Client and the entry's default connector. */
export async function memcachedRoundTrip(pkg: Package, mc: { host: string; port: number }, prefix: string): Promise<MemcachedReport> {
  if (typeof pkg.Client !== 'function') throw new Error('the package entry exports no Client');
  const client = new pkg.Client({ servers: [`${mc.host}:${mc.port}`] });
  try {
    const set = [
      await client.set(`${prefix}a`, 'alpha'),
      await client.set(`${prefix}b`, 'beta ☃'),
      await client.set(`${prefix}c`, 'gamma'),
    ];
    const get = plain(await client.get(`${prefix}a`));
    const getMany = plain(await client.getMany([`${prefix}a`, `${prefix}b`, `${prefix}c`, `${prefix}missing`]));
    const missing = plain(await client.get(`${prefix}missing`));
    return { engine: await client.engine(), set, get, getMany, missing };
  } finally {
    await client.close();
  }
}

/** zlib-format bytes from the runtime's own CompressionStream (no node:zlib in Workers or browsers). */
async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A FastLZ level-1 block of 'abc' × 101 (a literal and two matches), as php-memcached stores it after its length. */
const FASTLZ_ABC = [2, 97, 98, 99, 224, 255, 2, 224, 27, 2];

export interface PhpReport {
  /** php-memcached: a zlib item, a FastLZ item, a serialized array. */
  memcached: unknown[];
  /** PECL memcache: a zlib string, a zlib + serialized array, an int. */
  memcache: unknown[];
}

/**
 * The PHP codecs in the runtime: items stored as PHP stores them (compressed with zlib and FastLZ)
 * read back through `codec: 'php-memcached'` / `'php-memcache'`.
 */
export async function phpValues(pkg: Package, mc: { host: string; port: number }, prefix: string): Promise<PhpReport> {
  const servers = [`${mc.host}:${mc.port}`];
  const text = 'zlib in every runtime '.repeat(200);
  const zlib = await deflate(encoder.encode(text));
  const length = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
  const pmd = new pkg.Client<unknown>({ servers, codec: 'php-memcached' });
  const pecl = new pkg.Client<unknown>({ servers, codec: 'php-memcache' });
  try {
    await pmd.set(`${prefix}pmd_zlib`, Uint8Array.from([...length(text.length), ...zlib]), { flags: 0x30 });
    await pmd.set(`${prefix}pmd_fastlz`, Uint8Array.from([...length(303), ...FASTLZ_ABC]), { flags: 0x50 });
    await pmd.set(`${prefix}pmd_array`, { list: [1, 2.5, true, null], text: 'é' });
    await pecl.set(`${prefix}pecl_zlib`, zlib, { flags: 2 });
    await pecl.set(`${prefix}pecl_array`, await deflate(encoder.encode('a:2:{i:0;s:1:"x";i:1;i:7;}')), { flags: 3 });
    await pecl.set(`${prefix}pecl_int`, 42);
    const read = (client: typeof pmd, names: string[]) => Promise.all(names.map((n) => client.get(`${prefix}${n}`)));
    const memcached = await read(pmd, ['pmd_zlib', 'pmd_fastlz', 'pmd_array']);
    const memcache = await read(pecl, ['pecl_zlib', 'pecl_array', 'pecl_int']);
    return {
      memcached: memcached.map((v, i) => (i < 2 ? (v === (i === 0 ? text : 'abc'.repeat(101)) ? 'decompressed' : v) : v)),
      memcache: memcache.map((v, i) => (i === 0 ? (v === text ? 'decompressed' : v) : v)),
    };
  } finally {
    await pmd.close();
    await pecl.close();
  }
}

/** What `defaultConnector()` does in a runtime without a registered transport (browsers). */
export function noConnectorError(defaultConnector: () => Connector): string {
  try {
    defaultConnector();
    return 'defaultConnector() returned a connector';
  } catch (err) {
    return `${(err as { code?: string }).code} ${(err as { option?: string }).option}`;
  }
}

/** What the Node side sends to a runtime. */
export interface RuntimeJob {
  jobs: RouteJob[];
  env: TransportEnv;
  /** Whether the runtime's TLS takes a private CA (Deno, Bun: yes; workerd: no). */
  tlsCa: boolean;
  /** Key prefix for the memcached round trip (unique per runtime). */
  prefix: string;
}

export interface RuntimeReport {
  routes: RouteResult[] | string;
  transport: CheckReport;
  written: number;
  memcached: MemcachedReport | string;
  php: PhpReport | string;
}

/** Everything, in order; each part reports its own failure. */
export async function runAll(pkg: Package, defaultConnector: () => Connector, job: RuntimeJob): Promise<RuntimeReport> {
  let routes: RouteResult[] | string;
  try {
    routes = await routeJobs(pkg, job.jobs);
  } catch (err) {
    routes = describe(err);
  }
  let connect: Connector;
  try {
    connect = defaultConnector();
  } catch (err) {
    return { routes, transport: { 'defaultConnector()': describe(err) }, written: 0, memcached: describe(err), php: describe(err) };
  }
  const { report, written } = await transportContract(connect, job.env, { tlsCa: job.tlsCa });
  let memcached: MemcachedReport | string;
  try {
    memcached = await memcachedRoundTrip(pkg, job.env.memcached, job.prefix);
  } catch (err) {
    memcached = describe(err);
  }
  let php: PhpReport | string;
  try {
    php = await phpValues(pkg, job.env.memcached, job.prefix);
  } catch (err) {
    php = describe(err);
  }
  return { routes, transport: report, written, memcached, php };
}
