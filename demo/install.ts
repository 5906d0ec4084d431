/**
 * The system packages the demo needs: memcached (required) and PHP with PECL memcache (for the
 * PHP frontend, optional). Found where they are; when missing, installed with Debian's apt-get
 * only where that can work (root, apt-get present) and is allowed (consent.ts: under CI, or a yes
 * at the terminal). Anywhere else the demo says what to install.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findMemcached, INSTALL_HINT } from '../tools/memcached-binary.js';
import { mayInstall } from './consent.js';

/** Thrown when memcached is missing and is not installed from here; its message says how. */
export class MemcachedMissingError extends Error {
  override readonly name = 'MemcachedMissingError';
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // stdout goes to stderr: the demo's stdout is its report, apt's chatter is progress.
    const child = spawn(command, args, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? code})`))));
  });
}

/** apt-get can install packages here: we are root and it exists. */
function canApt(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
}

let listsUpdated = false;

/**
 * `apt-get install -y packages`, after one `apt-get update` per run (a fresh image has no
 * package lists, and stale ones name files the mirror no longer has).
 */
async function aptInstall(packages: string[]): Promise<void> {
  if (!listsUpdated) {
    await run('apt-get', ['update']);
    listsUpdated = true;
  }
  await run('apt-get', ['install', '-y', ...packages]);
}

/**
 * The memcached binary, installing Debian's package first when it is missing, apt-get can run and
 * installing is allowed (under CI, or a yes at the terminal).
 * @param log - where progress lines go
 * @throws MemcachedMissingError when it is missing and was not installed; the message says how to
 */
export async function ensureMemcached(log: (line: string) => void): Promise<string> {
  const found = findMemcached();
  if (found) return found;
  if (process.env.MEMCACHED_BIN) throw new MemcachedMissingError(`MEMCACHED_BIN=${process.env.MEMCACHED_BIN} does not exist`);
  const hint = `memcached is not installed. Install it, then run the demo again:\n  ${INSTALL_HINT.split('; ').join('\n  ')}`;
  if (!canApt() || !(await mayInstall('memcached', 'apt-get update && apt-get install -y memcached', log))) throw new MemcachedMissingError(hint);
  log('installing Debian\'s memcached package…');
  try {
    await aptInstall(['memcached']);
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
 * php-memcache first when they are missing, apt-get can run and installing is allowed.
 * @param log - where progress lines go
 * @returns undefined when ready, else why the PHP frontend sits this run out (and what to install)
 */
export async function ensurePhp(log: (line: string) => void): Promise<string | undefined> {
  if (await phpReady()) return undefined;
  const missing = 'PHP with PECL memcache is not installed (Debian: sudo apt-get install -y php-cli php-memcache)';
  if (!canApt() || !(await mayInstall('PHP with PECL memcache', 'apt-get install -y php-cli php-memcache', log))) return missing;
  log('installing Debian\'s php-cli and php-memcache…');
  try {
    await aptInstall(['php-cli', 'php-memcache']);
  } catch (err) {
    return `installing php-cli php-memcache failed: ${(err as Error).message}`;
  }
  return (await phpReady()) ? undefined : 'php-memcache was installed but PHP does not load it';
}
