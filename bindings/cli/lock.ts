/**
 * `failback lock`: the failback lock and done-marker on each server, read with a plain `get`
 * (never `add`, `gets` or a write: looking must not change what the frontends coordinate on).
 */
import { validateKeyPrefix } from '../protocol/keys.js';
import { DEFAULT_TIMEOUT_MS, parseCommand, serverList, timeoutMs } from './args.js';
import { EXIT, type Command, type Io } from './command.js';
import { formatLocks, lockKeys, lockState, type LockState } from './lock-format.js';
import { jsonLine } from './output.js';
import { readServer } from '../health/identity.js';
import { ClusterReader, type Snapshot } from './reader.js';

const DEFAULT_PREFIX = 'last_failback_';

export const LOCK_USAGE = `usage: failback lock --servers host:port,... [--lock-key PREFIX] [--json] [--timeout MS]
Per server, read only: the failback lock of this minute and of the previous one (PREFIX + floor(time / 60),
the minute from the server's own clock) and who holds it, and the done-marker (PREFIX + "done") a failback's
leader writes with its flush: the epoch (failbacks of that server so far), when it flushed, which process
(pid:boot time) it flushed — this one, or an earlier one — and the leader's token.
--lock-key PREFIX   the Client's failback.lockKey prefix (default ${DEFAULT_PREFIX})
--json              one JSON document: {"time","servers":[{"server","up","error","identity","time","locks":[{"key","minute","holder"}],
                    "marker":{"key","value","valid","epoch","flushedAt","ageSeconds","identity","process","leader"}}...]}
--timeout MS        connect and answer timeout per server (default ${DEFAULT_TIMEOUT_MS})
Exit status: 0 when every server answered, 1 when one did not, 2 for a bad command line.`;

/** The failback keys of one server: read once its clock (from `stats`) has named the minute. */
async function readLock(reader: ClusterReader, index: number, snapshot: Snapshot, prefix: string): Promise<LockState> {
  const localSeconds = Math.floor(Date.now() / 1000);
  if (!snapshot.up) return lockState(prefix, snapshot, new Map(), localSeconds);
  const keys = lockKeys(prefix, readServer(snapshot.stats).time ?? localSeconds);
  try {
    return lockState(prefix, snapshot, await reader.get(index, [...keys.locks, keys.marker]), localSeconds);
  } catch (err) {
    // It answered stats and then failed: report it down with the reason, like one that never answered.
    return lockState(prefix, { server: snapshot.server, up: false, error: err as Error }, new Map(), localSeconds);
  }
}

/** `failback lock …`. */
export async function runLock(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand({
    args: argv,
    options: { servers: { type: 'string' }, 'lock-key': { type: 'string' }, json: { type: 'boolean' }, timeout: { type: 'string' } },
  });
  const servers = serverList(values.servers);
  const prefix = values['lock-key'] ?? DEFAULT_PREFIX;
  validateKeyPrefix(prefix, '--lock-key');
  const reader = new ClusterReader(servers, timeoutMs(values.timeout));
  try {
    const snapshots = await reader.snapshot();
    const states = await Promise.all(snapshots.map((snapshot, i) => readLock(reader, i, snapshot, prefix)));
    io.stdout.write(values.json ? jsonLine({ time: new Date().toISOString(), servers: states }) : formatLocks(states));
    return states.every((s) => s.up) ? EXIT.ok : EXIT.unhealthy;
  } finally {
    reader.close();
  }
}

/** The `lock` command. */
export const lock: Command = {
  summary: 'the failback lock and done-marker on each server (read only)',
  usage: LOCK_USAGE,
  run: runLock,
};
