/**
 * The Cloudflare Worker run by test/runtime-workerd-failback.test.ts in workerd (Miniflare API):
 * failback Clients kept in module scope, so that their health state lives as long as the isolate
 * and every request after the first reuses them. The test transpiles this file and serves the
 * package's dist/ build (the `../../bindings/` specifiers are rewritten to `../../dist/`).
 *
 * Every request is a JSON command (`op`) on a named client; the answer is JSON too. At the end of
 * every request, while some server of that client is down, the request hands the "all up again"
 * promise to `ctx.waitUntil`: in Workers, the timers of a request (failback's probe among them)
 * stop when it ends, so the request that saw the failure must outlive it until the failback.
 * A command with `waitUntil: false` skips this, and loses its timers when it ends.
 */
import { Client, type ClientOptions, type ServerInfo } from '../../bindings/entry/workerd.js';
import { connectCloudflare } from '../../bindings/transport/cloudflare.js';
import type { Transport } from '../../bindings/transport/transport.js';

/** The part of the Workers ExecutionContext used here. */
interface Context {
  waitUntil(promise: Promise<unknown>): void;
}

interface Tracked {
  mc: Client;
  /** down / recovering / failback <role> <flushed> / up / error, with the server's port. */
  events: string[];
  /**
   * Set while a server is down: resolves once every server is up again. Made by a request that
   * waits for it (a promise made by a request that already ended could not be settled safely).
   */
  recovering: Promise<void> | undefined;
  allUp: (() => void) | undefined;
}

/** Module scope: one per isolate. */
const clients = new Map<string, Tracked>();

function create(name: string, options: ClientOptions): Tracked {
  const mc = new Client(options);
  const tracked: Tracked = { mc, events: [], recovering: undefined, allUp: undefined };
  mc.on('down', (s, error) => tracked.events.push(`down ${s.port} ${(error as { code?: string }).code ?? error.name}`));
  mc.on('recovering', (s) => tracked.events.push(`recovering ${s.port}`));
  mc.on('failback', (s, outcome) => tracked.events.push(`failback ${s.port} ${outcome.role} ${outcome.flushed.join(',')}`));
  mc.on('up', (s) => {
    tracked.events.push(`up ${s.port}`);
    if (mc.servers().every((server) => server.status === 'up')) {
      const allUp = tracked.allUp;
      tracked.recovering = tracked.allUp = undefined;
      allUp?.();
    }
  });
  mc.on('error', (error) => tracked.events.push(`error ${error.message}`));
  clients.set(name, tracked);
  return tracked;
}

/** Plain JSON for `client.servers()`. */
function servers(mc: Client): { port: number; status: ServerInfo['status']; counters: ServerInfo['counters'] }[] {
  return mc.servers().map((s) => ({ port: s.port, status: s.status, counters: s.counters }));
}

function describe(err: unknown): string {
  return err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
}

/** One key's outcome: its value, null for a miss, or `ERR <code>: <message>`. */
type Got = { key: string; value: string | null; ms: number };

async function gets(mc: Client, keys: string[]): Promise<Got[]> {
  const out: Got[] = [];
  for (const key of keys) {
    const started = Date.now();
    let value: string | null;
    try {
      value = (await mc.get(key)) ?? null;
    } catch (err) {
      value = `ERR ${describe(err)}`;
    }
    out.push({ key, value, ms: Date.now() - started });
  }
  return out;
}

/** A transport kept across requests (the Connector contract, without a Client). */
const transports = new Map<string, { transport: Transport; data: string; closes: (string | null)[] }>();

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/**
 * `waitUntil: false`: this request hands nothing to `ctx.waitUntil`, so the timers it arms (a
 * probe among them) die when it ends, as in a Worker that does not keep requests alive.
 */
export type Command =
  | { op: 'create'; name: string; options: ClientOptions }
  | { op: 'get'; name: string; keys: string[]; waitUntil?: boolean }
  | { op: 'getMany'; name: string; keys: string[] }
  | { op: 'set'; name: string; entries: [string, string][] }
  | { op: 'state'; name: string; waitUntil?: boolean }
  | { op: 'close'; name: string }
  | { op: 'open'; name: string; host: string; port: number; first?: { text: string; expect: string } }
  | { op: 'send'; name: string; text: string; expect: string };

async function run(command: Command, ctx: Context): Promise<unknown> {
  if (command.op === 'create') {
    create(command.name, command.options);
    return { created: command.name };
  }
  if (command.op === 'open') {
    const entry = { transport: undefined as unknown as Transport, data: '', closes: [] as (string | null)[] };
    const decoder = new TextDecoder();
    entry.transport = await connectCloudflare({ host: command.host, port: command.port, connectTimeout: 1000 }, {
      onData: (chunk) => (entry.data += decoder.decode(chunk)),
      onClose: (error) => entry.closes.push(error ? error.message : null),
      onDrain: () => {},
    });
    transports.set(command.name, entry);
    if (!command.first) return { opened: command.name };
    const { text, expect } = command.first;
    entry.transport.write(new TextEncoder().encode(text));
    const answered = await until(() => entry.data.includes(expect), 300);
    return { opened: command.name, answered, data: entry.data };
  }
  if (command.op === 'send') {
    const entry = transports.get(command.name);
    if (!entry) throw new Error(`no transport ${command.name}`);
    const from = entry.data.length;
    const accepted = entry.transport.write(new TextEncoder().encode(command.text));
    const answered = await until(() => entry.data.slice(from).includes(command.expect) || entry.closes.length > 0, 1500);
    return { accepted, answered, data: entry.data.slice(from), closes: entry.closes };
  }
  const tracked = clients.get(command.name);
  if (!tracked) throw new Error(`no client ${command.name}`);
  const { mc } = tracked;
  try {
    const started = Date.now();
    let result: unknown;
    if (command.op === 'get') result = await gets(mc, command.keys);
    else if (command.op === 'getMany') result = Object.fromEntries(await mc.getMany(command.keys));
    else if (command.op === 'set') result = await Promise.all(command.entries.map(([k, v]) => mc.set(k, v).catch(describe)));
    else if (command.op === 'close') result = await mc.close();
    return { result: result ?? null, ms: Date.now() - started, events: tracked.events, servers: servers(mc) };
  } finally {
    // Keep the request that saw a server go down (and owns its probe timer) alive until failback.
    const keep = !('waitUntil' in command && command.waitUntil === false);
    if (keep && mc.servers().some((s) => s.status !== 'up')) {
      tracked.recovering ??= new Promise<void>((resolve) => (tracked.allUp = resolve));
      ctx.waitUntil(tracked.recovering);
    }
  }
}

export default {
  async fetch(request: Request, _env: unknown, ctx: Context): Promise<Response> {
    try {
      return Response.json(await run((await request.json()) as Command, ctx));
    } catch (err) {
      return new Response(describe(err), { status: 500 });
    }
  },
};
