#!/usr/bin/env node
/** The `failback` command. */
import '../entry/node.js';
import { MemcacheError } from '../errors.js';
import { ROUTE_USAGE, runRoute } from './route.js';

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'route') {
    await runRoute(rest, process.stdin, process.stdout);
  } else {
    process.stderr.write(`${ROUTE_USAGE}\n`);
    process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
} catch (err) {
  process.stderr.write(`failback: ${err instanceof MemcacheError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? (err as Error).message : String((err as Error).stack ?? err)}\n`);
  process.exitCode = 2;
}
