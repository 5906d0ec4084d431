// The name each client hashes (ketama points) or sorts (twemproxy) for a server: written into
// the core's names region by the router. Clients that name servers themselves (twemproxy's
// `host:port:weight name`, spymemcached's ketama node names) take the server's own `name`;
// without one, the name that client forms from host and port.

import { InvalidOptionError } from '../errors.js';
import { DEFAULT_PORT, type ServerAddress } from '../servers.js';
import { isIpLiteral, javaHostAddress } from './java-address.js';

/**
 * - `host:port`: PECL, memcache-plus, pymemcache, Dalli (and the schemes that hash no name).
 * - `host-unless-11211`: libmemcached and npm memcached: `host` for port 11211, else `host:port`.
 * - `/host:port`: libmemcached's spy mode, port always written.
 * - `host\0port`: Cache::Memcached::Fast's ketama.
 * - `twemproxy`: the server's `name`, else `host-unless-11211`.
 * - `spymemcached`: the server's `name`, else what spymemcached's default format SPYMEMCACHED writes
 *   (`InetSocketAddress.toString()` without its leading `/`).
 * - `spymemcached-libmemcached`: the server's `name`, else what format LIBMEMCACHED writes
 *   (`getHostName()`, then `:port` unless 11211).
 */
export type PointNameRule = 'host:port' | 'host-unless-11211' | '/host:port' | 'host\0port' | 'twemproxy' | 'spymemcached' | 'spymemcached-libmemcached';

/** The rules under which a server's own `name` is its point name. */
export function takesServerNames(rule: PointNameRule): boolean {
  return rule === 'twemproxy' || rule === 'spymemcached' || rule === 'spymemcached-libmemcached';
}

function hostUnless11211(server: ServerAddress): string {
  return server.port === DEFAULT_PORT ? server.host : server.name;
}

/**
 * spymemcached's format SPYMEMCACHED: `InetSocketAddress.toString()` without the leading `/`,
 * i.e. `ip:port` for an IP literal (IPv6 in brackets, in Java's full notation), and
 * `host/ip:port` for a host name (which needs the JVM's lookup; only `localhost` is known).
 */
function spymemcachedName(server: ServerAddress): string | undefined {
  const literal = javaHostAddress(server.host);
  if (literal !== undefined) return literal.v6 ? `[${literal.text}]:${server.port}` : `${literal.text}:${server.port}`;
  // The JVM resolves localhost to 127.0.0.1 (IPv4 preferred): recorded as localhost/127.0.0.1:21211.
  if (server.host === 'localhost') return `localhost/127.0.0.1:${server.port}`;
  return undefined;
}

/**
 * spymemcached's format LIBMEMCACHED: `getHostName()` (+ `:port` unless 11211). A host name is kept
 * as given; an IP literal is looked up in reverse DNS, known only for 127.0.0.1 (`localhost`, as
 * /etc/hosts gives it and as recorded).
 */
function libmemcachedFormatName(server: ServerAddress): string | undefined {
  const host = !isIpLiteral(server.host) ? server.host : server.host === '127.0.0.1' ? 'localhost' : undefined;
  if (host === undefined) return undefined;
  return server.port === DEFAULT_PORT ? host : `${host}:${server.port}`;
}

/**
 * The name the core hashes or sorts for `server` under `rule`. `option` names the server in errors.
 * @throws InvalidOptionError when the client forms the name with a DNS lookup failback cannot repeat.
 */
export function pointName(server: ServerAddress, rule: PointNameRule, option: string): string {
  if (takesServerNames(rule) && server.nodeName !== undefined) return server.nodeName;
  switch (rule) {
    case 'host:port': return server.name;
    case '/host:port': return `/${server.host}:${server.port}`;
    case 'host\0port': return `${server.host}\0${server.port}`;
    case 'host-unless-11211':
    case 'twemproxy':
      return hostUnless11211(server);
    case 'spymemcached': {
      const name = spymemcachedName(server);
      if (name === undefined) {
        throw new InvalidOptionError(`${option}.name`, `spymemcached names a server given by host name "host/address:port" after the JVM's DNS lookup; give its name, e.g. "${server.host}/10.0.0.1:${server.port}"`);
      }
      return name;
    }
    case 'spymemcached-libmemcached': {
      const name = libmemcachedFormatName(server);
      if (name === undefined) {
        throw new InvalidOptionError(`${option}.name`, `spymemcached's LIBMEMCACHED format names ${server.host} by its reverse DNS lookup (getHostName()); give its name, e.g. "cache-1${server.port === DEFAULT_PORT ? '' : `:${server.port}`}"`);
      }
      return name;
    }
  }
}
