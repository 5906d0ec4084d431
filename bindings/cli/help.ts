/**
 * `failback --help`, `failback <command> --help`, `failback help <command>` and `--version`, by
 * convention: help and the version go to stdout with exit status 0, so they can be piped to a pager.
 */
import { readFileSync } from 'node:fs';
import type { Command } from './command.js';

/** The top-level help: what failback is, then one line per command. */
export function mainUsage(commands: Readonly<Record<string, Command>>): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return `usage: failback <command> [options]      (failback <command> --help: that command's options)

The operators' side of failback, the memcached client: where keys live, what a change of the server
list moves, and the state of a live cluster and of its failbacks.

commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`).join('\n')}

options:
  -h, --help     this text
  -V, --version  the package version

Exit status: 0 done, 1 a server did not answer (stats, health, lock), 2 a bad command line.`;
}

/**
 * Whether the arguments ask for help: `-h` or `--help` anywhere before `--` (after it they are
 * keys: `failback route --servers … -- -h` routes the key "-h").
 */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The version in the package's own package.json (two folders above dist/cli/ and bindings/cli/). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}
