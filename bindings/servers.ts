import { describe } from './describe.js';
import { InvalidOptionError } from './errors.js';

/**
 * A server as `'host:port'`, `'host:port:weight'`, `'[::1]:port'`, an object, or a
 * {@link ServerAddress} passed back in. An object's `name` is the name the cluster's client gives
 * the server itself, where it does: twemproxy's server name (`- 127.0.0.1:11211:1 server1`),
 * spymemcached's ketama node name (what its JVM formed, e.g. `localhost:21211`). Clients that
 * place servers by `host:port` take no other name.
 */
export type ServerSpec = string | { host: string; port?: number; weight?: number; name?: string } | ServerAddress;

/** A validated server. `name` (`host:port`) is its identity: consistent hashing hashes it. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly name: string;
  /**
   * The server's own name in its client's placement (the spec's `name`: twemproxy's server name,
   * spymemcached's ketama node name); undefined: that client's default, formed from host and port.
   */
  readonly nodeName: string | undefined;
}

/** memcached's default port; libmemcached and twemproxy leave it out of ketama point names. */
export const DEFAULT_PORT = 11211;

/** Upper bound on a weight: PECL builds weight × 160 points, so this keeps a ring under ~16M points. */
export const MAX_WEIGHT = 100_000;

function checkPort(port: number, option: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidOptionError(option, `port must be an integer from 1 to 65535, got ${describe(port)}`);
  }
  return port;
}

function checkWeight(weight: number, option: string): number {
  if (!Number.isInteger(weight) || weight < 1 || weight > MAX_WEIGHT) {
    throw new InvalidOptionError(option, `weight must be an integer from 1 to ${MAX_WEIGHT}, got ${describe(weight)}`);
  }
  return weight;
}

function checkHost(host: string, option: string): string {
  if (typeof host !== 'string' || host.length === 0 || /[\s/]/.test(host)) {
    throw new InvalidOptionError(option, `host must be a non-empty hostname or IP address, got ${describe(host)}`);
  }
  return host;
}

function parseString(spec: string, option: string): ServerAddress {
  // "[v6]:port[:weight]" or "host[:port[:weight]]"
  const m = /^\[([^\]]+)\](?::(\d+))?(?::(\d+))?$/.exec(spec) ?? /^([^:[\]]+)(?::(\d+))?(?::(\d+))?$/.exec(spec);
  if (!m) {
    throw new InvalidOptionError(option, `expected "host:port" or "host:port:weight" (IPv6 as "[::1]:11211"), got ${describe(spec)}`);
  }
  const host = checkHost(m[1], option);
  const port = checkPort(m[2] === undefined ? DEFAULT_PORT : Number(m[2]), option);
  const weight = checkWeight(m[3] === undefined ? 1 : Number(m[3]), option);
  return { host, port, weight, name: `${host}:${port}`, nodeName: undefined };
}

/** Longest server name accepted (UTF-16 units): names are hashed per point, and real ones are short. */
const MAX_NODE_NAME = 1024;

function checkNodeName(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NODE_NAME) {
    throw new InvalidOptionError(option, `name must be a non-empty string of at most ${MAX_NODE_NAME} characters, got ${describe(value)}`);
  }
  return value;
}

/** Validates one server spec; `option` names it in errors (e.g. `servers[2]`). */
export function parseServer(spec: ServerSpec, option: string): ServerAddress {
  if (typeof spec === 'string') return parseString(spec, option);
  if (spec === null || typeof spec !== 'object') {
    throw new InvalidOptionError(option, `expected a "host:port" string or { host, port, weight }, got ${describe(spec)}`);
  }
  // A resolved ServerAddress (it has `nodeName`) can be passed back in: its `name` is then host:port.
  const resolved = Object.hasOwn(spec, 'nodeName');
  for (const field of Object.keys(spec)) {
    if (field !== 'host' && field !== 'port' && field !== 'weight' && field !== 'name' && !(resolved && field === 'nodeName')) {
      throw new InvalidOptionError(`${option}.${field}`, 'is not a server field; a server is { host, port, weight, name }');
    }
  }
  const host = checkHost(spec.host, `${option}.host`);
  const port = checkPort(spec.port ?? DEFAULT_PORT, `${option}.port`);
  const weight = checkWeight(spec.weight ?? 1, `${option}.weight`);
  const name = `${host}:${port}`;
  const given = (spec as { name?: unknown }).name;
  if (!resolved) return { host, port, weight, name, nodeName: checkNodeName(given, `${option}.name`) };
  if (given !== undefined && given !== name) {
    throw new InvalidOptionError(`${option}.name`, `must be "${name}" (host:port) in a resolved server, whose nodeName holds its own name; got ${describe(given)}`);
  }
  return { host, port, weight, name, nodeName: checkNodeName((spec as ServerAddress).nodeName, `${option}.nodeName`) };
}

/** Validates a server list (non-empty, no duplicate `host:port`). */
export function parseServers(specs: readonly ServerSpec[] | undefined, option = 'servers'): ServerAddress[] {
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new InvalidOptionError(option, 'give at least one server, e.g. ["127.0.0.1:11211"]');
  }
  // An index loop, not map: a hole in a sparse array is reported like any bad entry.
  const servers: ServerAddress[] = [];
  for (let i = 0; i < specs.length; i++) servers.push(parseServer(specs[i], `${option}[${i}]`));
  const seen = new Set<string>();
  for (const [i, s] of servers.entries()) {
    if (seen.has(s.name)) throw new InvalidOptionError(`${option}[${i}]`, `${s.name} is listed twice`);
    seen.add(s.name);
  }
  return servers;
}
