/**
 * Runs the built `failback` command (dist/cli/main.js) as a separate Node process, as an operator
 * would: asynchronously, so memcached servers and clients in the test process keep running.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `node dist/cli/main.js ...args`; `onStdout` sees each chunk as it arrives (for --watch). */
export function spawnCli(args: string[], input?: string, onStdout?: (chunk: string, child: ChildProcess) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onStdout?.(chunk, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Parses each line of `text` as a JSON document (what `--json` prints, one per refresh). */
export function jsonLines<T>(text: string): T[] {
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as T);
}
