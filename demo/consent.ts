/**
 * Whether the demo may install system packages itself. A CI machine (env `CI` set) is there to be
 * set up, so it may, as before; a person at a terminal is asked first (no by default), since
 * apt-get changes their machine; anywhere else (piped, cron) nobody can answer, so it may not and
 * the demo only says what to install.
 */
import { createInterface } from 'node:readline/promises';

/** Where the question is asked: the terminal, unless a test gives other streams. */
export interface Terminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Asks, or decides, whether `packages` may be installed now.
 * @param what - what is missing, for the question (e.g. "memcached")
 * @param command - the command that would run, shown in the question
 * @param log - where the CI notice goes (stderr: stdout is the report)
 * @param terminal - stdin and stderr by default (stdout is the report)
 * @returns true to install, false to only say what to install
 */
export async function mayInstall(
  what: string,
  command: string,
  log: (line: string) => void,
  terminal: Terminal = { input: process.stdin, output: process.stderr },
): Promise<boolean> {
  if (process.env.CI) {
    log(`${what} is missing; CI is set, so installing it: ${command}`);
    return true;
  }
  if (!terminal.input.isTTY || !terminal.output.isTTY) return false;
  const rl = createInterface({ input: terminal.input, output: terminal.output });
  // The terminal is raw while the question waits: Ctrl-C and Ctrl-D reach readline, not the process.
  const unanswered = new AbortController();
  rl.once('SIGINT', () => unanswered.abort());
  rl.once('close', () => unanswered.abort());
  try {
    const answer = await rl.question(`${what} is missing. Install it now (${command})? [y/N] `, { signal: unanswered.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false; // interrupted: the same as no
  } finally {
    rl.close();
  }
}
