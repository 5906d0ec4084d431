// memcaslap (libmemcached-tools' memaslap) as the C reference: one run as a subprocess, measured
// from its per-second statistics lines, its CPU read from /proc/<pid>/stat at those same moments.
//
// memcaslap first fills its own key window (-w per concurrency) with sets, untimed, then runs the
// timed phase and prints `Global` statistics every second (-S 1s). We take the first line (1 s into
// the timed phase) as the start and the line `seconds` later as the end, so neither start-up nor
// that prefill is counted, then stop the process.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MEMCASLAP = process.env.MEMCASLAP_BIN ?? '/usr/bin/memcaslap';
const SCRATCH = join(dirname(fileURLToPath(import.meta.url)), '..', '.tmp', 'bench');
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

export function memcaslapAvailable() {
  return existsSync(MEMCASLAP);
}

/** memcaslap's `-F` file: fixed key and value sizes, only gets or only sets (cmd 0 = set, 1 = get). */
function configFile(kind, keySize, valueSize) {
  mkdirSync(SCRATCH, { recursive: true });
  const file = join(SCRATCH, `memcaslap-${kind}-k${keySize}-v${valueSize}.cfg`);
  const set = kind === 'set' ? '1.0' : '0.0';
  const get = kind === 'set' ? '0.0' : '1.0';
  writeFileSync(file, `key\n${keySize} ${keySize} 1\nvalue\n${valueSize} ${valueSize} 1\ncmd\n0 ${set}\n1 ${get}\n`);
  return file;
}

/** User + system CPU seconds of a process (all its threads), or undefined once it is gone. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = fields.slice(fields.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/**
 * One memcaslap run. `kind`: 'get' or 'set'; `concurrency`: connections with one request each in
 * flight (one thread); `division`: keys per multi-get (1 = single get). Resolves
 * `{ units, seconds, cpuUs, misses, args }` where units are keys (gets) or sets.
 */
export function runMemcaslap({ servers, kind, concurrency, division = 1, seconds = 1, keySize = 16, valueSize = 100 }) {
  // memcaslap refuses keys shorter than 16 bytes.
  const args = [
    '-s', servers.join(','), '-F', configFile(kind, Math.max(16, keySize), valueSize), '-T', '1', '-c', String(concurrency),
    '-w', '1k', '-d', String(division), '-S', '1s', '-t', `${seconds + 2}s`,
  ];
  return new Promise((resolve, reject) => {
    // stdbuf: memcaslap's stdout is a pipe here, and the per-second lines must arrive as printed.
    const child = spawn('stdbuf', ['-oL', MEMCASLAP, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let section = '';
    let pending = '';
    let output = '';
    const samples = [];
    let result;
    const finish = () => {
      if (result !== undefined) return;
      const [a, b] = [samples[0], samples[samples.length - 1]];
      const fields = (s) => s.line.trim().split(/\s+/);
      const [opsA, opsB] = [Number(fields(a)[2]), Number(fields(b)[2])];
      result = {
        units: (opsB - opsA) * (kind === 'get' ? division : 1),
        seconds: (b.at - a.at) / 1000,
        cpuUs: (b.cpu - a.cpu) * 1e6,
        misses: Number(fields(b)[5]) - Number(fields(a)[5]),
        args: `memcaslap ${args.join(' ')}`,
      };
      child.kill('SIGTERM');
    };
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (text) => {
      output += text;
      pending += text;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const title = /(Get|Set|Total) Statistics\s*$/.exec(line);
        if (title) section = title[1];
        // The Get (or Set) block's cumulative line: Global <s> <ops> <tps> <net> <get_miss> …
        if (section !== 'Total' && section !== '' && line.startsWith('Global')) {
          const cpu = cpuSeconds(child.pid);
          if (cpu === undefined) continue;
          samples.push({ at: performance.now(), line, cpu });
          if (samples.length === seconds + 1) finish();
        }
      }
    });
    child.stderr.setEncoding('latin1');
    child.stderr.on('data', (text) => { output += text; });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`memcaslap exited (${code ?? signal}) after ${samples.length} samples: ${args.join(' ')}\n${output.slice(-2000)}`));
    });
  });
}
