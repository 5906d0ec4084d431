/**
 * memcached's own counters, read on a fresh socket (not through the Client under test): the
 * demo counts flushes with `cmd_flush` as the server saw them, not as the client claims.
 */
import { serverStats } from '../tools/raw-command.js';
import type { MemcachedServer } from './servers.js';

/**
 * `cmd_flush` of `server`'s current process: `flush_all` commands since it started (a restart
 * starts from 0 again).
 */
export async function flushCount(server: MemcachedServer): Promise<number> {
  return Number((await serverStats(server.host, server.port)).get('cmd_flush') ?? 0);
}
