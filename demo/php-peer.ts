/**
 * A real PHP frontend (PECL memcache, its default consistent/crc32 placement) next to a failback
 * frontend on the same servers: PHP writes values failback reads, failback writes values PHP reads.
 * Each side gets each key from the one server it routes the key to, so every hit also shows that
 * both place the key on the same server.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Client } from 'failback';
import type { MemcachedServer } from './servers.js';

/** The PHP side, from the compiled build/demo/php-peer.js: the script stays in demo/, where it is written. */
const SCRIPT = fileURLToPath(new URL('../../demo/php-frontend.php', import.meta.url));

/** What the exchange showed, for the report. */
export interface PhpExchange {
  /** e.g. "PHP 8.2.36, PECL memcache 4.0.5.2". */
  peer: string;
  servers: number;
  /** Values PHP wrote, and how many failback read back identical (a miss or a difference is not). */
  phpWrote: number;
  failbackReadEqual: number;
  /** Values failback wrote, and how many PHP read back identical. */
  failbackWrote: number;
  phpReadEqual: number;
  /** The first few keys that did not match, with what each side had. */
  mismatches: string[];
}

/** What failback writes for index `i`: plain data PHP holds as arrays and scalars. */
function nodeValue(i: number): unknown {
  return i % 3 === 0 ? { order: i, lines: [{ sku: `sku-${i}`, qty: 2, price: 9.5 }], paid: i % 2 === 0, note: null } : i % 3 === 1 ? `node string ${i} ☃` : i * 7;
}

interface PhpOutput {
  extension: string;
  php: string;
  values: Record<string, unknown>;
}

function php(args: string[]): Promise<PhpOutput> {
  return new Promise((resolve, reject) => {
    execFile('php', [SCRIPT, ...args], { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the PHP frontend failed: ${stderr.trim() || err.message}`));
      else resolve(JSON.parse(stdout) as PhpOutput);
    });
  });
}

/** PHP's JSON of an array with keys 0..n-1 is a list, of other arrays an object: the same shapes the codec returns. */
function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** Runs the exchange over `servers` (already started) with `count` keys each way. */
export async function exchangeWithPhp(servers: readonly MemcachedServer[], count: number): Promise<PhpExchange> {
  const addresses = servers.map((s) => s.address);
  const mc = new Client<unknown>({ servers: addresses, codec: 'php-memcache' });
  const mismatches: string[] = [];
  try {
    const wrote = await php(['write', 'php:', String(count), ...addresses]);
    let failbackReadEqual = 0;
    for (const [key, value] of Object.entries(wrote.values)) {
      const got = await mc.get(key);
      if (same(got, value)) failbackReadEqual++;
      else if (mismatches.length < 5) mismatches.push(`${key}: PHP wrote ${JSON.stringify(value)}, failback read ${JSON.stringify(got)}`);
    }
    const keys = Array.from({ length: count }, (_, i) => `node:${i}`);
    await Promise.all(keys.map((key, i) => mc.set(key, nodeValue(i))));
    const read = await php(['read', 'node:', String(count), ...addresses]);
    let phpReadEqual = 0;
    keys.forEach((key, i) => {
      if (same(read.values[key], nodeValue(i))) phpReadEqual++;
      else if (mismatches.length < 5) mismatches.push(`${key}: failback wrote ${JSON.stringify(nodeValue(i))}, PHP read ${JSON.stringify(read.values[key])}`);
    });
    return {
      peer: `PHP ${wrote.php}, PECL memcache ${wrote.extension}`,
      servers: servers.length,
      phpWrote: Object.keys(wrote.values).length,
      failbackReadEqual,
      failbackWrote: count,
      phpReadEqual,
      mismatches,
    };
  } finally {
    await mc.close();
  }
}
