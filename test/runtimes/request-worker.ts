/**
 * A Cloudflare Worker written the way the README tells users to, run by
 * test/runtime-workerd-requests.test.ts in workerd (Miniflare API) against dist/:
 *
 * - one module-scope `const mc = new Client({...})`: its health state (up/down, identities,
 *   failbacks) lives as long as the isolate and is shared by every request;
 * - `export default { fetch(request, env, ctx) }` running every command through `mc.forRequest(ctx)`:
 *   each request's own connections, closed (and failback run) under that request's `waitUntil`
 *   by the library. This code calls `ctx.waitUntil` nowhere itself;
 * - `wrapped`, the same read-through as `export default mc.wrap({ fetch })` would serve it, with
 *   plain `mc.get()` / `mc.set()` inside (AsyncLocalStorage: needs `compatibilityFlags: ['nodejs_compat']`).
 *   The test's entry module for it is `export { wrapped as default } from './request-worker.js'`.
 *
 * The cluster comes from the `MEMCACHED` text binding, read at module scope through
 * `cloudflare:workers` (JSON: `{ servers, options }`), so that each test can point one isolate at
 * its own memcached processes. The test rewrites the `../../bindings/` specifiers to `../../dist/`.
 *
 * Routes (all GET, JSON answers):
 * - `/read?key=K[&key=K2…][&load=ms]`: read-through: `get`; on a miss "load" the value (computed
 *   from the key, after `load` ms) and `set` it. `{ results: [{ key, hit, value }], ms }`; a command
 *   that throws answers 500 with `{ error: { code, name, message }, key, ms }`.
 * - `/unbound?key=K&n=N&ms=M`: the misuse: the module-scope client itself, without forRequest,
 *   `n` gets at a time for `ms` ms. `{ gets, errors: [{ code, message }] }`.
 * - `/tls`: `new Client({ servers, tls: { ca } })`: what the constructor throws.
 * - `/stats`: `mc.servers()` (status and counters) and the client's events.
 */
// @ts-ignore -- workerd's built-in module (typed by @cloudflare/workers-types, which is not a dependency here)
import { env } from 'cloudflare:workers';
import { Client, type ClientOptions } from '../../bindings/entry/workerd.js';

/** The part of the Workers ExecutionContext a handler receives. */
interface Context {
  waitUntil(promise: Promise<unknown>): void;
}

export interface WorkerConfig {
  servers: string[];
  options?: Omit<ClientOptions, 'servers'>;
}

const config = JSON.parse((env as { MEMCACHED: string }).MEMCACHED) as WorkerConfig;

/** Module scope: one Client per isolate, as the README shows. */
const mc = new Client({ servers: config.servers, ...config.options });

/** down / recovering / failback / up / error, with the server's port and ms since the isolate started. */
const events: string[] = [];
const born = Date.now();
const stamp = () => Date.now() - born;
mc.on('down', (s, error) => events.push(`${stamp()} down ${s.port} ${(error as { code?: string }).code ?? error.name}`));
mc.on('recovering', (s) => events.push(`${stamp()} recovering ${s.port}`));
mc.on('failback', (s, o) => events.push(`${stamp()} failback ${s.port} ${o.role} flushed=${o.flushed.join(',')} deleted=${o.deleted} restarted=${o.restarted}`));
mc.on('up', (s) => events.push(`${stamp()} up ${s.port}`));
mc.on('error', (error) => events.push(`${stamp()} error ${(error as { code?: string }).code ?? error.name} ${error.message}`));

/** What the origin would return for `key`: computed, so a hit can be checked against it. */
export function load(key: string): string {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return `v:${key}:${(h >>> 0).toString(16)}`;
}

function errorOf(err: unknown): { code: string; name: string; message: string } {
  if (err instanceof Error) return { code: (err as { code?: string }).code ?? '', name: err.name, message: err.message };
  return { code: '', name: typeof err, message: String(err) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<boolean>;
}

/** The read-through: get; on a miss load and set. Throws what the client throws, with the key. */
async function readThrough(cache: Cache, keys: string[], loadMs: number): Promise<{ key: string; hit: boolean; value: string }[]> {
  const results: { key: string; hit: boolean; value: string }[] = [];
  for (const key of keys) {
    try {
      const cached = await cache.get(key);
      if (cached !== undefined) {
        results.push({ key, hit: true, value: cached });
        continue;
      }
      if (loadMs > 0) await sleep(loadMs);
      const value = load(key);
      await cache.set(key, value);
      results.push({ key, hit: false, value });
    } catch (err) {
      throw Object.assign(new Error('read-through failed'), { failed: key, cause: err });
    }
  }
  return results;
}

async function read(cache: Cache, url: URL): Promise<Response> {
  const started = Date.now();
  const keys = url.searchParams.getAll('key');
  try {
    const results = await readThrough(cache, keys, Number(url.searchParams.get('load') ?? 0));
    return Response.json({ results, ms: Date.now() - started });
  } catch (err) {
    const { failed, cause } = err as { failed?: string; cause?: unknown };
    return Response.json({ error: errorOf(cause ?? err), key: failed, ms: Date.now() - started }, { status: 500 });
  }
}

/** The misuse: the module-scope client, not bound to this request. */
async function unbound(url: URL): Promise<Response> {
  const key = url.searchParams.get('key') ?? 'unbound';
  const n = Number(url.searchParams.get('n') ?? 20);
  const until = Date.now() + Number(url.searchParams.get('ms') ?? 300);
  const errors: { code: string; message: string }[] = [];
  let gets = 0;
  // Bounded in count too: Date.now() only moves with I/O in workerd.
  for (let round = 0; round < 1000 && Date.now() < until; round++) {
    const outcomes = await Promise.allSettled(Array.from({ length: n }, () => mc.get(key)));
    gets += n;
    for (const o of outcomes) if (o.status === 'rejected') errors.push(errorOf(o.reason));
    if (errors.length > 0) break;
    await sleep(1);
  }
  return Response.json({ gets, errors });
}

function tls(): Response {
  try {
    new Client({ servers: config.servers, tls: { ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } });
    return Response.json({ constructed: true });
  } catch (err) {
    return Response.json({ constructed: false, error: { ...errorOf(err), option: (err as { option?: string }).option, isInvalidOption: err instanceof Error && err.name === 'InvalidOptionError' } });
  }
}

function stats(): Response {
  return Response.json({ servers: mc.servers().map((s) => ({ port: s.port, status: s.status, counters: s.counters })), events });
}

export default {
  async fetch(request: Request, _env: unknown, ctx: Context): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/read') return read(mc.forRequest(ctx), url);
    if (url.pathname === '/unbound') return unbound(url);
    if (url.pathname === '/tls') return tls();
    if (url.pathname === '/stats') return stats();
    return new Response(`no route ${url.pathname}`, { status: 404 });
  },
};

/** As `export default mc.wrap({ fetch })`: plain `mc.get()` / `mc.set()` find their request. */
export const wrapped = mc.wrap({
  async fetch(request: Request, _env: unknown, _ctx: Context): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/read') return read(mc, url);
    if (url.pathname === '/stats') return stats();
    return new Response(`no route ${url.pathname}`, { status: 404 });
  },
});
