import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { COMPAT_NAMES, type CompatName, type DistributionName, type EngineName, type HashName, type KeyTypeName, type RouterOptions } from '../routing/options.js';
import { createRouter, type Router } from '../routing/router.js';
import type { ServerSpec } from '../servers.js';
import { parseCommand, serverIndexes, serverSpecs } from './args.js';
import { EXIT, type Command, type Io } from './command.js';
import { formatShares, ShareCounter } from './shares.js';

export const ROUTE_USAGE = `usage: failback route --servers host:port[:weight][ name],... [--compat CLIENT/STRATEGY | --distribution consistent|standard|buckets|ketama|modula]
                      [--hash NAME] [--points N] [--namespace NS] [--key-type str|bytes] [--down i|host:port,...]
                      [--failover offline|redistribute] [--engine wasm|js] [--summary] [--json] [KEY...]
Prints each key and the server it lives on ("key<TAB>host:port"; "-" when it routes nowhere).
--summary: instead, a table of how many keys (and which share) each server gets.
--json: one JSON document, {"keys":[{"key","server"}...],"summary":{...}} (server null: nowhere); with --summary, the summary only.
--down: servers to mark down, by index (0 is the first of --servers) or host:port; their keys go where --failover sends them
        (redistribute unless --failover is given).
--compat places keys as that client does: ${COMPAT_NAMES.join(', ')}.
--hash: crc32|fnv (consistent, standard); a libhashkit name for modula (one_at_a_time, md5, crc, fnv1a_64, ...); that client's names with --compat.
--points: Cache::Memcached::Fast's ketama_points (with --compat perl-cache-memcached-fast/ketama).
--namespace: Dalli's namespace (with --compat dalli/ring). --key-type bytes: keys as pymemcache gets Python bytes (with --compat pymemcache/rendezvous).
A server's own name follows its address after a space ("127.0.0.1:11211:1 server1"): twemproxy's server names, spymemcached's
ketama node names (what the JVM formed, e.g. "10.0.0.1:11211 cache-1:11211" for --compat spymemcached/ketama-libmemcached).
Keys come from the arguments (after -- when one starts with "-"), or from standard input, one per line, when none are given.`;

/** Keys routed per crossing into the core when reading standard input. */
const BATCH = 4096;

/**
 * The routing flags, as `route` and `moves` take them: a flag added here (with its line in
 * {@link routerOptions}) reaches both commands.
 */
export const ROUTING_FLAGS = {
  servers: { type: 'string' },
  compat: { type: 'string' },
  distribution: { type: 'string' },
  hash: { type: 'string' },
  points: { type: 'string' },
  namespace: { type: 'string' },
  'key-type': { type: 'string' },
  engine: { type: 'string' },
} as const;

/** The values parseArgs gives for {@link ROUTING_FLAGS}. */
export type RoutingFlagValues = { [K in keyof typeof ROUTING_FLAGS]?: string };

/** Router options from the routing flags, for `servers` (createRouter validates them and names a bad one). */
export function routerOptions(values: RoutingFlagValues, servers: ServerSpec[]): RouterOptions {
  return {
    servers,
    compat: values.compat as CompatName | undefined,
    distribution: values.distribution as DistributionName | undefined,
    hash: values.hash as HashName | undefined,
    points: values.points === undefined ? undefined : Number(values.points),
    namespace: values.namespace,
    keyType: values['key-type'] as KeyTypeName | undefined,
    engine: values.engine as EngineName | undefined,
  };
}

/** Where routed keys go: key lines, a JSON document, or only the share summary. */
interface Sink {
  /** One batch of keys and their `routeMany` answers. */
  add(keys: readonly string[], owners: Int32Array): void;
  /** After the last batch. */
  end(): void;
}

function lineSink(out: Writable, router: Router): Sink {
  return {
    add(keys, owners) {
      let text = '';
      for (let i = 0; i < keys.length; i++) {
        const index = owners[i];
        text += `${keys[i]}\t${index < 0 ? '-' : router.servers[index].name}\n`;
      }
      out.write(text);
    },
    end() {},
  };
}

/** The share summary (text or JSON) at the end; with `withKeys`, the JSON document streams every key first. */
function summarySink(out: Writable, router: Router, json: boolean, withKeys: boolean): Sink {
  const counter = new ShareCounter(router);
  let first = true;
  if (withKeys) out.write('{"keys":[');
  return {
    add(keys, owners) {
      counter.add(owners);
      if (!withKeys) return;
      let text = '';
      for (let i = 0; i < keys.length; i++) {
        text += `${first ? '' : ','}{"key":${JSON.stringify(keys[i])},"server":${owners[i] < 0 ? 'null' : JSON.stringify(router.servers[owners[i]].name)}}`;
        first = false;
      }
      out.write(text);
    },
    end() {
      const summary = JSON.stringify(counter.summary());
      if (withKeys) out.write(`],"summary":${summary}}\n`);
      else out.write(json ? `{"summary":${summary}}\n` : formatShares(counter.summary()));
    },
  };
}

/** `failback route …`: answers "where does this key live in our cluster" from a terminal. */
export async function runRoute(argv: string[], { stdin, stdout }: Io): Promise<number> {
  const { values, positionals } = parseCommand({
    args: argv,
    allowPositionals: true,
    options: {
      ...ROUTING_FLAGS,
      failover: { type: 'string' },
      down: { type: 'string' },
      summary: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const router = await createRouter({
    ...routerOptions(values, serverSpecs(values.servers)),
    failover: (values.failover ?? (values.down ? 'redistribute' : undefined)) as 'offline' | 'redistribute' | undefined,
  });
  for (const index of serverIndexes('--down', values.down, router.servers)) router.setDown(index, true);
  const sink = values.summary || values.json ? summarySink(stdout, router, values.json === true, !values.summary) : lineSink(stdout, router);
  if (positionals.length > 0) {
    sink.add(positionals, router.routeMany(positionals));
  } else {
    let batch: string[] = [];
    for await (const line of createInterface({ input: stdin, crlfDelay: Infinity })) {
      batch.push(line);
      if (batch.length === BATCH) {
        sink.add(batch, router.routeMany(batch));
        batch = [];
      }
    }
    if (batch.length > 0) sink.add(batch, router.routeMany(batch));
  }
  sink.end();
  return EXIT.ok;
}

/** The `route` command. */
export const route: Command = {
  summary: 'where keys live: each key\'s server, or how a key list spreads over the servers',
  usage: ROUTE_USAGE,
  run: runRoute,
};
