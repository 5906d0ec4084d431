#!/usr/bin/env node
/** The `failback` command: finds the subcommand, runs it, and turns what went wrong into a message and an exit status. */
import '../entry/node.js';
import { MemcacheError } from '../errors.js';
import { UsageError } from './args.js';
import { EXIT, type Command, type Io } from './command.js';
import { mainUsage, packageVersion, wantsHelp } from './help.js';
import { lock } from './lock.js';
import { moves } from './moves.js';
import { route } from './route.js';
import { health, stats } from './stats.js';

const COMMANDS: Readonly<Record<string, Command>> = { route, moves, stats, health, lock };

/** Runs `failback` with `argv` (without node and the script); resolves with the exit status. */
async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(`${mainUsage(COMMANDS)}\n`);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  if (name === 'help') {
    const about = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    if (rest[0] !== undefined && about === undefined) throw new UsageError(`no command ${JSON.stringify(rest[0])}; the commands are ${Object.keys(COMMANDS).join(', ')}`);
    io.stdout.write(`${about?.usage ?? mainUsage(COMMANDS)}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    const what = name.startsWith('-') ? `unknown option ${JSON.stringify(name)}` : `unknown command ${JSON.stringify(name)}`;
    throw new UsageError(`${what}; the commands are ${Object.keys(COMMANDS).join(', ')}`);
  }
  if (wantsHelp(rest)) {
    io.stdout.write(`${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message, name);
    throw err;
  }
}

/** The message for stderr and the exit status for an error `main` threw. */
function failure(err: unknown): { message: string; status: number } {
  if (err instanceof UsageError) {
    const command = err.command === undefined ? '' : ` ${err.command}`;
    return { message: `failback${command}: ${err.message}\n(run "failback${command} --help" for usage)`, status: EXIT.usage };
  }
  // Options the router or a parser refused (a bad distribution, server, key): the message names it and what is allowed.
  if (err instanceof MemcacheError) return { message: `failback: ${err.message}`, status: EXIT.usage };
  return { message: `failback: unexpected error, please report it with this output: ${(err as Error)?.stack ?? String(err)}`, status: EXIT.unhealthy };
}

// A reader that stops early (`failback route … | head`) closes the pipe: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? EXIT.ok);
});

try {
  process.exitCode = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout });
} catch (err) {
  const { message, status } = failure(err);
  process.stderr.write(`${message}\n`);
  process.exitCode = status;
}
