/**
 * Command-line parsing shared by the subcommands: node:util's parseArgs in strict mode (an
 * unknown or misspelt option is an error, never ignored), its errors turned into
 * {@link UsageError}s, and the few option shapes several commands take.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseServer, parseServers, type ServerAddress, type ServerSpec } from '../servers.js';

/** A mistake in the command line: nothing was done; exit status 2, and stderr points to `--help`. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** @param command - the subcommand whose `--help` to point to (undefined: the top level). */
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

/**
 * parseArgs (strict, its default: an unknown option is an error), whose errors (unknown option, missing value, unexpected
 * argument) become {@link UsageError}s that keep Node's wording: it already says what to type.
 */
export function parseCommand<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message);
    throw err;
  }
}

/** Default seconds between refreshes for a bare `--watch`. */
export const DEFAULT_WATCH_SECONDS = 2;

/**
 * Lets `--watch` go without a value (`--watch`, `--watch 5`, `--watch=0.5`): parseArgs has no
 * optional values, so a bare one gets the default written in. Stops at `--`.
 */
export function withWatchDefault(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]);
    if (argv[i] === '--') {
      out.push(...argv.slice(i + 1));
      break;
    }
    if (argv[i] === '--watch' && !/^(\d+\.?\d*|\.\d+)$/.test(argv[i + 1] ?? '')) out.push(String(DEFAULT_WATCH_SECONDS));
  }
  return out;
}

/** Milliseconds the live commands wait for a server to connect and to answer, unless `--timeout` says. */
export const DEFAULT_TIMEOUT_MS = 1000;

/** `--timeout MS`: an integer from 1 ms to 10 minutes, or {@link DEFAULT_TIMEOUT_MS} when not given. */
export function timeoutMs(text: string | undefined): number {
  return text === undefined ? DEFAULT_TIMEOUT_MS : positiveInteger('--timeout', text, 600_000);
}

/** A number > 0 (seconds, milliseconds), or a UsageError naming the option. */
export function positiveNumber(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`${option}: expected a number greater than 0, got ${JSON.stringify(text)}`);
  return value;
}

/** An integer from 1 to `max`, or a UsageError naming the option. */
export function positiveInteger(option: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) throw new UsageError(`${option}: expected an integer from 1 to ${max}, got ${JSON.stringify(text)}`);
  return value;
}

/** The comma-separated items of a list option (empty items dropped). */
export function items(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * One server as a command line gives it: `host:port[:weight]`, or with the server's own name after a
 * space, as twemproxy's config lines write it (`127.0.0.1:11211:1 server1`; spymemcached's ketama node
 * names the same way).
 */
export function serverSpec(item: string, option: string): ServerSpec {
  const named = /^(\S+)\s+(\S+)$/.exec(item);
  if (named === null) return item;
  const { host, port, weight } = parseServer(named[1], option);
  return { host, port, weight, name: named[2] };
}

/** `--servers host:port[:weight][ name],…` as given (routing validates them), or a UsageError when missing. */
export function serverSpecs(text: string | undefined): ServerSpec[] {
  const specs = items(text);
  if (specs.length === 0) throw new UsageError('--servers: is required, e.g. --servers 10.0.0.1:11211,10.0.0.2:11211:2');
  return specs.map((spec, i) => serverSpec(spec, `--servers[${i}]`));
}

/** `--servers` parsed and validated (an InvalidOptionError names the bad entry, e.g. `--servers[1]`). */
export function serverList(text: string | undefined): ServerAddress[] {
  return parseServers(serverSpecs(text), '--servers');
}

/**
 * The indexes in `servers` of a list of references, each an index (`1`) or a server
 * (`10.0.0.2:11211`, or `10.0.0.2` for port 11211), as `--down` and `--remove` take them.
 */
export function serverIndexes(option: string, text: string | undefined, servers: readonly ServerAddress[]): number[] {
  return items(text).map((ref) => {
    const index = /^\d+$/.test(ref) ? Number(ref) : servers.findIndex((s) => s.name === parseServer(ref, option).name);
    if (index >= 0 && index < servers.length) return index;
    throw new UsageError(
      `${option}: ${JSON.stringify(ref)} is not one of the servers: give an index from 0 to ${servers.length - 1} or one of ${servers.map((s) => s.name).join(', ')}`,
    );
  });
}
