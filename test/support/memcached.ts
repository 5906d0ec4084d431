/**
 * The tests' memcached processes. One implementation, in tools/, serves the tests, the demo and
 * the benches; every test imports it from here, so a test never reaches outside test/ for it.
 */
export { freePort } from '../../tools/loopback.js';
export { memcachedBinary } from '../../tools/memcached-binary.js';
export { MemcachedServer, startCluster, type MemcachedOptions } from '../../tools/memcached.js';
export { rawCommand, serverStats } from '../../tools/raw-command.js';
