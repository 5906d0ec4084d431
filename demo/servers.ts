/**
 * The demo's memcached servers: the processes of the shared helper (tools/memcached.ts, also
 * behind the tests and the benches), sized so that five servers and three frontends share two
 * cores, and each pid recorded so the demo lists and stops every process it started.
 */
import { MemcachedServer } from '../tools/memcached.js';
import { track } from './children.js';

export type { MemcachedServer };

/**
 * Starts one demo server on a free loopback port (SIGKILL and `restart()` on the same port make
 * the outages); resolves once it accepts connections.
 * @param binary - the memcached binary (see install.ts)
 */
export function startServer(binary: string): Promise<MemcachedServer> {
  // One worker thread and 32 MB each: the demo's data is a few hundred KB, the machine may be small.
  return MemcachedServer.start({ binary, memoryMb: 32, threads: 1, maxConnections: 1024, onSpawn: track });
}
