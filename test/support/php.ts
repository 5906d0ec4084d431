// Runs test/php/driver.php: a real PHP frontend with PECL memcache or php-memcached.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DRIVER = fileURLToPath(new URL('../php/driver.php', import.meta.url));

/** `memcache` (PECL), `memcached` (php-memcached, FastLZ) or `memcached:zlib`. */
export type PhpExtension = 'memcache' | 'memcached' | 'memcached:zlib';

function php(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('php', [DRIVER, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`php ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

/** PHP stores its catalogue of values under `prefix` + name; returns the names. */
export async function phpWriteCatalogue(ext: PhpExtension, port: number, prefix: string): Promise<string[]> {
  return (await php([ext, String(port), 'catalogue', prefix], '')).trim().split('\n');
}

/** What PHP read for each key: its own serialize() of the value, 'MISS', or 'FAIL …'; it also stores each under key + '_php'. */
export async function phpEcho(ext: PhpExtension, port: number, keys: string[]): Promise<(Uint8Array | string)[]> {
  const lines = (await php([ext, String(port), 'echo'], keys.join('\n') + '\n')).trim().split('\n');
  return lines.map((line) => (line === 'MISS' || line.startsWith('FAIL') ? line : new Uint8Array(Buffer.from(line, 'base64'))));
}
