/**
 * memcached's own `stats`, read on a fresh socket (not through the Client under test): the
 * demo counts flushes with `cmd_flush` as the server saw them, not as the client claims.
 */
import { connect } from 'node:net';
import { HOST } from './servers.js';

const STATS_TIMEOUT_MS = 3000;

/** `stats` of the memcached on `port`, as a map of name → value. */
export function serverStats(port: number): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no stats from ${HOST}:${port} within ${STATS_TIMEOUT_MS} ms`));
    }, STATS_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.endsWith('END\r\n')) return;
      clearTimeout(timer);
      socket.end();
      const stats = new Map<string, string>();
      for (const line of text.split('\r\n')) {
        const match = /^STAT (\S+) (.*)$/.exec(line);
        if (match) stats.set(match[1], match[2]);
      }
      resolve(stats);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // Closed before END: a no-op once resolved.
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`${HOST}:${port} closed the connection before the end of its stats`));
    });
    socket.write('stats\r\n');
  });
}

/** `cmd_flush` of the memcached on `port` (flush_all commands since it started). */
export async function flushCount(port: number): Promise<number> {
  return Number((await serverStats(port)).get('cmd_flush') ?? 0);
}
