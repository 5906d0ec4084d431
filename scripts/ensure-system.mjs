// Installs the Debian packages the test suite needs (memcached, PHP with both memcached extensions, …) when they are missing (as root, with apt-get),
// so that `npm test` passes on a fresh machine; otherwise says what to install and fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
// The PHP interop tests drive real PHP frontends through both PHP memcached extensions.
const phpHas = (extension) => has('php') && spawnSync('php', ['-r', `exit(extension_loaded('${extension}') ? 0 : 1);`], { stdio: 'ignore' }).status === 0;
const needed = [
  ['memcached', () => has('memcached')],
  ['libmemcached-tools', () => has('memcaslap')],
  ['openssl', () => has('openssl')],
  ['chromium', () => existsSync('/usr/bin/chromium')],
  ['php-cli', () => has('php')],
  ['php-memcache', () => phpHas('memcache')],
  ['php-memcached', () => phpHas('memcached')],
].filter(([, present]) => !present()).map(([pkg]) => pkg);

if (needed.length > 0) {
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    console.error(`missing system packages: ${needed.join(' ')}\ninstall them (Debian: sudo apt-get install -y ${needed.join(' ')}) and run again`);
    process.exit(1);
  }
  console.log(`installing with apt-get: ${needed.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...needed], { stdio: ['ignore', 'ignore', 'inherit'], env });
}
