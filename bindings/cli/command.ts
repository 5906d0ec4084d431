/** What every `failback` subcommand is: its usage text and a run function that returns the exit status. */
import type { Readable, Writable } from 'node:stream';

/** The streams a command reads and writes: the process's own, or a test's. Errors are thrown, and main reports them. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
}

/** Exit statuses, the same for every command (scripts and monitors branch on them). */
export const EXIT = {
  /** Done; every server asked answered. */
  ok: 0,
  /** Done, but a server did not answer (stats, health, lock): the output says which and why. */
  unhealthy: 1,
  /** The command line was wrong: nothing was done; stderr says what to change. */
  usage: 2,
} as const;

/** One subcommand. */
export interface Command {
  /** One line for the command list of `failback --help`. */
  summary: string;
  /** Its `--help` text. */
  usage: string;
  /** Runs it with the arguments after its name; resolves with the exit status. */
  run(argv: string[], io: Io): Promise<number>;
}
