/**
 * Finds the memcached binary, or installs Debian's package when the demo runs as root on a
 * machine that has apt-get. Anything else gets instructions and a clean exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/memcached', '/usr/local/bin/memcached', '/usr/sbin/memcached', '/opt/homebrew/bin/memcached'];

/** Thrown when memcached is missing and cannot be installed from here; its message says how. */
export class MemcachedMissingError extends Error {
  override readonly name = 'MemcachedMissingError';
}

/** The memcached binary: `$MEMCACHED_BIN`, else the usual install locations. */
export function findMemcached(): string | undefined {
  const fromEnv = process.env.MEMCACHED_BIN;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // stdout goes to stderr: the demo's stdout is its report, apt's chatter is progress.
    const child = spawn(command, args, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? code})`))));
  });
}

/**
 * The memcached binary, installing it first when it is missing, we are root and apt-get exists.
 * @param log - where progress lines go
 * @throws MemcachedMissingError when it is missing and cannot be installed from here
 */
export async function ensureMemcached(log: (line: string) => void): Promise<string> {
  const found = findMemcached();
  if (found) return found;
  if (process.env.MEMCACHED_BIN) throw new MemcachedMissingError(`MEMCACHED_BIN=${process.env.MEMCACHED_BIN} does not exist`);
  const hint = 'memcached is not installed. Install it, then run the demo again:\n' +
    '  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y memcached\n' +
    '  macOS:         brew install memcached\n' +
    '  or point MEMCACHED_BIN at a memcached binary';
  const root = process.getuid?.() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) throw new MemcachedMissingError(hint);
  log('memcached is missing; installing Debian\'s package (apt-get update && apt-get install -y memcached)…');
  try {
    await run('apt-get', ['update']);
    await run('apt-get', ['install', '-y', 'memcached']);
  } catch (err) {
    throw new MemcachedMissingError(`installing memcached failed: ${(err as Error).message}\n${hint}`);
  }
  const installed = findMemcached();
  if (!installed) throw new MemcachedMissingError(`apt-get installed memcached but no binary was found\n${hint}`);
  // The package's init script may have started a system memcached: not ours, so left alone.
  log(`installed ${installed}. (Debian's package may also run its own memcached service on port 11211; the demo neither uses nor stops it.)`);
  return installed;
}

const phpReady = (): Promise<boolean> =>
  new Promise((resolve) => {
    const child = spawn('php', ['-r', "exit(extension_loaded('memcache') ? 0 : 1);"], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });

/**
 * Whether PHP with PECL memcache can run the demo's PHP frontend, installing Debian's php-cli and
 * php-memcache first when they are missing, we are root and apt-get exists.
 * @returns undefined when ready, else why the PHP frontend sits this run out
 */
export async function ensurePhp(log: (line: string) => void): Promise<string | undefined> {
  if (await phpReady()) return undefined;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return 'PHP with PECL memcache is not installed (Debian: apt-get install php-cli php-memcache)';
  log('PHP with PECL memcache is missing; installing Debian\'s php-cli and php-memcache…');
  try {
    await run('apt-get', ['install', '-y', 'php-cli', 'php-memcache']);
  } catch (err) {
    return `installing php-cli php-memcache failed: ${(err as Error).message}`;
  }
  return (await phpReady()) ? undefined : 'php-memcache was installed but PHP does not load it';
}
