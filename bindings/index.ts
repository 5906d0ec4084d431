/**
 * failback: a memcached client whose routing is byte-exact with PHP's PECL memcache, Perl's
 * Cache::Memcached and libmemcached, with offline buckets and one-frontend failback.
 *
 * Import it from the package (`import { createRouter } from 'failback'`): the runtime's entry
 * registers the WASM core and re-exports this module.
 */
export { createRouter, Router, type RouteKey } from './routing/router.js';
export type { RouterOptions, DistributionName, PlacementName, CompatName, HashName, LibhashkitHashName, TwemproxyHashName, FailoverName, KeyTypeName, EngineName } from './routing/options.js';
export type { ServerSpec, ServerAddress } from './servers.js';
export * from './errors.js';
export { Client, FailbackClient, type ClientConstructor, type ClientEvents, type ReconnectCallback, type FailureCallback, type StoreOptions, type CommandOptions, type ConnectReport } from './client/client.js';
export type { FetchOptions, InvalidateOptions, Loader, StaleInfo, StaleReason } from './client/read-through.js';
export type { ClientOptions, FailoverPolicy, FlushPolicy, FailbackOptions } from './options.js';
export { utf8Codec, bytesCodec, jsonCodec, FLAG_JSON, type Codec, type CodecOption } from './codec/codec.js';
export { phpMemcacheCodec, type PhpCodecOptions } from './codec/php-memcache.js';
export { phpMemcachedCodec } from './codec/php-memcached.js';
export { PHP_CLASS } from './codec/php-serialize.js';
export { CHANNELS, type CommandMessage, type HealthMessage } from './client/diagnostics.js';
export type { ServerInfo, ServerState, ServerStatus, ServerCounters } from './health/server-health.js';
export type { ServerIdentity } from './health/identity.js';
export type { RepairOutcome } from './pool/recovery.js';
export type { FailbackOutcome } from './health/failback-lock.js';
export type { Clock } from './clock.js';
export type { Connector, Transport, TransportHandlers, ConnectOptions } from './transport/transport.js';
