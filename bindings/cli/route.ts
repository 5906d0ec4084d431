import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { InvalidOptionError } from '../errors.js';
import { COMPAT_NAMES, type CompatName, type DistributionName, type EngineName, type HashName } from '../routing/options.js';
import { createRouter, type Router } from '../routing/router.js';

export const ROUTE_USAGE = `usage: failback route --servers host:port[:weight],... [--compat CLIENT/STRATEGY | --distribution consistent|standard|buckets|ketama|modula]
                      [--hash NAME] [--points N] [--down i,j,...] [--failover offline|redistribute] [--engine wasm|js] [KEY...]
Prints each key and the server it lives on ("key<TAB>host:port"; "-" when it routes nowhere).
--compat places keys as that client does: ${COMPAT_NAMES.join(', ')}.
--hash: crc32|fnv (consistent, standard); a libhashkit name for modula (one_at_a_time, md5, crc, fnv1a_64, ...); that client's names with --compat.
--points: Cache::Memcached::Fast's ketama_points (with --compat perl-cache-memcached-fast/ketama).
Keys come from the arguments (after -- when one starts with "-"), or from standard input, one per line, when none are given.`;

/** Keys routed per crossing into the core when reading standard input. */
const BATCH = 4096;

function write(out: Writable, router: Router, keys: string[]): void {
  const owners = router.routeMany(keys);
  let text = '';
  for (let i = 0; i < keys.length; i++) {
    const index = owners[i];
    text += `${keys[i]}\t${index < 0 ? '-' : router.servers[index].name}\n`;
  }
  out.write(text);
}

/** `failback route …`: answers "where does this key live in our cluster" from a terminal. */
export async function runRoute(argv: string[], input: Readable, out: Writable): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      servers: { type: 'string' },
      compat: { type: 'string' },
      distribution: { type: 'string' },
      hash: { type: 'string' },
      points: { type: 'string' },
      failover: { type: 'string' },
      down: { type: 'string' },
      engine: { type: 'string' },
    },
  });
  if (!values.servers) throw new InvalidOptionError('--servers', 'is required, e.g. --servers 10.0.0.1:11211,10.0.0.2:11211:2');
  const router = await createRouter({
    servers: values.servers.split(',').filter(Boolean),
    compat: values.compat as CompatName | undefined,
    distribution: values.distribution as DistributionName | undefined,
    hash: values.hash as HashName | undefined,
    points: values.points === undefined ? undefined : Number(values.points),
    failover: (values.failover ?? (values.down ? 'redistribute' : undefined)) as 'offline' | 'redistribute' | undefined,
    engine: values.engine as EngineName | undefined,
  });
  for (const index of (values.down ?? '').split(',').filter(Boolean)) router.setDown(Number(index), true);
  if (positionals.length > 0) {
    write(out, router, positionals);
    return;
  }
  let batch: string[] = [];
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    batch.push(line);
    if (batch.length === BATCH) {
      write(out, router, batch);
      batch = [];
    }
  }
  if (batch.length > 0) write(out, router, batch);
}
