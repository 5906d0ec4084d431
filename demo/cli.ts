/** The demo's command line: `node build/demo/main.js [--quick] [--json PATH] [--out PATH] [--policies …]`. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { POLICIES, type PolicyId } from './policies.js';

export const USAGE = `usage: npm run demo -- [options]   (or: node build/demo/main.js [options])

Starts local memcached servers and frontend processes, kills and restarts one server twice
(Don's 2006 sequence) under each failure policy, and compares stale reads side by side.

options:
  --quick            shorter run (about 45 s instead of about 85 s)
  --json PATH        also write the machine-readable result to PATH
  --out PATH         the HTML report (default: demo-report.html in the current directory)
  --policies LIST    comma-separated subset of these rows (default: all, in this order):
${POLICIES.map((p) => `                       ${p.id.padEnd(10)}${p.label.padEnd(34)}${p.failover} / ${p.flush}`).join('\n')}
                     (last column: the Client's failover / failback.flush)
  -h, --help         this text`;

/** Parsed options. */
export interface DemoArgs {
  help: boolean;
  quick: boolean;
  /** Absolute path, or undefined for no JSON. */
  json: string | undefined;
  /** Absolute path of the HTML report. */
  out: string;
  policies: PolicyId[];
}

/** Parses argv (without node and the script). @throws TypeError on unknown or malformed options. */
export function parseDemoArgs(argv: string[]): DemoArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      out: { type: 'string', default: 'demo-report.html' },
      policies: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const known = new Set<string>(POLICIES.map((p) => p.id));
  const policies = values.policies === undefined ? POLICIES.map((p) => p.id) : values.policies.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = policies.filter((p) => !known.has(p));
  if (unknown.length > 0 || policies.length === 0) throw new TypeError(`--policies takes a comma-separated subset of ${[...known].join(', ')}; got ${JSON.stringify(values.policies)}`);
  return {
    help: values.help,
    quick: values.quick,
    json: values.json === undefined ? undefined : resolve(values.json),
    out: resolve(values.out),
    // Keep the table's order whatever order they were given in.
    policies: POLICIES.map((p) => p.id).filter((id) => policies.includes(id)),
  };
}
