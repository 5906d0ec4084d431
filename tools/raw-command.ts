/**
 * memcached's text protocol spoken by hand on a fresh socket, not through the Client: what a test
 * or the demo reads this way (a `stats` counter, a raw reply) is what the server says, not what
 * the client under test believes.
 */
import { connect } from 'node:net';

/** How long a reply may take before the command fails. */
const REPLY_TIMEOUT_MS = 5000;

/** The end of one reply of the usual commands (`get`, `set`, `delete`, `version`, `stats` …). */
const ANY_REPLY_END = /(?:END|OK|STORED|DELETED|NOT_FOUND|ERROR[^\r]*|VERSION [^\r]*)\r\n$/;

/**
 * Sends raw text to a server on a fresh socket and resolves with everything it answered once the
 * answer ends with `until`.
 * @param text - the command(s), with their `\r\n`
 * @param until - what the last line of the whole answer matches; the usual replies' ends by default
 * @throws Error when no full answer came within 5 s, or the server closed the socket first
 */
export async function rawCommand(host: string, port: number, text: string, until = ANY_REPLY_END): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no full reply to ${JSON.stringify(text)} from ${host}:${port}: ${buf}`)); }, REPLY_TIMEOUT_MS);
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

/**
 * memcached's `stats` (for `cmd_flush`, `curr_items`, `pid` …), read on a fresh socket.
 * @returns each statistic's name mapped to its value, as the server wrote it
 */
export async function serverStats(host: string, port: number): Promise<Map<string, string>> {
  const text = await rawCommand(host, port, 'stats\r\n', /END\r\n$/);
  const stats = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m) stats.set(m[1], m[2]);
  }
  return stats;
}
