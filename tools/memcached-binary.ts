/**
 * Where the memcached binary is. Looked up, never guessed into existence: a missing memcached is a
 * loud failure with what to install, never a silent skip of the tests or the demo.
 */
import { existsSync } from 'node:fs';

/** Where Debian, a source build and Homebrew put it. */
const CANDIDATES = ['/usr/bin/memcached', '/usr/local/bin/memcached', '/usr/sbin/memcached', '/opt/homebrew/bin/memcached'];

/** What to do when there is none, for error messages. */
export const INSTALL_HINT = 'Debian/Ubuntu: sudo apt-get install -y memcached; macOS: brew install memcached; or point MEMCACHED_BIN at a memcached binary';

/**
 * The memcached binary: `$MEMCACHED_BIN` when set, else the first of the usual install locations.
 * @returns its path, or undefined when there is none (or `$MEMCACHED_BIN` names a missing file)
 */
export function findMemcached(): string | undefined {
  const fromEnv = process.env.MEMCACHED_BIN;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * The memcached binary, for callers that cannot go on without one.
 * @throws Error that says what to install when {@link findMemcached} finds none
 */
export function memcachedBinary(): string {
  const found = findMemcached();
  if (found !== undefined) return found;
  if (process.env.MEMCACHED_BIN) throw new Error(`MEMCACHED_BIN=${process.env.MEMCACHED_BIN} does not exist`);
  throw new Error(`memcached is not installed (${INSTALL_HINT}; npm test and CI install it: scripts/ensure-system.mjs)`);
}
